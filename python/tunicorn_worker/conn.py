"""A front's connection to the worker: frames in, dispatched to streams; frames out."""

import json
import socket
import threading

from .frames import (CANCEL, CREDIT, DATA, END, FILE_ACK, PING, PONG_FRAME, REQUEST, RDATA, U32,
                     FrameReader, pack_header)
from .sendv import send_parts
from .stream import ClientDisconnected, Stream

# the front sends compact UTF-8 JSON: skip json.loads' encoding detection
_decode = json.JSONDecoder().decode
_unpack_u32 = U32.unpack
# the kernel doubles it (and caps it at net.core.wmem_max); flow control bounds what is queued
SNDBUF = 512 * 1024


def _pack_data(sid, n):
    return pack_header(RDATA, sid, n)


class Conn(object):
    """What every worker class shares: reading and dispatching frames."""

    pack_data = staticmethod(_pack_data)

    def __init__(self, worker, sock):
        self.worker = worker
        self.sock = sock
        try:
            # room for a few large responses at once: fewer full-buffer waits and wake-ups
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SNDBUF)
        except OSError:
            pass
        self.reader = FrameReader(sock)
        self.streams = {}
        self.closed = False

    def dispatch(self, frames):
        streams = self.streams
        for ftype, sid, payload in frames:
            if ftype == REQUEST:
                try:
                    head = _decode(payload.decode("utf-8"))
                    s = Stream(self, sid, head)
                except (ValueError, TypeError, IndexError) as e:
                    self.worker.log.error("Bad REQUEST frame on stream %d: %s", sid, e)
                    continue
                streams[sid] = s
                self.worker.submit(s)
            elif ftype == DATA:
                s = streams.get(sid)
                if s is not None:
                    s.feed(payload)
            elif ftype == END:
                s = streams.get(sid)
                if s is not None:
                    s.end()
            elif ftype == CREDIT:
                s = streams.get(sid)
                if s is not None and len(payload) == 4:
                    s.add_credit(_unpack_u32(payload)[0])
            elif ftype == PING:
                # answered from the loop that reads: a blocked gevent hub does not answer
                try:
                    self.send(None, PONG_FRAME)
                except ClientDisconnected:
                    pass
            elif ftype == FILE_ACK:
                s = streams.get(sid)
                if s is not None:
                    s.took_file(payload[:1] == b"\x01")
            elif ftype == CANCEL:
                s = streams.pop(sid, None)
                if s is not None:
                    self.cancel(s)
            else:
                self.worker.log.warning("Unknown frame type %d from a front (ignored)", ftype)

    def cancel(self, s):
        s.cancelled = True
        ev = s.event
        if ev is not None:
            ev.set()

    def run_reader(self):
        """gthread and gevent: a thread or greenlet that reads this connection until it closes."""
        read = self.reader.read
        dispatch = self.dispatch
        try:
            while True:
                frames = read()
                if frames is None:
                    break
                if frames:
                    dispatch(frames)
        except OSError:
            pass
        finally:
            self.mark_closed()
            self.cancel_all()
            self.reader_done()
            self.worker.conn_closed(self)

    def mark_closed(self):
        self.closed = True

    def reader_done(self):
        pass

    def cancel_all(self):
        streams = list(self.streams.values())
        self.streams.clear()
        for s in streams:
            self.cancel(s)

    def arm(self, s):
        ev = s.event
        if ev is None:
            ev = s.event = self.worker.make_event()
        ev.clear()

    def wait(self, s):
        s.event.wait()


class SyncConn(Conn):
    """sync worker: sends directly; waiting means reading this connection. `data` is bytes, or a
    list of them (frames with a large body, sent without joining)."""

    def send(self, s, data):
        if s is not None and s.cancelled:
            raise ClientDisconnected("request cancelled")
        try:
            if type(data) is list:
                send_parts(self.sock, data)
            else:
                self.sock.sendall(data)
        except OSError:
            self.worker.close_conn(self)
            raise ClientDisconnected("front connection lost")

    def arm(self, s):
        pass

    def wait(self, s):
        if self.closed:
            raise ClientDisconnected("front connection lost")
        try:
            frames = self.reader.read()
        except OSError:
            frames = None
        if frames is None:
            self.worker.close_conn(self)
        else:
            self.dispatch(frames)


class ThreadConn(Conn):
    """gthread worker: a reader thread; writes combined under the connection's lock."""

    def __init__(self, worker, sock):
        Conn.__init__(self, worker, sock)
        self.lock = threading.Lock()
        self.out = []
        self.flushing = False

    def cancel(self, s):
        with self.lock:
            s.cancelled = True
        ev = s.event
        if ev is not None:
            ev.set()

    def send(self, s, data):
        lock = self.lock
        with lock:
            if s is not None and s.cancelled:
                raise ClientDisconnected("request cancelled")
            if self.closed:
                raise ClientDisconnected("front connection lost")
            if type(data) is list:
                self.out.extend(data)
            else:
                self.out.append(data)
            if self.flushing:
                return
            self.flushing = True
        while True:
            with lock:
                out = self.out
                if not out:
                    self.flushing = False
                    return
                self.out = []
            try:
                send_parts(self.sock, out)
            except OSError:
                with lock:
                    self.flushing = False
                    self.out = []
                    self.closed = True
                try:
                    self.sock.shutdown(2)
                except OSError:
                    pass
                raise ClientDisconnected("front connection lost")

    def mark_closed(self):
        with self.lock:
            self.closed = True

    def reader_done(self):
        try:
            self.sock.close()
        except OSError:
            pass


class GeventConn(Conn):
    """gevent worker: a reader greenlet; a writer greenlet sends what the requests queued,
    many responses in one send (a killed request greenlet never holds a half-sent frame)."""

    def __init__(self, worker, sock, event_class):
        Conn.__init__(self, worker, sock)
        self.out = []
        self.wake = event_class()
        self.wake_set = False

    def cancel(self, s):
        s.cancelled = True
        if s.task is not None:
            self.worker.cancel(s)
        elif s.event is not None:
            s.event.set()

    def send(self, s, data):
        if s is not None and s.cancelled:
            raise ClientDisconnected("request cancelled")
        if self.closed:
            raise ClientDisconnected("front connection lost")
        if type(data) is list:
            self.out.extend(data)
        else:
            self.out.append(data)
        if not self.wake_set:
            self.wake_set = True
            self.wake.set()

    def run_writer(self):
        wake = self.wake
        sock = self.sock
        try:
            while True:
                out = self.out
                if not out:
                    if self.closed:
                        break
                    wake.wait()
                    wake.clear()
                    self.wake_set = False
                    continue
                self.out = []
                send_parts(sock, out)
        except OSError:
            self.closed = True
        finally:
            self.out = []
            try:
                self.sock.close()
            except OSError:
                pass

    def reader_done(self):
        self.wake.set()     # the writer closes the socket
