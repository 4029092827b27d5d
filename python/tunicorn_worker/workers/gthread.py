"""gthread: `threads` request threads; a reader thread per front connection dispatches its
frames to the streams; the main thread accepts, reads the control channel and heartbeats."""

import queue
import selectors
import threading
import time

from ..conn import ThreadConn
from ..handler import handle
from .base import BaseWorker

_ACCEPT = object()
_CONTROL = object()
_WAKE = object()


class ThreadWorker(BaseWorker):
    multithread = True

    def __init__(self, *args):
        BaseWorker.__init__(self, *args)
        self.queue = queue.SimpleQueue()
        self.conns_lock = threading.Lock()
        self.sel = selectors.DefaultSelector()
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

    def close_listener(self):
        if self.listener is not None:
            try:
                self.sel.unregister(self.listener)
            except (KeyError, ValueError):
                pass
        BaseWorker.close_listener(self)

    def run_requests(self):
        get = self.queue.get
        while True:
            s = get()
            if s is None:
                return
            if not s.cancelled:
                try:
                    handle(self, s)
                except BaseException:
                    pass

    def run(self):
        self.init_signals()
        for i in range(self.nthreads):
            threading.Thread(target=self.run_requests, name="request-%d" % i, daemon=True).start()
        sel = self.sel
        self.listener.setblocking(False)
        sel.register(self.listener, selectors.EVENT_READ, _ACCEPT)
        sel.register(self.control.sock, selectors.EVENT_READ, _CONTROL)
        sel.register(self._wake_r, selectors.EVENT_READ, _WAKE)
        interval = self.hb_interval
        monotonic = time.monotonic
        self.heartbeat()
        next_hb = monotonic() + interval
        while True:
            timeout = max(0.0, next_hb - monotonic())
            if not self.alive:
                timeout = min(timeout, 0.1)
            for key, _ in sel.select(timeout):
                d = key.data
                if d is _ACCEPT:
                    self.accept()
                elif d is _CONTROL:
                    self.handle_control(self.control.read())
                    if self.control.closed:
                        sel.unregister(self.control.sock)
                elif d is _WAKE:
                    self.drain_wakeup()
            now = monotonic()
            if now >= next_hb:
                self.heartbeat()
                next_hb = now + interval
            if not self.alive and self.stop_done():
                return 0

    def accept(self):
        listener = self.listener
        while listener is not None:
            try:
                sock, _ = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            sock.setblocking(True)
            conn = ThreadConn(self, sock)
            with self.conns_lock:
                self.conns.add(conn)
            threading.Thread(target=conn.run_reader, name="front-reader", daemon=True).start()
