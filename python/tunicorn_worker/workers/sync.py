"""sync: one request at a time, from one selectors loop over the listening socket, the
fronts' connections, the control channel and the signal wake-up; heartbeats between requests."""

import selectors
import time
from collections import deque

from ..conn import SyncConn
from ..handler import handle
from .base import BaseWorker

_ACCEPT = object()
_CONTROL = object()
_WAKE = object()


class SyncWorker(BaseWorker):
    multithread = False

    def __init__(self, *args):
        BaseWorker.__init__(self, *args)
        self.pending = deque()
        self.sel = selectors.DefaultSelector()

    def submit(self, s):
        self.pending.append(s)

    def close_conn(self, conn):
        if conn.closed:
            return
        conn.closed = True
        conn.cancel_all()
        try:
            self.sel.unregister(conn.sock)
        except (KeyError, ValueError):
            pass
        try:
            conn.sock.close()
        except OSError:
            pass
        self.conns.discard(conn)

    def close_listener(self):
        if self.listener is not None:
            try:
                self.sel.unregister(self.listener)
            except (KeyError, ValueError):
                pass
        BaseWorker.close_listener(self)

    def run(self):
        self.init_signals()
        sel = self.sel
        self.listener.setblocking(False)
        sel.register(self.listener, selectors.EVENT_READ, _ACCEPT)
        sel.register(self.control.sock, selectors.EVENT_READ, _CONTROL)
        sel.register(self._wake_r, selectors.EVENT_READ, _WAKE)
        pending = self.pending
        interval = self.hb_interval
        monotonic = time.monotonic
        self.heartbeat()
        next_hb = monotonic() + interval
        select = sel.select
        while True:
            if pending:
                timeout = 0
            else:
                timeout = next_hb - monotonic()
                if timeout < 0:
                    timeout = 0
                if not self.alive:
                    timeout = min(timeout, 0.1)
            for key, _ in select(timeout):
                d = key.data
                if d is _ACCEPT:
                    self.accept()
                elif d is _CONTROL:
                    self.handle_control(self.control.read())
                    if self.control.closed:
                        sel.unregister(self.control.sock)
                elif d is _WAKE:
                    self.drain_wakeup()
                else:
                    try:
                        frames = d.reader.read()
                    except OSError:
                        frames = None
                    if frames is None:
                        self.close_conn(d)
                    elif frames:
                        d.dispatch(frames)
            while pending:
                s = pending.popleft()
                if not s.cancelled:
                    handle(self, s)
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
            conn = SyncConn(self, sock)
            self.conns.add(conn)
            self.sel.register(sock, selectors.EVENT_READ, conn)
