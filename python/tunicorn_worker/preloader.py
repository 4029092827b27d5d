"""The interpreter Python workers are forked from, as Gunicorn forks them from its master: a new
worker costs a fork, not an interpreter start. With preload_app ("preload": true) it imports the
app first, so the workers share the app's memory pages until they write to them; without, each
worker imports the app after the fork.

The master asks on fd 3 ({"type": "fork", "settings": {...}}); the child connects to the
master's control socket (settings["control_socket"]) and runs as any worker, with the app
already imported; this process answers {"type": "forked", "age", "pid"} and reports each
child's exit ({"type": "exited", "pid", "code", "signal"}), since the master is not its parent."""

import ctypes
import json
import os
import signal
import socket
import sys
import threading
import traceback

PR_SET_PDEATHSIG = 1


def _die_with_parent():
    # A worker whose preloader is gone could not be reaped by anyone the master hears from.
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def main():
    _die_with_parent()      # a master killed with -9 leaves no forker behind
    settings = json.loads(os.environ["TUNICORN_PY_WORKER"])
    gevent_spawn = None
    if settings.get("worker_class") == "gevent":
        from gevent import monkey
        monkey.patch_all()
        # a plain greenlet, not a patched Thread: a forked worker must not inherit Thread objects
        from gevent import spawn as gevent_spawn
    from . import boot
    from .appspec import AppImportError, import_app
    from .control import Control

    control = Control(3)
    boot.setup_path(settings)
    try:
        if settings.get("preload", True):
            boot.PRELOADED.append(import_app(settings["app"]))
    except AppImportError as e:
        control.send({"type": "boot_error", "message": str(e)})
        return 3
    except Exception as e:
        lines = [line for line in traceback.format_exc().split("\n") if line.strip()]
        control.send({"type": "boot_error", "message": lines[-1].strip() if lines else repr(e),
                      "stack": boot.app_traceback(e)})
        return 3

    preloader_pid = os.getpid()

    def wait_child(pid):
        # a thread (a greenlet under gevent, whose waitpid cooperates) per child; a worker forked
        # later inherits the greenlet, where the pid is not its child
        try:
            _, status = os.waitpid(pid, 0)
        except OSError:
            return
        if os.getpid() != preloader_pid:
            return
        code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None
        sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        control.send({"type": "exited", "pid": pid, "code": code,
                      "signal": signal.Signals(sig).name if sig else None})

    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT):
        signal.signal(sig, lambda *_: os._exit(0))
    control.send({"type": "ready"})
    while True:
        msgs = control.read()
        if msgs is None:
            return 0
        for msg in msgs:
            if msg.get("type") != "fork":
                continue
            child = msg["settings"]
            pid = os.fork()
            if pid == 0:
                _run_child(child, control)
            control.send({"type": "forked", "age": child["age"], "pid": pid})
            if gevent_spawn is not None:
                gevent_spawn(wait_child, pid)
            else:
                threading.Thread(target=wait_child, args=(pid,), daemon=True).start()


def _run_child(settings, parent_control):
    code = 3
    try:
        _die_with_parent()
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT):
            signal.signal(sig, signal.SIG_DFL)
        parent_control.sock.close()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(settings["control_socket"])
        sock.sendall((json.dumps({"type": "hello", "age": settings["age"]}) + "\n").encode())
        fd = sock.detach()  # the fd closed above is free, so this may already be 3
        if fd != 3:
            os.dup2(fd, 3)
            os.close(fd)
        from .boot import run
        code = run(settings)
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    sys.exit(main())
