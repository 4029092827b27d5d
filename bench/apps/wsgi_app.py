"""The WSGI callable Gunicorn serves: the same routes as bench/apps/content.mjs."""
import time  # gunicorn's gevent worker monkey-patches time.sleep into a cooperative sleep

HELLO = b"Hello, World!"
BIG = b"x" * (100 * 1024)
UPLOAD_BYTES = 1024 * 1024
SLEEP_S = 0.05


def _reply(start_response, body, status="200 OK"):
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def application(environ, start_response):
    path = environ.get("PATH_INFO", "/")
    if path == "/":
        return _reply(start_response, HELLO)
    if path == "/big":
        return _reply(start_response, BIG)
    if path == "/upload":
        n = len(environ["wsgi.input"].read())
        return _reply(start_response, HELLO) if n == UPLOAD_BYTES else _reply(start_response, b"bad length", "400 Bad Request")
    if path == "/sleep":
        time.sleep(SLEEP_S)
        return _reply(start_response, HELLO)
    return _reply(start_response, b"not found", "404 Not Found")
