"""The master hooks of a gunicorn.conf.py (on_starting, when_ready, pre_fork, child_exit,
nworkers_changed, on_reload, on_exit), run for tunicorn's Node master in one long-lived
interpreter: a JSON line per call on stdin, "done" on stdout when the master waits for it."""

import json
import os
import runpy
import sys
import types

from .boot import setup_path
from .hooks import Cfg
from .log import ErrorLog

MASTER_HOOKS = ("on_starting", "on_reload", "when_ready", "pre_fork", "child_exit",
                "nworkers_changed", "on_exit")


class Server(object):
    """What the hooks get as `server`: the arbiter's attributes they use."""

    def __init__(self, log, cfg):
        self.log = log
        self.cfg = cfg
        self.pid = os.getppid()
        self.num_workers = 0
        self.WORKERS = {}


class WorkerRef(object):
    def __init__(self, pid, age):
        self.pid = pid
        self.age = age


def main():
    settings = json.loads(os.environ["TUNICORN_PY_HOOKS"])
    log = ErrorLog(settings.get("errorlog", "-"), settings.get("loglevel", "info"),
                   settings.get("log_format", "text"))
    setup_path(settings)
    ns = runpy.run_path(settings["config_file"], run_name="__config__")
    fns = dict((n, ns[n]) for n in MASTER_HOOKS if callable(ns.get(n)))
    values = dict((k, v) for k, v in ns.items()
                  if not k.startswith("_") and not callable(v) and not isinstance(v, types.ModuleType))
    server = Server(log, Cfg(values, settings.get("cfg") or {}))
    out = sys.stdout
    sys.stdout = sys.stderr  # a print() in a hook must not be taken for the answer
    for line in sys.stdin:
        msg = json.loads(line)
        server.num_workers = msg.get("num_workers", server.num_workers)
        server.WORKERS = dict((w["pid"], WorkerRef(w["pid"], w["age"])) for w in msg.get("workers", []))
        args = [WorkerRef(a["pid"], a["age"]) if isinstance(a, dict) else a for a in msg.get("args", [])]
        fn = fns.get(msg["hook"])
        if fn is not None:
            try:
                fn(server, *args)
            except Exception:
                log.exception("Exception in %s hook", msg["hook"])
        if msg.get("ack"):
            out.write("done\n")
            out.flush()


if __name__ == "__main__":
    main()
