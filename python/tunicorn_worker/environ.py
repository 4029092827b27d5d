"""The PEP 3333 environ of a REQUEST frame, with Gunicorn's conventions."""

import os
from urllib.parse import unquote_to_bytes, urlsplit

from . import SERVER_SOFTWARE
from .stream import EMPTY_INPUT, Input

_KEYS = {}          # raw header name -> environ key, '' for a dropped name
_PROTOCOLS = {"1.1": "HTTP/1.1", "1.0": "HTTP/1.0"}


def header_key(name):
    key = _KEYS.get(name)
    if key is None:
        up = name.upper()
        if "_" in up:
            key = ""            # Gunicorn's header_map=drop: HTTP_X_A could be X-A or X_A
        elif up == "CONTENT-TYPE":
            key = "CONTENT_TYPE"
        elif up == "CONTENT-LENGTH":
            key = "CONTENT_LENGTH"
        else:
            key = "HTTP_" + up.replace("-", "_")
        if len(_KEYS) < 2048:
            _KEYS[name] = key
    return key


class EnvironBuilder(object):
    def __init__(self, errors, file_wrapper, multithread):
        self.script_name = os.environ.get("SCRIPT_NAME", "").rstrip("/")
        self.base = {
            "SCRIPT_NAME": self.script_name,
            "SERVER_SOFTWARE": SERVER_SOFTWARE,
            "wsgi.version": (1, 0),
            "wsgi.errors": errors,
            "wsgi.multithread": multithread,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
            "wsgi.input_terminated": True,
            "wsgi.file_wrapper": file_wrapper,
        }

    def build(self, stream):
        method, target, version, raw, raddr, rport, scheme, sname, sport, has_body = stream.head
        env = self.base.copy()
        if target[:1] == "/" and "#" not in target:
            q = target.find("?")
            if q >= 0:
                path = target[:q]
                query = target[q + 1:]
            else:
                path = target
                query = ""
        elif target == "*":
            path, query = "*", ""
        else:
            parts = urlsplit(target)
            path, query = parts.path or "", parts.query
        if "%" in path:
            path = unquote_to_bytes(path).decode("latin-1")
        sn = self.script_name
        if sn and (path == sn or path.startswith(sn + "/")):
            path = path[len(sn):]
        env["REQUEST_METHOD"] = method
        env["PATH_INFO"] = path
        env["QUERY_STRING"] = query
        env["RAW_URI"] = target
        proto = _PROTOCOLS.get(version)
        if proto is None:
            proto = "HTTP/" + version
        env["SERVER_PROTOCOL"] = proto
        env["SERVER_NAME"] = sname
        env["SERVER_PORT"] = str(sport)
        env["REMOTE_ADDR"] = raddr or ""
        env["REMOTE_PORT"] = str(rport) if rport is not None else ""
        env["wsgi.url_scheme"] = scheme
        env["wsgi.input"] = Input(stream) if has_body else EMPTY_INPUT
        it = iter(raw)
        keys = _KEYS
        for name, value in zip(it, it):
            key = keys.get(name)
            if key is None:
                key = header_key(name)
            if not key:
                continue
            if key in env:
                env[key] = env[key] + "," + value
            else:
                env[key] = value
        return env
