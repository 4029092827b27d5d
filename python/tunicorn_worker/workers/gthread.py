"""gthread: `threads` request threads; a reader thread per front connection dispatches its
frames to the streams; the main loop accepts, reads the control channel and heartbeats."""

import queue
import threading

from ..conn import ThreadConn
from ..handler import handle, send_stopped
from .base import BaseWorker
from .selector_loop import SelectorWorker


class ThreadWorker(SelectorWorker):
    multithread = True

    def __init__(self, *args):
        SelectorWorker.__init__(self, *args)
        self.queue = queue.SimpleQueue()
        self.conns_lock = threading.Lock()
        self.nthreads = max(1, int(self.settings.get("threads") or 1))

    make_event = staticmethod(threading.Event)

    def submit(self, s):
        self.queue.put(s)

    def request_done(self):
        with self.conns_lock:
            BaseWorker.request_done(self)

    def conn_closed(self, conn):
        with self.conns_lock:
            self.conns.discard(conn)
        try:
            self._wake_w.send(b"c")
        except OSError:
            pass

    def run_requests(self):
        get = self.queue.get
        while True:
            s = get()
            if s is None:
                return
            if s.cancelled:
                send_stopped(s)
                continue
            try:
                handle(self, s)
            except BaseException:
                pass

    def run(self):
        for i in range(self.nthreads):
            threading.Thread(target=self.run_requests, name="request-%d" % i, daemon=True).start()
        return SelectorWorker.run(self)

    def new_conn(self, sock):
        conn = ThreadConn(self, sock)
        with self.conns_lock:
            self.conns.add(conn)
        threading.Thread(target=conn.run_reader, name="front-reader", daemon=True).start()
