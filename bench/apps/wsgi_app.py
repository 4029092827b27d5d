"""The WSGI callable Gunicorn serves: the same routes as bench/apps/content.mjs."""
import json
import os
import time  # gunicorn's gevent worker monkey-patches time.sleep into a cooperative sleep

HELLO = b"Hello, World!"
BIG = b"x" * (100 * 1024)
UPLOAD_BYTES = 1024 * 1024
SLEEP_S = 0.05
FILE_BYTES = 1024 * 1024
FILE = os.path.join(os.environ.get("BENCH_WORK", "/tmp"), "wsgi-file-1m.bin")
if not os.path.exists(FILE) or os.path.getsize(FILE) != FILE_BYTES:
    with open(FILE, "wb") as out:
        out.write(b"f" * FILE_BYTES)


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
    if path == "/file":
        # wsgi.file_wrapper: Gunicorn sends it with sendfile()
        f = open(FILE, "rb")
        start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(FILE_BYTES))])
        return environ["wsgi.file_wrapper"](f, 65536)
    if path == "/json":
        body = json.dumps({"id": 42, "name": "widget", "tags": ["a", "b", "c"], "price": 9.99, "stock": True}).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]
    if path == "/sleep":
        time.sleep(SLEEP_S)
        return _reply(start_response, HELLO)
    return _reply(start_response, b"not found", "404 Not Found")
