"""The control channel to the master: fd 3, newline-delimited JSON both ways."""

import json
import socket
import threading


class Control(object):
    def __init__(self, fd=3):
        self.sock = socket.socket(fileno=fd)
        self.lock = threading.Lock()
        self.buf = b""
        self.closed = False

    def send(self, obj):
        line = (json.dumps(obj) + "\n").encode()
        with self.lock:
            if self.closed:
                return
            try:
                self.sock.sendall(line)
            except OSError:
                self.closed = True

    def read(self):
        """One recv: the messages it completed, or None once the master has closed fd 3."""
        try:
            data = self.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return []
        except OSError:
            data = b""
        if not data:
            self.closed = True
            return None
        self.buf += data
        if b"\n" not in self.buf:
            return []
        *lines, self.buf = self.buf.split(b"\n")
        msgs = []
        for line in lines:
            line = line.strip()
            if not line:
                continue
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            if isinstance(msg, dict):
                msgs.append(msg)
        return msgs
