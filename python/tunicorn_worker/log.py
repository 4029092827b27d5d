"""The error log, in Gunicorn's format: `[%Y-%m-%d %H:%M:%S %z] [PID] [LEVEL] message` (local
time), or with log_format "json" one JSON object per line. Each record is one write()."""

import json
import os
import time
import traceback

LEVELS = {"debug": 10, "info": 20, "warning": 30, "error": 40, "critical": 50}
# The lines Gunicorn's statsd logger counts (gunicorn.log.*), in the order the master reads them.
COUNTED = {"critical": 0, "error": 1, "warning": 2}
EXCEPTION = 3


def _iso_utc(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % (int(t * 1000) % 1000)


class ErrorLog(object):
    def __init__(self, target="-", level="info", fmt="text"):
        self.target = target or "-"
        self.threshold = LEVELS.get(str(level or "info").lower(), 20)
        self.json = fmt == "json"
        self.pid = os.getpid()
        self.fd = 2
        self.counts = [0, 0, 0, 0]
        self._open()

    def take_counts(self):
        """Lines counted for statsd since the last call, below loglevel too (as Gunicorn counts)."""
        counts, self.counts = self.counts, [0, 0, 0, 0]
        return counts

    def _open(self):
        if self.target == "-":
            self.fd = 2
        else:
            self.fd = os.open(self.target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def reopen(self):
        if self.target == "-":
            return
        old = self.fd
        try:
            self._open()
        except OSError:
            return
        try:
            os.close(old)
        except OSError:
            pass

    def _write(self, data):
        view = memoryview(data)
        while view:
            try:
                n = os.write(self.fd, view)
            except InterruptedError:
                continue
            except OSError:
                return
            view = view[n:]

    def enabled(self, level):
        return LEVELS[level] >= self.threshold

    def log(self, level, msg, args=(), stack=None):
        i = COUNTED.get(level)
        if i is not None:
            self.counts[i] += 1
        self._log(level, msg, args, stack)

    def _log(self, level, msg, args=(), stack=None):
        if LEVELS[level] < self.threshold:
            return
        if args:
            try:
                msg = msg % args
            except (TypeError, ValueError):
                msg = "%s %r" % (msg, args)
        else:
            msg = str(msg)
        if self.json:
            rec = {"time": _iso_utc(time.time()), "pid": self.pid, "level": level, "msg": msg}
            if stack:
                rec["stack"] = stack
            line = json.dumps(rec) + "\n"
        else:
            if stack:
                msg = msg + "\n" + stack
            line = "[%s] [%d] [%s] %s\n" % (
                time.strftime("%Y-%m-%d %H:%M:%S %z", time.localtime()), self.pid, level.upper(), msg)
        self._write(line.encode("utf-8", "backslashreplace"))

    def debug(self, msg, *args):
        self.log("debug", msg, args)

    def info(self, msg, *args):
        self.log("info", msg, args)

    def warning(self, msg, *args):
        self.log("warning", msg, args)

    warn = warning

    def error(self, msg, *args):
        self.log("error", msg, args)

    def critical(self, msg, *args):
        self.log("critical", msg, args)

    def exception(self, msg, *args, **kwargs):
        """Log at ERROR with the traceback of the exception being handled."""
        self.counts[EXCEPTION] += 1
        self._log(kwargs.get("level", "error"), msg, args, traceback.format_exc().rstrip("\n"))

    def raw(self, text):
        """What the app writes to wsgi.errors: as is in text mode, one record a write in json."""
        if not text:
            return
        if self.json:
            text = text.rstrip("\n")
            if text:
                self._log("error", text)
        else:
            self._write(text.encode("utf-8", "backslashreplace"))


class ErrorsStream(object):
    """wsgi.errors: a text stream into the error log."""

    def __init__(self, log):
        self._log = log

    def write(self, s):
        self._log.raw(s)

    def writelines(self, lines):
        for line in lines:
            self._log.raw(line)

    def flush(self):
        pass
