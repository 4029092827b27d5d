"""The test app, wrapped in wsgiref's validator: one route a behaviour."""

import json
import os
import sys
import time
from urllib.parse import parse_qs
from wsgiref.validate import validator

CLOSED = []          # names of the iterables whose close() was called
GATHERED = {}        # /gather: requests arrived per key, or None once one waited in vain
TEXT = [("Content-Type", "text/plain")]


class Closing(object):
    """An iterable that records its close()."""

    def __init__(self, name, chunks, delay=0.0):
        self.name = name
        self.chunks = chunks
        self.delay = delay

    def __iter__(self):
        for c in self.chunks:
            if self.delay:
                time.sleep(self.delay)
            yield c

    def close(self):
        CLOSED.append(self.name)


def _q(environ):
    return {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}


def read_body(environ, mode):
    inp = environ["wsgi.input"]
    raw = getattr(inp, "input", inp)    # the validator's wrapper allows read(n) only
    if mode == "read":
        return raw.read()
    if mode == "readn":
        parts = []
        while True:
            c = inp.read(1000)
            if not c:
                return b"".join(parts)
            parts.append(c)
    if mode == "readline":
        parts = []
        while True:
            line = inp.readline()
            if not line:
                return b"".join(parts)
            parts.append(line)
    if mode == "readline5":
        parts = []
        while True:
            line = inp.readline(5)
            if not line:
                return b"|".join(parts)
            parts.append(line)
    if mode == "iter":
        return b"".join(list(inp))
    if mode == "readlines":
        return b"".join(inp.readlines())
    if mode == "len":
        n = 0
        while True:
            c = inp.read(65536)
            if not c:
                return str(n).encode()
            n += len(c)
    raise ValueError(mode)


def app(environ, start_response):
    path = environ["PATH_INFO"]
    q = _q(environ)
    if path == "/hello":
        start_response("200 OK", TEXT)
        return [b"Hello, World!"]
    if path == "/environ":
        out = {}
        for k, v in environ.items():
            if isinstance(v, (str, bool, int)) or k == "wsgi.version":
                out[k] = v
        out["has_file_wrapper"] = callable(environ.get("wsgi.file_wrapper"))
        out["errors_write"] = hasattr(environ["wsgi.errors"], "write")
        body = json.dumps(out).encode()
        start_response("200 OK", [("Content-Type", "application/json")])
        return [body]
    if path == "/echo":
        body = read_body(environ, q.get("mode", "readn"))
        start_response("200 OK", TEXT)
        return [body]
    if path == "/stream":
        n, size = int(q.get("n", "10")), int(q.get("size", "100000"))
        start_response("200 OK", TEXT)
        return Closing("stream", [bytes([65 + i % 26]) * size for i in range(n)])
    if path == "/closing":
        start_response("200 OK", TEXT)
        return Closing("closing", [b"a", b"b", b"c"])
    if path == "/closed":
        start_response("200 OK", TEXT)
        return [",".join(CLOSED).encode()]
    if path == "/sleep":
        time.sleep(float(q.get("s", "0.2")))
        start_response("200 OK", TEXT)
        return [b"slept"]
    if path == "/gather":
        # "met" once n requests of this key run at once; "alone" (and the rest at once) if not within s
        key, n, until = q["key"], int(q["n"]), time.monotonic() + float(q.get("s", "3"))
        if GATHERED.get(key, 0) is not None:
            GATHERED[key] = GATHERED.get(key, 0) + 1
        while GATHERED[key] is not None and GATHERED[key] < n and time.monotonic() < until:
            time.sleep(0.01)
        if GATHERED[key] is not None and GATHERED[key] < n:
            GATHERED[key] = None
        start_response("200 OK", TEXT)
        return [b"alone" if GATHERED[key] is None else b"met"]
    if path == "/sleepgen":
        start_response("200 OK", TEXT)
        return Closing("sleepgen", [b"x"], delay=float(q.get("s", "60")))
    if path == "/excinfo":
        start_response("200 OK", TEXT)
        try:
            raise RuntimeError("before the body")
        except RuntimeError:
            start_response("500 Internal Server Error", TEXT, sys.exc_info())
        return [b"replaced"]
    if path == "/excinfo-late":
        def gen():
            yield b"first"
            try:
                raise RuntimeError("after the body started")
            except RuntimeError:
                start_response("500 Internal Server Error", TEXT, sys.exc_info())
            yield b"never"
        start_response("200 OK", TEXT)
        return gen()
    if path == "/write":
        write = start_response("200 OK", TEXT)
        write(b"one,")
        write(b"two,")
        return [b"three"]
    if path == "/hop":
        start_response("200 OK", TEXT + [("Connection", "close")])
        return [b"no"]
    if path == "/badstatus":
        start_response("20 OK", TEXT)
        return [b"no"]
    if path == "/raise":
        raise ValueError("boom in the app")
    if path == "/raise-late":
        def gen():
            yield b"partial"
            raise ValueError("boom after the start")
        start_response("200 OK", TEXT)
        return gen()
    if path == "/file":
        f = open(os.path.abspath(__file__), "rb")
        start_response("200 OK", TEXT)
        return environ["wsgi.file_wrapper"](f, 4096)
    if path == "/print":
        print("printed by the app")
        sys.stdout.flush()
        environ["wsgi.errors"].write("to wsgi.errors\n")
        start_response("200 OK", TEXT)
        return [b"ok"]
    start_response("404 Not Found", TEXT)
    return [b"not found"]


application = validator(app)
