"""Boot: settings, error log, sys.path, hooks, the app; then the worker class runs."""

import faulthandler
import importlib
import os
import signal
import sys
import traceback

from .appspec import AppImportError, import_app
from .control import Control
from .hooks import Cfg, load_config
from .log import ErrorLog

BOOT_ERROR = 3

# The app a preloader imported before forking this worker (preload_app), used as is.
PRELOADED = []


def setup_path(settings):
    chdir = settings.get("chdir")
    if chdir:
        os.chdir(chdir)
    chdir = os.getcwd()
    paths = [os.path.abspath(p) for p in (settings.get("pythonpath") or []) if p]
    rest = [p for p in sys.path if p not in paths and p not in (chdir, "")]
    sys.path[:] = paths + [chdir] + rest


_OWN = os.path.dirname(os.path.abspath(__file__))
_IMPORTLIB = os.path.dirname(os.path.abspath(importlib.__file__))


def app_traceback(e):
    """The traceback without the frames of this package and of importlib above the app's."""
    tb = e.__traceback__
    while tb is not None and tb.tb_next is not None:
        name = tb.tb_frame.f_code.co_filename
        if not (name.startswith(_OWN) or name.startswith(_IMPORTLIB) or name.startswith("<frozen importlib")):
            break
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(e), e, tb)).rstrip("\n")


def set_proc_title(settings):
    try:
        import setproctitle
    except ImportError:
        return
    name = settings.get("proc_name") or settings.get("app") or "app"
    setproctitle.setproctitle("tunicorn: worker [%s]" % name)


def set_owner(owner):
    """user/group/initgroups as the master resolved them: taken on after post_fork, before the app."""
    gid = owner["gid"]
    if owner.get("initgroups") and owner.get("name"):
        os.initgroups(owner["name"], gid)
    elif os.getuid() == 0:
        os.setgroups([gid])
    os.setgid(gid)
    os.setuid(owner["uid"])


def run(settings):
    log = ErrorLog(settings.get("errorlog", "-"), settings.get("loglevel", "info"),
                   settings.get("log_format", "text"))
    try:
        control = Control(3)
    except OSError as e:
        log.critical("fd 3 is not the control channel (a socket): %s", e)
        return BOOT_ERROR
    stack_file = None
    if settings.get("stack_file"):
        try:
            stack_file = open(settings["stack_file"], "w")
            faulthandler.register(signal.SIGUSR2, file=stack_file, all_threads=True)
        except OSError as e:
            log.warning("Cannot write stacks to %s: %s", settings["stack_file"], e)
    setup_path(settings)
    set_proc_title(settings)
    hooks, values = load_config(settings.get("config_file"), log)
    cfg = Cfg(values, settings)

    from .workers import worker_class
    try:
        cls = worker_class(settings.get("worker_class") or "sync")
    except (ValueError, ImportError) as e:
        log.error("%s", e)
        control.send({"type": "boot_error", "message": str(e)})
        return BOOT_ERROR

    worker = cls(settings, None, log, hooks, control, cfg)
    code = 0
    try:
        hooks.call("post_fork", None, worker)
        if settings.get("owner"):
            set_owner(settings["owner"])
        try:
            worker.app = worker.wsgi = PRELOADED[0] if PRELOADED else import_app(settings["app"])
        except AppImportError as e:
            # The master prints a boot error once for all the workers that met it.
            control.send({"type": "boot_error", "message": str(e)})
            code = BOOT_ERROR
            return code
        except BaseException as e:
            if isinstance(e, KeyboardInterrupt):
                raise
            tb = app_traceback(e)
            lines = [line for line in tb.split("\n") if line.strip()]
            control.send({"type": "boot_error", "message": lines[-1].strip() if lines else repr(e), "stack": tb})
            code = BOOT_ERROR
            return code
        worker.listen()
        hooks.call("post_worker_init", worker)
        worker.booted = True
        control.send({"type": "ready"})
        code = worker.run() or 0
        return code
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else 0
        return code
    finally:
        if worker.booted:
            worker.close_listener()
        log.info("Worker exiting (pid: %s)", worker.pid)
        hooks.call("worker_exit", None, worker)
        if stack_file is not None:
            try:
                stack_file.close()
            except OSError:
                pass
