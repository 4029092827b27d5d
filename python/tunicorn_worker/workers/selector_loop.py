"""The main loop sync and gthread workers share: one selectors loop over the listening socket,
the control channel and the signal wake-up, with heartbeats between its turns."""

import selectors
import time

from .base import BaseWorker

_ACCEPT = object()
_CONTROL = object()
_WAKE = object()


class SelectorWorker(BaseWorker):
    def __init__(self, *args):
        BaseWorker.__init__(self, *args)
        self.sel = selectors.DefaultSelector()

    # -- what each class adds --

    def new_conn(self, sock):
        """A front connected: make (and start serving) its connection."""
        raise NotImplementedError

    def on_readable(self, conn):
        """A front connection the loop watches has data (sync watches its connections)."""

    def after_turn(self):
        """Run after each turn's events (sync runs the requests they started here)."""

    def has_work(self):
        return False

    # -- the loop --

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
        interval = self.hb_interval
        monotonic = time.monotonic
        select = sel.select
        self.heartbeat()
        next_hb = monotonic() + interval
        while True:
            if self.has_work():
                timeout = 0
            else:
                timeout = max(0.0, next_hb - monotonic())
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
                    self.on_readable(d)
            self.after_turn()
            now = monotonic()
            if now >= next_hb:
                self.heartbeat()
                next_hb = now + interval
            if not self.alive and self.stop_done():
                return 0

    def accept(self):
        while self.listener is not None:
            try:
                sock, _ = self.listener.accept()
            except OSError:     # BlockingIOError: none left; others: the listener is closing
                return
            sock.setblocking(True)
            self.new_conn(sock)
