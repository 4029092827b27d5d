"""sync: one request at a time, from the main loop, which also reads the fronts' connections;
heartbeats between requests."""

import selectors
from collections import deque

from ..conn import SyncConn
from ..handler import handle, send_stopped
from .selector_loop import SelectorWorker


class SyncWorker(SelectorWorker):
    multithread = False

    def __init__(self, *args):
        SelectorWorker.__init__(self, *args)
        self.pending = deque()

    def submit(self, s):
        self.pending.append(s)

    def new_conn(self, sock):
        conn = SyncConn(self, sock)
        self.conns.add(conn)
        self.sel.register(sock, selectors.EVENT_READ, conn)

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

    def on_readable(self, conn):
        try:
            frames = conn.reader.read()
        except OSError:
            frames = None
        if frames is None:
            self.close_conn(conn)
        elif frames:
            conn.dispatch(frames)

    def has_work(self):
        return bool(self.pending)

    def after_turn(self):
        pending = self.pending
        while pending:
            s = pending.popleft()
            if s.cancelled:
                send_stopped(s)
            else:
                handle(self, s)
