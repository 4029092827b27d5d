"""Worker hooks from a gunicorn.conf.py (config_file), as Gunicorn calls them."""

import runpy
import types

HOOK_NAMES = ("post_fork", "post_worker_init", "pre_request", "post_request",
              "worker_int", "worker_abort", "worker_exit")


class Hooks(object):
    def __init__(self, log, fns=None):
        self.log = log
        self.fns = fns or {}
        self.request_hooks = "pre_request" in self.fns or "post_request" in self.fns

    def call(self, name, *args):
        fn = self.fns.get(name)
        if fn is None:
            return
        try:
            fn(*args)
        except Exception:
            self.log.exception("Exception in %s hook", name)


def load_config(path, log):
    """(Hooks, {name: plain value}) from the config file; a .py file only."""
    if not path or not str(path).endswith(".py"):
        return Hooks(log), {}
    try:
        ns = runpy.run_path(path, run_name="__config__")
    except Exception:
        log.exception("Failed to read the hooks of %s", path)
        return Hooks(log), {}
    fns = {}
    for name in HOOK_NAMES:
        fn = ns.get(name)
        if callable(fn):
            fns[name] = fn
    values = {}
    for name, value in ns.items():
        if name.startswith("_") or name in fns or isinstance(value, types.ModuleType) or callable(value):
            continue
        values[name] = value
    return Hooks(log, fns), values


class Cfg(object):
    """worker.cfg: the settings as attributes (the worker's settings over the config file's)."""

    def __init__(self, *dicts):
        for d in dicts:
            for k, v in d.items():
                setattr(self, k, v)

    def __getattr__(self, name):
        # a setting neither the master nor the config file gave
        if name.startswith("__"):
            raise AttributeError(name)
        return None
