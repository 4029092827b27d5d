"""gevent: after gevent.monkey.patch_all() (done in __main__ before the app is imported), the
concurrent design with greenlets: a reader and a writer greenlet per front connection, request
greenlets from a gevent.pool.Pool(worker_connections), heartbeats from the main greenlet.
A CANCEL kills the request's greenlet."""

import signal
import gevent
import gevent.event
import gevent.pool
import gevent.queue

from ..conn import GeventConn
from ..handler import handle, send_stopped
from .base import BaseWorker


class RequestCancelled(gevent.GreenletExit):
    """Raised in a request's greenlet when the front cancels the request."""


class GeventWorker(BaseWorker):
    multithread = True      # as Gunicorn's gevent worker

    def __init__(self, *args):
        BaseWorker.__init__(self, *args)
        size = max(1, int(self.settings.get("worker_connections") or 1000))
        self.pool = gevent.pool.Pool(size)
        self.queue = gevent.queue.Queue()
        self.idle = 0       # request greenlets waiting for a stream, or spawned to take one
        self.loop = gevent.get_hub().loop
        self.wakeup = gevent.event.Event()

    make_event = staticmethod(gevent.event.Event)

    def submit(self, s):
        # request greenlets live on and take the next stream (a greenlet is costly to create); a new
        # one unless an idle one is left for this stream: those woken by earlier puts have not run yet
        if self.queue.qsize() >= self.idle and not self.pool.full():
            self.idle += 1      # counted from now: it takes a stream as soon as it runs
            self.pool.spawn(self.run_requests)
        self.queue.put(s)

    def run_requests(self):
        me = gevent.getcurrent()
        get = self.queue.get
        while True:
            s = get()
            self.idle -= 1
            if s is None:
                return
            if s.cancelled:
                send_stopped(s)
            else:
                s.task = me
                try:
                    handle(self, s)
                except RequestCancelled:
                    pass
                finally:
                    s.task = None
            self.idle += 1

    def cancel(self, s):
        """From the reader: raise RequestCancelled in the greenlet running s, at its next
        switch (as greenlet.kill does), unless it has moved on to another request."""
        if s.task is not None:
            self.loop.run_callback(self._throw, s)

    @staticmethod
    def _throw(s):
        g = s.task
        if g is not None and not g.dead:
            g.throw(RequestCancelled("request cancelled"))

    def conn_closed(self, conn):
        self.conns.discard(conn)
        if not self.alive:
            self.wakeup.set()

    def begin_stop(self):
        BaseWorker.begin_stop(self)
        self.wakeup.set()

    def run_accept(self):
        listener = self.listener
        while self.listener is not None:
            try:
                sock, _ = listener.accept()
            except OSError:
                if self.listener is None:
                    return
                gevent.sleep(0.01)
                continue
            conn = GeventConn(self, sock, gevent.event.Event)
            self.conns.add(conn)
            gevent.spawn(conn.run_writer)
            gevent.spawn(conn.run_reader)

    def run_control(self):
        while True:
            msgs = self.control.read()
            self.handle_control(msgs)
            if msgs is None:
                return

    def init_signals(self):
        def quit_():
            self.quit_now()
            self.wakeup.set()

        def abort_():
            self.abort_now()
            self.wakeup.set()

        gevent.signal_handler(signal.SIGTERM, self.begin_stop)
        gevent.signal_handler(signal.SIGINT, quit_)
        gevent.signal_handler(signal.SIGQUIT, quit_)
        gevent.signal_handler(signal.SIGABRT, abort_)
        gevent.signal_handler(signal.SIGUSR1, self.log.reopen)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)

    def run(self):
        self.init_signals()
        acceptor = gevent.spawn(self.run_accept)
        gevent.spawn(self.run_control)
        interval = self.hb_interval
        wakeup = self.wakeup
        while True:
            self.heartbeat()
            wakeup.wait(interval)
            wakeup.clear()
            if self.quick:
                return 0
            if self.aborted:
                return 1
            if not self.alive:
                done = self.stop_done()     # closes the listener once its grace is over
                if self.listener is None:
                    acceptor.kill(block=False)
                if done:
                    return 0
                wakeup.wait(0.1)
