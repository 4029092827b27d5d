"""start_response, write() and wsgi.file_wrapper: the response side of PEP 3333."""

import io
import json
import os
import re
import stat

from .frames import RESPONSE, RFILE, pack_header, end_frame

HOP_BY_HOP = frozenset((
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
    "te", "trailers", "transfer-encoding", "upgrade",
))
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
_BAD_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_GOOD_NAMES = {}     # header name -> lower-cased name, once validated
# (status, headers as a tuple) -> (code, reason, flat, RESPONSE payload): most apps send the same
# few heads again and again, and checking and encoding one costs more than a lookup
_HEADS = {}
_HEADS_MAX = 512
DROPPED = {}         # hop-by-hop header names an app sent (dropped; warned about once each)
_warned = set()
_dumps = json.dumps


def parse_status(status):
    if not isinstance(status, str):
        raise TypeError("%r is not a string" % (status,))
    code = status[:3]
    if len(status) < 3 or not code.isdigit() or not code.isascii() or (len(status) > 3 and status[3] != " "):
        raise ValueError("Invalid status %r: must be a 3-digit code and a reason, as '200 OK'" % (status,))
    reason = status[4:]
    if _BAD_VALUE.search(reason):
        raise ValueError("Invalid status %r" % (status,))
    return int(code), reason


def check_headers(headers):
    """The headers as the flat [name, value, ...] list of a RESPONSE frame."""
    flat = []
    append = flat.append
    for item in headers:
        name, value = item
        lname = _GOOD_NAMES.get(name)
        if lname is None:
            if not isinstance(name, str):
                raise TypeError("%r is not a string" % (name,))
            if not _TOKEN.match(name):
                raise ValueError("Invalid header name %r" % (name,))
            lname = name.lower()
            if lname in HOP_BY_HOP:
                # PEP 3333 forbids them; Gunicorn drops them, so apps that send one keep working.
                if lname not in DROPPED:
                    DROPPED[lname] = name
                continue
            if len(_GOOD_NAMES) < 1024:
                _GOOD_NAMES[name] = lname
        if not isinstance(value, str):
            raise TypeError("%r is not a string" % (value,))
        if _BAD_VALUE.search(value):
            raise ValueError("Invalid header value %r" % (value,))
        if not value.isascii():
            value.encode("latin-1")     # UnicodeEncodeError: PEP 3333 headers are latin-1
        append(name)
        append(value.strip(" \t"))
    return flat


def _plain(headers):
    # only (str, str) tuples are cached: a str subclass could compare equal to a different value
    for item in headers:
        if type(item) is not tuple or len(item) != 2 or type(item[0]) is not str or type(item[1]) is not str:
            return False
    return True


class Response(object):
    __slots__ = ("stream", "status", "status_code", "reason", "headers", "flat", "payload",
                 "head_sent")

    def __init__(self, stream):
        self.stream = stream
        self.status = None
        self.status_code = None
        self.reason = None
        self.headers = None
        self.flat = None
        self.payload = None
        self.head_sent = False

    def start_response(self, status, headers, exc_info=None):
        if exc_info:
            try:
                if self.head_sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self.status is not None:
            raise AssertionError("Response headers already set!")
        key = known = None
        if type(headers) is list:
            try:
                key = (status, tuple(headers))
                known = _HEADS.get(key)
            except TypeError:   # an unhashable header: checked (and refused) below
                key = None
        if known is not None:
            self.status = status
            self.status_code, self.reason, self.flat, self.payload = known
            self.headers = headers
            return self.write
        code, reason = parse_status(status)
        flat = check_headers(headers)
        if len(DROPPED) > len(_warned):
            for lname, name in list(DROPPED.items()):
                if lname not in _warned:
                    _warned.add(lname)
                    self.stream.conn.worker.log.warning(
                        "The app sent the hop-by-hop header %r, which a WSGI app may not set (PEP 3333); "
                        "it is dropped from this and later responses (the front manages the connection)", name)
        self.status = status
        self.status_code = code
        self.reason = reason
        self.headers = headers
        self.flat = flat
        self.payload = payload = _dumps([code, reason, flat]).encode()
        if key is not None and type(status) is str and _plain(key[1]):
            if len(_HEADS) >= _HEADS_MAX:
                _HEADS.clear()
            _HEADS[key] = (code, reason, flat, payload)
        return self.write

    def head_frame(self):
        head = self.payload
        self.head_sent = True
        return pack_header(RESPONSE, self.stream.sid, len(head)) + head

    def write(self, data):
        """The write() callable start_response returns; also sends the iterable's chunks."""
        if self.status is None:
            raise AssertionError("write() before start_response()")
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError("%r is not a byte string" % (type(data),))
        if data:
            if self.head_sent:
                self.stream.send_body(data)
            else:
                self.stream.send_body(data, self.head_frame())

    def finish(self):
        if self.status is None:
            raise AssertionError("The application returned without calling start_response()")
        s = self.stream
        if self.head_sent:
            s.conn.send(s, end_frame(s.sid))
        else:
            s.conn.send(s, self.head_frame() + end_frame(s.sid))


# Below one flow-control window the worker sends a file itself without waiting: handing it to the
# front would cost a round trip for nothing.
FILE_HANDOFF_MIN = 256 * 1024


def content_length(flat):
    for i in range(0, len(flat), 2):
        if flat[i].lower() == "content-length":
            try:
                return int(flat[i + 1])
            except ValueError:
                return None
    return None


def file_frame(resp, wrapper):
    """RESPONSE and a FILE frame that hands the wrapped file to the front, which reads it itself
    through /proc/PID/fd/FD (docs/python-workers.md); None when the file cannot be handed over."""
    f = wrapper.filelike
    try:
        fd = f.fileno()
        st = os.fstat(fd)
        offset = f.tell() if hasattr(f, "tell") else os.lseek(fd, 0, os.SEEK_CUR)
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    count = st.st_size - offset
    length = content_length(resp.flat)
    if length is not None and length < count:
        count = length
    if count < FILE_HANDOFF_MIN:
        return None
    s = resp.stream
    spec = json.dumps([os.getpid(), fd, offset, count]).encode()
    return resp.head_frame() + pack_header(RFILE, s.sid, len(spec)) + spec


class FileWrapper(object):
    """wsgi.file_wrapper: iterate a file-like object in blocks (or, served whole, handed to the
    front, as Gunicorn hands it to sendfile())."""

    def __init__(self, filelike, blksize=8192):
        self.filelike = filelike
        self.blksize = max(int(blksize), 65536)
        if hasattr(filelike, "close"):
            self.close = filelike.close

    def __getitem__(self, key):
        data = self.filelike.read(self.blksize)
        if data:
            return data
        raise IndexError

    def __iter__(self):
        return self

    def __next__(self):
        data = self.filelike.read(self.blksize)
        if data:
            return data
        raise StopIteration
