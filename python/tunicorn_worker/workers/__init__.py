"""Worker classes: sync, gthread, gevent."""


def worker_class(name):
    if name in ("gevent", "ggevent"):
        from .ggevent import GeventWorker
        return GeventWorker
    if name in ("gthread", "thread", "threads"):
        from .gthread import ThreadWorker
        return ThreadWorker
    if name in ("sync", None, ""):
        from .sync import SyncWorker
        return SyncWorker
    raise ValueError("unknown worker_class %r for a Python app (sync, gthread or gevent)" % (name,))
