"""python -m tunicorn_worker: settings as JSON in TUNICORN_PY_WORKER, control channel on fd 3."""

import json
import os
import sys


def main():
    raw = os.environ.get("TUNICORN_PY_WORKER")
    if not raw:
        sys.stderr.write("tunicorn_worker: TUNICORN_PY_WORKER (the worker's settings as JSON) is not set\n")
        return 2
    try:
        settings = json.loads(raw)
    except ValueError as e:
        sys.stderr.write("tunicorn_worker: TUNICORN_PY_WORKER is not JSON: %s\n" % e)
        return 2
    if settings.get("worker_class") in ("gevent", "ggevent"):
        # before the app, or anything else, imports socket, threading or ssl
        try:
            from gevent import monkey
        except ImportError as e:
            sys.stderr.write("tunicorn_worker: worker_class gevent needs gevent installed in %s: %s\n"
                             % (sys.executable, e))
            _boot_error(str(e))
            return 3
        monkey.patch_all()
    from .boot import run
    return run(settings)


def _boot_error(message):
    try:
        os.write(3, (json.dumps({"type": "boot_error", "message": message}) + "\n").encode())
    except OSError:
        pass


if __name__ == "__main__":
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:
        pass
    sys.exit(code)
