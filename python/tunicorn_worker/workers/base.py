"""What every worker class shares: settings, counters, heartbeat, retiring, signals."""

import os
import random
import signal
import socket
import stat
import sys
import time

from ..environ import EnvironBuilder
from ..log import ErrorsStream
from ..wsgi import FileWrapper

# Seconds a stopping worker still accepts front connections (see begin_stop).
LISTENER_GRACE = 1.0


class BaseWorker(object):
    multithread = False

    def __init__(self, settings, app, log, hooks, control, cfg):
        self.settings = settings
        self.wsgi = self.app = app
        self.log = log
        self.hooks = hooks
        self.control = control
        self.cfg = cfg
        self.pid = os.getpid()
        self.ppid = os.getppid()
        self.age = settings.get("age", 0)
        self.timeout = float(settings.get("timeout") or 0)
        self.graceful_timeout = float(settings.get("graceful_timeout") or 30)
        mr = int(settings.get("max_requests") or 0)
        if mr > 0:
            mr += random.randint(0, max(0, int(settings.get("max_requests_jitter") or 0)))
        self.max_requests = mr
        self.nr = 0
        self.retiring = False
        self.alive = True
        self.listener_closes_at = 0.0
        self.booted = False
        self.aborted = False
        self.quick = False
        self.conns = set()
        self.listener = None
        self.socket_path = settings.get("socket")
        self.hb_interval = min(1.0, self.timeout / 4.0) if self.timeout > 0 else 1.0
        self.stop_deadline = None
        self.builder = EnvironBuilder(ErrorsStream(log), FileWrapper, self.multithread)
        # statsd: the master sends the lines; this worker reports its error-log line counts.
        self.statsd = bool(settings.get("statsd"))
        log.take_counts()  # what the interpreter it was forked from logged is not this worker's

    # -- the data socket --

    def listen(self):
        path = self.socket_path
        try:
            if stat.S_ISSOCK(os.stat(path).st_mode):
                os.unlink(path)
        except OSError:
            pass
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(path)
        sock.listen(128)
        self.listener = sock

    def close_listener(self):
        sock = self.listener
        if sock is None:
            return
        self.listener = None
        try:
            sock.close()
        except OSError:
            pass
        try:
            os.unlink(self.socket_path)
        except OSError:
            pass

    # -- requests --

    def active(self):
        return sum(len(c.streams) for c in list(self.conns))

    def request_done(self):
        self.nr += 1
        if self.max_requests and self.nr >= self.max_requests and not self.retiring:
            self.retiring = True
            self.log.info("Autorestarting worker after current request.")
            self.control.send({"type": "retiring", "reason": "max_requests"})

    def heartbeat(self):
        msg = {"type": "heartbeat", "requests": self.nr, "active": self.active()}
        if self.statsd:
            logs = self.log.take_counts()
            if any(logs):
                msg["statsd"] = {"status": [], "durations": [], "timed": 0, "logs": logs}
        self.control.send(msg)

    # -- stopping --

    def begin_stop(self):
        """Graceful: stop accepting, serve the open connections, exit once they have closed."""
        if self.alive:
            self.alive = False
            now = time.monotonic()
            self.stop_deadline = now + self.graceful_timeout
            # A front told of this worker just before the master stopped it may be connecting and
            # sending requests now: its connection is accepted and served for a moment more (the
            # fronts hear within it that the worker is gone), not reset in the listen queue.
            self.listener_closes_at = now + LISTENER_GRACE

    def stop_done(self):
        if self.alive:
            return False
        now = time.monotonic()
        if self.listener is not None:
            if now < self.listener_closes_at:
                return False
            self.close_listener()
        return not self.conns or now >= self.stop_deadline

    def handle_control(self, msgs):
        if msgs is None:
            # the master is gone: as Gunicorn when its parent changes
            if self.alive:
                self.log.info("Parent changed, shutting down: %s", self.pid)
            self.begin_stop()
            return
        for msg in msgs:
            t = msg.get("type")
            if t == "stop":
                self.begin_stop()
            elif t == "reopen_logs":
                self.log.reopen()

    def quit_now(self):
        """INT or QUIT: the worker_int hook, then exit at once."""
        self.alive = False
        self.quick = True
        self.hooks.call("worker_int", self)

    def abort_now(self):
        self.alive = False
        self.aborted = True
        self.hooks.call("worker_abort", self)

    def init_signals(self):
        """sync and gthread: Python signal handlers in the main thread."""
        def on_term(signum, frame):
            self.begin_stop()

        def on_quit(signum, frame):
            self.quit_now()
            sys.exit(0)

        def on_abort(signum, frame):
            self.abort_now()
            sys.exit(1)

        def on_usr1(signum, frame):
            self.log.reopen()

        signal.signal(signal.SIGTERM, on_term)
        signal.signal(signal.SIGINT, on_quit)
        signal.signal(signal.SIGQUIT, on_quit)
        signal.signal(signal.SIGABRT, on_abort)
        signal.signal(signal.SIGUSR1, on_usr1)
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
        # wake the main loop's select when a signal arrives
        r, w = socket.socketpair()
        r.setblocking(False)
        w.setblocking(False)
        self._wake_r, self._wake_w = r, w
        signal.set_wakeup_fd(w.fileno(), warn_on_full_buffer=False)

    def drain_wakeup(self):
        try:
            while self._wake_r.recv(4096):
                pass
        except OSError:
            pass
