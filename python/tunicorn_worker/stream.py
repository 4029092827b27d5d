"""One request on a front connection: its body as it arrives, its flow-control windows."""

from collections import deque

from .frames import WINDOW, CREDIT_BATCH, credit_frame
from .sendv import JOIN_MAX


class ClientDisconnected(OSError):
    """The front cancelled the request (the client went away or it passed timeout) or closed
    its connection: reading the body or writing the response cannot go on."""


class Stream(object):
    __slots__ = ("conn", "sid", "head", "chunks", "ended", "cancelled", "credited", "sent",
                 "owed", "event", "task", "file_ack")

    def __init__(self, conn, sid, head):
        self.conn = conn
        self.sid = sid
        self.head = head
        has_body = head[9]
        self.chunks = deque() if has_body else None
        self.ended = not has_body
        self.cancelled = False
        self.credited = 0            # response bytes the front has credited (written by the reader)
        self.sent = 0                # response bytes sent (written by the request's thread)
        self.owed = 0                # request bytes consumed, not yet credited
        self.event = None            # made on the first wait (thread and gevent workers)
        self.task = None             # the greenlet (gevent worker)
        self.file_ack = None         # the front's answer to a FILE frame: True when it took the file

    # -- the reader's side (frames from the front) --

    def feed(self, data):
        chunks = self.chunks
        if chunks is None:
            chunks = self.chunks = deque()
        chunks.append(data)
        ev = self.event
        if ev is not None:
            ev.set()

    def end(self):
        self.ended = True
        ev = self.event
        if ev is not None:
            ev.set()

    def add_credit(self, n):
        self.credited += n
        ev = self.event
        if ev is not None:
            ev.set()

    def took_file(self, ok):
        self.file_ack = ok
        ev = self.event
        if ev is not None:
            ev.set()

    # -- the request's side --

    def wait_file_ack(self):
        """Whether the front took the file of a FILE frame; waits for its answer."""
        armed = False
        while self.file_ack is None:
            if self.cancelled:
                raise ClientDisconnected("request cancelled")
            if not armed:
                self.conn.arm(self)
                armed = True
                continue
            self.conn.wait(self)
            armed = False
        return self.file_ack

    def send_credit(self):
        n = self.owed
        if n:
            self.owed = 0
            self.conn.send(self, credit_frame(self.sid, n))

    def next_chunk(self):
        """The next piece of request body, b'' at its end (or once the request is cancelled);
        waits for it."""
        armed = False
        while True:
            if self.chunks:
                c = self.chunks.popleft()
                self.owed += len(c)
                if self.owed >= CREDIT_BATCH:
                    self.send_credit()
                return c
            if self.ended or self.cancelled:
                # a cancelled request's body ends short, as a closed socket's would under
                # Gunicorn: the app is not handed an error to log; its response write fails quietly
                return b""
            if not armed:
                if self.owed:
                    self.send_credit()
                self.conn.arm(self)
                armed = True
                continue
            self.conn.wait(self)
            armed = False

    def send_body(self, data, prefix=None):
        """Send response body bytes as DATA frames within the window, waiting for CREDIT;
        `prefix` (the RESPONSE frame) goes out with the first of them. A large body is sent as
        parts (sendv), not copied into the frame."""
        conn = self.conn
        sid = self.sid
        pack = conn.pack_data
        armed = False
        if len(data) > JOIN_MAX and type(data) is not bytes:
            data = bytes(data)      # the app may reuse its buffer before the frame is sent
        while data:
            if self.cancelled:
                raise ClientDisconnected("request cancelled")
            avail = WINDOW + self.credited - self.sent
            n = len(data)
            if avail > 0:
                piece = data
                if avail < n:
                    view = memoryview(data)
                    piece = view[:avail]
                    data = view[avail:]
                    n = avail
                else:
                    data = None
                self.sent += n
                if n > JOIN_MAX:
                    out = [pack(sid, n), piece]
                    if prefix is not None:
                        out.insert(0, prefix)
                else:
                    out = pack(sid, n) + piece
                    if prefix is not None:
                        out = prefix + out
                prefix = None
                conn.send(self, out)
                armed = False
                continue
            if prefix is not None:
                conn.send(self, prefix)
                prefix = None
            if not armed:
                if self.owed:
                    self.send_credit()
                conn.arm(self)
                armed = True
                continue
            conn.wait(self)
            armed = False
        if prefix is not None:
            conn.send(self, prefix)


class Input(object):
    """wsgi.input: the request body, streamed from DATA frames."""

    __slots__ = ("_s", "_buf", "_pos")

    def __init__(self, stream):
        self._s = stream
        self._buf = b""
        self._pos = 0

    def read(self, size=-1):
        buf = self._buf
        pos = self._pos
        if size is None or size < 0:
            parts = [buf[pos:]] if pos < len(buf) else []
            self._buf = b""
            self._pos = 0
            nxt = self._s.next_chunk
            while True:
                c = nxt()
                if not c:
                    return b"".join(parts)
                parts.append(c)
        avail = len(buf) - pos
        if avail >= size:
            self._pos = pos + size
            return buf[pos:pos + size]
        parts = [buf[pos:]] if avail else []
        n = avail
        self._buf = b""
        self._pos = 0
        nxt = self._s.next_chunk
        while n < size:
            c = nxt()
            if not c:
                break
            need = size - n
            if len(c) > need:
                parts.append(c[:need])
                self._buf = c
                self._pos = need
                break
            parts.append(c)
            n += len(c)
        return b"".join(parts)

    def readline(self, size=-1):
        if size is None:
            size = -1
        buf = self._buf
        pos = self._pos
        i = buf.find(b"\n", pos)
        if i >= 0 and (size < 0 or i + 1 - pos <= size):
            self._pos = i + 1
            return buf[pos:i + 1]
        if 0 <= size <= len(buf) - pos:
            self._pos = pos + size
            return buf[pos:pos + size]
        parts = [buf[pos:]] if pos < len(buf) else []
        n = len(buf) - pos
        self._buf = b""
        self._pos = 0
        nxt = self._s.next_chunk
        while True:
            c = nxt()
            if not c:
                break
            i = c.find(b"\n")
            end = i + 1 if i >= 0 else len(c)
            if size >= 0 and n + end > size:
                end = size - n
            if end < len(c):
                parts.append(c[:end])
                self._buf = c
                self._pos = end
                break
            parts.append(c)
            n += len(c)
            if i >= 0 or (size >= 0 and n >= size):
                break
        return b"".join(parts)

    def readlines(self, hint=-1):
        lines = []
        total = 0
        while True:
            line = self.readline()
            if not line:
                return lines
            lines.append(line)
            total += len(line)
            if hint is not None and 0 < hint <= total:
                return lines

    def __iter__(self):
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    next = __next__


class EmptyInput(object):
    """wsgi.input of a request without a body."""

    __slots__ = ()

    def read(self, size=-1):
        return b""

    def readline(self, size=-1):
        return b""

    def readlines(self, hint=-1):
        return []

    def __iter__(self):
        return iter(())


EMPTY_INPUT = EmptyInput()
