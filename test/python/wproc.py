"""Test helper: run `python -m tunicorn_worker` with a control socketpair on fd 3 and speak
frames to it over its unix socket, as a front would."""

import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
APPS = os.path.join(HERE, "apps")
PKG = os.path.normpath(os.path.join(HERE, "..", "..", "python"))
PYTHON = os.environ.get("TUNICORN_TEST_PYTHON") or sys.executable

HDR = struct.Struct(">BII")
REQUEST, DATA, END, CANCEL, CREDIT, FILE_ACK, PING = 1, 2, 3, 4, 5, 6, 7
RESPONSE, RDATA, REND, ERROR, RCREDIT, RFILE, PONG = 11, 12, 13, 14, 15, 16, 17
WINDOW = 256 * 1024


def has_gevent():
    try:
        import gevent  # noqa: F401
        return True
    except ImportError:
        return False


class Worker(object):
    """One worker process. `settings` override the defaults below."""

    def __init__(self, app, worker_class="sync", env=None, wait_ready=True, **settings):
        self.dir = tempfile.mkdtemp(prefix="tw-")
        self.socket_path = os.path.join(self.dir, "w.sock")
        self.settings = {
            "app": app, "chdir": APPS, "pythonpath": [], "worker_class": worker_class,
            "worker_connections": 1000, "threads": 4, "timeout": 8, "graceful_timeout": 5,
            "max_requests": 0, "max_requests_jitter": 0, "socket": self.socket_path,
            "stack_file": os.path.join(self.dir, "w.stack"), "config_file": None, "age": 1,
            "errorlog": "-", "loglevel": "info", "log_format": "text", "proc_name": None,
        }
        self.settings.update(settings)
        parent, child = socket.socketpair()
        self.ctl = parent
        penv = dict(os.environ)
        penv["PYTHONPATH"] = PKG
        penv["TUNICORN_PY_WORKER"] = json.dumps(self.settings)
        penv.pop("SCRIPT_NAME", None)
        if env:
            penv.update(env)
        cfd = child.fileno()

        def at_fd3():
            os.dup2(cfd, 3)

        self.proc = subprocess.Popen(
            [PYTHON, "-m", "tunicorn_worker"], cwd=self.settings["chdir"] or APPS, env=penv,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            pass_fds=(3, cfd), preexec_fn=at_fd3)
        child.close()
        self.output = b""
        self._out_thread = threading.Thread(target=self._read_output, daemon=True)
        self._out_thread.start()
        self.messages = []
        self._ctl_buf = b""
        self.conns = []
        if wait_ready:
            self.wait_message("ready", 15)

    def _read_output(self):
        for chunk in iter(lambda: self.proc.stdout.read1(65536), b""):
            self.output += chunk

    def text(self):
        return self.output.decode("utf-8", "replace")

    def wait_text(self, needle, timeout=5.0):
        """The output once it contains needle (it arrives through a pipe, a little later)."""
        deadline = time.monotonic() + timeout
        while needle not in self.text():
            if time.monotonic() > deadline:
                raise AssertionError("%r not in the output:\n%s" % (needle, self.text()))
            time.sleep(0.01)
        return self.text()

    # -- control channel --

    def wait_message(self, mtype, timeout=10.0):
        deadline = time.monotonic() + timeout
        seen = len([m for m in self.messages if m.get("type") == mtype])
        while True:
            for m in self.messages:
                if m.get("type") == mtype:
                    if seen == 0:
                        return m
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no %r message in %.1fs; got %r; output:\n%s"
                                     % (mtype, timeout, self.messages, self.text()))
            self.ctl.settimeout(left)
            try:
                data = self.ctl.recv(65536)
            except socket.timeout:
                continue
            if not data:
                raise AssertionError("control channel closed waiting for %r; got %r; output:\n%s"
                                     % (mtype, self.messages, self.text()))
            self._ctl_buf += data
            *lines, self._ctl_buf = self._ctl_buf.split(b"\n")
            for line in lines:
                if line.strip():
                    m = json.loads(line)
                    self.messages.append(m)
                    if m.get("type") == mtype:
                        return m

    def poll_messages(self, seconds):
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return self.messages
            self.ctl.settimeout(left)
            try:
                data = self.ctl.recv(65536)
            except socket.timeout:
                return self.messages
            if not data:
                return self.messages
            self._ctl_buf += data
            *lines, self._ctl_buf = self._ctl_buf.split(b"\n")
            self.messages.extend(json.loads(line) for line in lines if line.strip())

    def send_control(self, obj):
        self.ctl.sendall((json.dumps(obj) + "\n").encode())

    # -- data --

    def connect(self, **kw):
        c = Front(self.socket_path, **kw)
        self.conns.append(c)
        return c

    def wait_exit(self, timeout=10.0):
        code = self.proc.wait(timeout)
        self._out_thread.join(5)
        return code

    def close(self):
        for c in self.conns:
            c.close()
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        self._out_thread.join(5)
        self.proc.stdout.close()
        self.ctl.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Reply(object):
    def __init__(self):
        self.head = None
        self.body = b""
        self.ended = False
        self.error = None
        self.credits = 0
        self.file = None                # [pid, fd, offset, count] of a FILE frame

    @property
    def status(self):
        return self.head[0] if self.head else None

    def header(self, name):
        h = self.head[2]
        for i in range(0, len(h), 2):
            if h[i].lower() == name.lower():
                return h[i + 1]
        return None


class Front(object):
    """A front's connection: numbered streams, frames, auto-credit of response bytes."""

    def __init__(self, path, auto_credit=True, take_files=True):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(20)
        self.sock.connect(path)
        self.buf = b""
        self.replies = {}
        self.next_sid = 1
        self.auto_credit = auto_credit
        self.take_files = take_files
        self.body_credit = {}
        self.pongs = 0

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def send_frame(self, ftype, sid, payload=b""):
        self.sock.sendall(HDR.pack(ftype, sid, len(payload)) + payload)

    def request(self, method="GET", target="/", headers=(), body=None, chunked=False,
                version="1.1", scheme="http", remote=("127.0.0.1", 40000),
                server=("localhost", 8000), sid=None, end=True):
        """Send a request; the body is sent with flow control by `finish`/`get` when large."""
        if sid is None:
            sid = self.next_sid
            self.next_sid += 1
        raw = []
        for n, v in headers:
            raw += [n, v]
        if body is not None and not chunked and not any(n.lower() == "content-length" for n, _ in headers):
            raw += ["Content-Length", str(len(body))]
        if chunked:
            raw += ["Transfer-Encoding", "chunked"]
        head = [method, target, version, raw, remote[0], remote[1], scheme, server[0], server[1],
                1 if body is not None else 0]
        self.send_frame(REQUEST, sid, json.dumps(head).encode())
        self.replies[sid] = Reply()
        self.body_credit[sid] = 0
        if body is not None:
            self._send_body(sid, body, end)
        return sid

    def _send_body(self, sid, body, end=True, piece=65536):
        sent = 0
        while sent < len(body):
            while sent - self.body_credit[sid] >= WINDOW:
                self.read_some()
            n = min(piece, len(body) - sent, WINDOW - (sent - self.body_credit[sid]))
            self.send_frame(DATA, sid, body[sent:sent + n])
            sent += n
        if end:
            self.send_frame(END, sid)

    def cancel(self, sid):
        self.send_frame(CANCEL, sid)

    def read_some(self):
        data = self.sock.recv(1 << 20)
        if not data:
            raise EOFError("worker closed the connection")
        self.buf += data
        while len(self.buf) >= 9:
            t, sid, n = HDR.unpack_from(self.buf)
            if len(self.buf) < 9 + n:
                break
            payload = self.buf[9:9 + n]
            self.buf = self.buf[9 + n:]
            self.on_frame(t, sid, payload)

    def on_frame(self, t, sid, payload):
        if t == PONG:
            self.pongs += 1
            return
        r = self.replies.setdefault(sid, Reply())
        if t == RESPONSE:
            assert r.head is None, "two RESPONSE frames on stream %d" % sid
            r.head = json.loads(payload)
        elif t == RDATA:
            assert r.head is not None, "DATA before RESPONSE on stream %d" % sid
            assert not r.ended
            r.body += payload
            if self.auto_credit:
                self.send_frame(CREDIT, sid, struct.pack(">I", len(payload)))
        elif t == REND:
            r.ended = True
        elif t == ERROR:
            r.error = json.loads(payload)
            r.ended = True
        elif t == RFILE:
            assert r.head is not None, "FILE before RESPONSE on stream %d" % sid
            r.file = json.loads(payload)
            if not self.take_files:
                self.send_frame(FILE_ACK, sid, b"\x00")
                return
            pid, fd, offset, count = r.file
            with open("/proc/%d/fd/%d" % (pid, fd), "rb") as f:
                self.send_frame(FILE_ACK, sid, b"\x01")
                f.seek(offset)
                r.body = f.read(count)
            r.ended = True
        elif t == RCREDIT:
            (n,) = struct.unpack(">I", payload)
            self.body_credit[sid] = self.body_credit.get(sid, 0) + n
            r.credits += n
        else:
            raise AssertionError("unknown frame type %d" % t)

    def get(self, sid, timeout=20):
        self.sock.settimeout(timeout)
        r = self.replies[sid]
        while not r.ended:
            self.read_some()
        return r

    def fetch(self, *args, **kwargs):
        return self.get(self.request(*args, **kwargs))
