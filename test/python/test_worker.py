"""The worker process end to end: a socketpair on fd 3, frames over its unix socket."""

import json
import os
import signal
import struct
import sys
import time
import unittest

from wproc import CREDIT, DATA, END, HDR, PING, PKG, Front, Worker, WINDOW, has_gevent

sys.path.insert(0, PKG)
from tunicorn_worker.workers.base import LISTENER_GRACE  # noqa: E402

def read(path):
    with open(path) as f:
        return f.read()


BODY_LINES = b"first line\nsecond, longer line\n\nlast without newline"


class Cases(object):
    """Run for each worker class."""

    worker_class = None

    @classmethod
    def setUpClass(cls):
        cls.w = Worker("basic", cls.worker_class)
        cls.f = cls.w.connect()

    @classmethod
    def tearDownClass(cls):
        cls.w.close()

    def fetch(self, *a, **kw):
        return self.f.fetch(*a, **kw)

    def closed(self):
        return self.fetch(target="/closed").body.decode().split(",")

    def test_hello(self):
        r = self.fetch(target="/hello")
        self.assertEqual(r.head, [200, "OK", ["Content-Type", "text/plain"]])
        self.assertEqual(r.body, b"Hello, World!")
        self.assertTrue(r.ended)
        self.assertIsNone(r.error)

    def test_environ(self):
        r = self.fetch("POST", "/environ?a=1&b=%20", headers=[("Host", "example.org:8080"),
                       ("X-Forwarded-For", "1.2.3.4"), ("x-dup", "a"), ("X-Dup", "b"),
                       ("X_Sneaky", "dropped"), ("Content-Type", "text/plain")],
                       body=b"xyz", version="1.0", scheme="https", remote=("10.1.2.3", 51515),
                       server=("example.org", 8080))
        env = json.loads(r.body)
        expect = {
            "REQUEST_METHOD": "POST", "SCRIPT_NAME": "", "PATH_INFO": "/environ",
            "QUERY_STRING": "a=1&b=%20", "RAW_URI": "/environ?a=1&b=%20",
            "CONTENT_TYPE": "text/plain", "CONTENT_LENGTH": "3",
            "SERVER_NAME": "example.org", "SERVER_PORT": "8080", "SERVER_PROTOCOL": "HTTP/1.0",
            "REMOTE_ADDR": "10.1.2.3", "REMOTE_PORT": "51515", "HTTP_HOST": "example.org:8080",
            "HTTP_X_FORWARDED_FOR": "1.2.3.4", "HTTP_X_DUP": "a,b",
            "SERVER_SOFTWARE": "tunicorn/0.1.0", "wsgi.version": [1, 0], "wsgi.url_scheme": "https",
            "wsgi.multithread": self.worker_class != "sync", "wsgi.multiprocess": True,
            "wsgi.run_once": False, "wsgi.input_terminated": True,
            "has_file_wrapper": True, "errors_write": True,
        }
        for k, v in expect.items():
            self.assertEqual(env.get(k), v, k)
        self.assertNotIn("HTTP_X_SNEAKY", env)
        self.assertNotIn("HTTP_CONTENT_TYPE", env)
        r = self.fetch(target="/environ")
        self.assertNotIn("CONTENT_LENGTH", json.loads(r.body))

    def test_body_read_every_way(self):
        lines = BODY_LINES.split(b"\n")
        want5 = []
        for i, line in enumerate(lines):
            line += b"\n" if i < len(lines) - 1 else b""
            want5 += [line[j:j + 5] for j in range(0, len(line), 5)]
        for chunked in (False, True):
            for mode in ("read", "readn", "readline", "iter", "readlines", "readline5"):
                r = self.fetch("POST", "/echo?mode=" + mode, body=BODY_LINES, chunked=chunked)
                want = b"|".join(want5) if mode == "readline5" else BODY_LINES
                self.assertEqual(r.body, want, (mode, chunked))

    def test_body_in_many_small_frames(self):
        body = BODY_LINES * 50
        sid = self.f.request("POST", "/echo?mode=readline",
                             headers=[("Content-Length", str(len(body)))], body=b"", end=False)
        for i in range(0, len(body), 3):
            self.f.send_frame(DATA, sid, body[i:i + 3])
        self.f.send_frame(END, sid)
        self.assertEqual(self.f.get(sid).body, body)

    def test_5mb_body_with_flow_control(self):
        body = os.urandom(1024) * 5 * 1024
        sid = self.f.request("POST", "/echo?mode=len", body=body)
        r = self.f.get(sid)
        self.assertEqual(r.body, str(len(body)).encode())
        # the front was credited for (nearly) all of it, in batches
        self.assertGreaterEqual(r.credits, len(body) - WINDOW)
        r = self.fetch("POST", "/echo?mode=read", body=body, chunked=True)
        self.assertEqual(r.body, body)

    def test_response_larger_than_window_waits_for_credit(self):
        f = Front(self.w.socket_path, auto_credit=False)
        try:
            sid = f.request(target="/stream?n=10&size=100000")
            r = f.replies[sid]
            while len(r.body) < WINDOW:
                f.read_some()
            self.assertEqual(len(r.body), WINDOW)
            f.sock.settimeout(0.3)
            with self.assertRaises(OSError):
                f.read_some()          # nothing more without credit
            f.auto_credit = True
            f.send_frame(CREDIT, sid, struct.pack(">I", WINDOW))
            r = f.get(sid)
            self.assertEqual(len(r.body), 1000000)
            self.assertEqual(r.body[:100000], b"A" * 100000)
            self.assertEqual(r.body[-100000:], b"J" * 100000)
        finally:
            f.close()
        self.assertIn("stream", self.closed())

    def test_close_called_at_the_end(self):
        r = self.fetch(target="/closing")
        self.assertEqual(r.body, b"abc")
        # close() runs after END is sent (as in Gunicorn): with threads, /closed may come first
        deadline = time.monotonic() + 2
        while "closing" not in self.closed() and time.monotonic() < deadline:
            time.sleep(0.01)
        self.assertIn("closing", self.closed())

    def test_cancel_calls_close(self):
        f = Front(self.w.socket_path, auto_credit=False)
        try:
            before = self.closed().count("stream")
            sid = f.request(target="/stream?n=30&size=100000")
            while len(f.replies[sid].body) < WINDOW:
                f.read_some()
            f.cancel(sid)
            deadline = time.monotonic() + 5
            while self.closed().count("stream") == before:
                self.assertLess(time.monotonic(), deadline, "close() not called after CANCEL")
                time.sleep(0.02)
        finally:
            f.close()

    def test_exc_info_before_the_body_replaces_the_status(self):
        r = self.fetch(target="/excinfo")
        self.assertEqual(r.status, 500)
        self.assertEqual(r.body, b"replaced")

    def test_exc_info_after_the_body_started_is_an_error(self):
        r = self.fetch(target="/excinfo-late")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, b"first")
        self.assertEqual(r.error, {"message": "Internal Server Error"})
        self.w.wait_text("RuntimeError: after the body started")

    def test_write_callable(self):
        self.assertEqual(self.fetch(target="/write").body, b"one,two,three")

    def test_hop_by_hop_header_dropped_with_a_warning(self):
        r = self.fetch(target="/hop")
        self.assertEqual(r.body, b"no")
        self.assertNotIn("connection", [n.lower() for n in r.head[2][::2]])
        self.w.wait_text("The app sent the hop-by-hop header 'Connection'")

    def test_bad_status_refused(self):
        r = self.fetch(target="/badstatus")
        self.assertIsNone(r.head)
        self.assertIsNotNone(r.error)

    def test_app_exception_before_start(self):
        r = self.fetch(target="/raise?x=1")
        self.assertIsNone(r.head)
        self.assertEqual(r.error, {"message": "Internal Server Error"})
        out = self.w.wait_text("ValueError: boom in the app")
        self.assertRegex(out, r"\[\d+\] \[ERROR\] Error handling request GET /raise\?x=1\nTraceback \(most recent call last\):\n")
        self.assertNotIn("boom", json.dumps(r.error))

    def test_app_exception_after_start(self):
        r = self.fetch(target="/raise-late")
        self.assertEqual((r.status, r.body), (200, b"partial"))
        self.assertIsNotNone(r.error)
        self.w.wait_text("ValueError: boom after the start")

    def test_file_wrapper(self):
        with open(os.path.join(os.path.dirname(__file__), "apps", "basic.py"), "rb") as fh:
            self.assertEqual(self.fetch(target="/file").body, fh.read())

    def test_many_streams_in_flight(self):
        sids = [self.f.request(target="/hello") for _ in range(50)]
        sids += [self.f.request("POST", "/echo", body=b"body %d" % i) for i in range(20)]
        for sid in sids[:50]:
            self.assertEqual(self.f.get(sid).body, b"Hello, World!")
        for i, sid in enumerate(sids[50:]):
            self.assertEqual(self.f.get(sid).body, b"body %d" % i)

    def test_ping_is_answered(self):
        before = self.f.pongs
        self.f.send_frame(PING, 0)
        self.assertEqual(self.fetch(target="/hello").body, b"Hello, World!")
        deadline = time.monotonic() + 3
        while self.f.pongs == before and time.monotonic() < deadline:
            self.f.sock.settimeout(0.5)
            try:
                self.f.read_some()
            except OSError:
                pass
        self.assertEqual(self.f.pongs, before + 1)

    def test_two_fronts(self):
        g = self.w.connect()
        self.assertEqual(g.fetch(target="/hello").body, b"Hello, World!")
        self.assertEqual(self.fetch(target="/hello").body, b"Hello, World!")

    def test_print_and_wsgi_errors_reach_the_output(self):
        self.assertEqual(self.fetch(target="/print").body, b"ok")
        self.w.wait_text("to wsgi.errors")
        self.w.wait_text("printed by the app")

    def test_zz_validator_saw_no_problem(self):
        self.fetch(target="/hello")
        self.assertNotIn("WSGIWarning", self.w.text())
        self.assertNotIn("Iterator garbage collected", self.w.text())


class SyncTest(Cases, unittest.TestCase):
    worker_class = "sync"


class ThreadTest(Cases, unittest.TestCase):
    worker_class = "gthread"

    def test_threads_run_concurrently(self):
        t = time.monotonic()
        sids = [self.f.request(target="/sleep?s=0.3") for _ in range(4)]   # threads: 4
        for sid in sids:
            self.assertEqual(self.f.get(sid).body, b"slept")
        self.assertLess(time.monotonic() - t, 1.0)


@unittest.skipUnless(has_gevent(), "gevent is not installed for this python")
class GeventTest(Cases, unittest.TestCase):
    worker_class = "gevent"

    def test_100_sleeping_requests_run_concurrently(self):
        t = time.monotonic()
        sids = [self.f.request(target="/sleep?s=0.2") for _ in range(100)]
        for sid in sids:
            self.assertEqual(self.f.get(sid).body, b"slept")
        self.assertLess(time.monotonic() - t, 2.0)

    def test_a_burst_read_at_once_runs_concurrently_beside_idle_greenlets(self):
        # one request first leaves a request greenlet idle; 20 more in one write were all queued
        # to it (the front's TERM then cut what was still waiting at graceful_timeout)
        with Worker("basic", "gevent") as w:
            f = w.connect()
            self.assertEqual(f.fetch(target="/hello").body, b"Hello, World!")
            frames = []
            send_frame = f.send_frame
            f.send_frame = lambda t, sid, payload=b"": frames.append(HDR.pack(t, sid, len(payload)) + payload)
            sids = [f.request(target="/gather?key=burst&n=20") for _ in range(20)]
            f.send_frame = send_frame
            f.sock.sendall(b"".join(frames))
            self.assertEqual([f.get(sid).body for sid in sids], [b"met"] * 20)

    def test_cancel_kills_a_sleeping_request(self):
        before = self.closed().count("sleepgen")
        sid = self.f.request(target="/sleepgen?s=60")
        sid2 = self.f.request(target="/sleep?s=60")
        time.sleep(0.2)
        self.f.cancel(sid)
        self.f.cancel(sid2)
        deadline = time.monotonic() + 3
        while self.closed().count("sleepgen") == before:
            self.assertLess(time.monotonic() - deadline, 0, "close() not called after CANCEL")
            time.sleep(0.02)
        # after CANCEL the worker says once that the request stopped: an END and nothing else
        for cancelled in (sid, sid2):
            r = self.f.get(cancelled, timeout=3)
            self.assertEqual((r.head, r.body, r.error), (None, b"", None))
        # both greenlets are gone: nothing is active
        deadline = time.monotonic() + 3
        while True:
            beats = [m for m in self.w.poll_messages(0.3) if m.get("type") == "heartbeat"]
            if beats and beats[-1]["active"] == 0:
                break
            self.assertLess(time.monotonic(), deadline, beats[-1:])

    def test_flask_app(self):
        try:
            import flask  # noqa: F401
        except ImportError:
            self.skipTest("flask is not installed")
        with Worker("flaskapp:app", "gevent") as w:
            f = w.connect()
            self.assertEqual(f.fetch(target="/?x=1").body, b"flask 1")
            self.assertEqual(f.fetch("POST", "/post", body=b"x" * 300000).body, b"got 300000")


class FileHandoffTest(unittest.TestCase):
    """wsgi.file_wrapper of a large regular file: RESPONSE and FILE, the front reads the file."""

    def run_classes(self, check):
        classes = ["sync", "gthread"] + (["gevent"] if has_gevent() else [])
        for wc in classes:
            with self.subTest(worker_class=wc), Worker("files", wc) as w:
                check(w)

    def test_the_front_reads_the_file_the_worker_hands_over(self):
        data = bytes(range(256)) * (300 * 1024 // 256)     # apps/files.py's file

        def check(w):
            f = w.connect()
            r = f.fetch(target="/")
            self.assertEqual(r.file[2:], [0, len(data)])
            self.assertEqual(r.file[0], w.proc.pid)
            self.assertEqual(r.body, data)
            r = f.fetch(target="/skip")
            self.assertEqual(r.file[2:], [1000, len(data) - 1000])
            self.assertEqual(r.body, data[1000:])
            r = f.fetch(target="/length")
            self.assertEqual(r.file[3], len(data) - 4096)
            self.assertEqual(r.body, data[:-4096])
            r = f.fetch(target="/plain")
            self.assertIsNone(r.file)
            self.assertEqual(r.body, data)
            # the front refuses: the worker sends the file itself after the head
            g = w.connect(take_files=False)
            r = g.fetch(target="/skip")
            self.assertIsNotNone(r.file)
            self.assertEqual(r.body, data[1000:])
            self.assertEqual(r.error, None)
            self.assertEqual(f.fetch(target="/").body, data)

        self.run_classes(check)


class LifecycleTest(unittest.TestCase):
    def test_heartbeats(self):
        with Worker("hello", "sync", timeout=0.4) as w:
            w.connect().fetch()
            msgs = w.poll_messages(0.55)
            beats = [m for m in msgs if m["type"] == "heartbeat"]
            self.assertGreaterEqual(len(beats), 3)      # every 0.1 s
            self.assertEqual(beats[-1], {"type": "heartbeat", "requests": 1, "active": 0})

    def test_retiring_at_max_requests_keeps_serving(self):
        for wc in ("sync", "gthread") + (("gevent",) if has_gevent() else ()):
            with Worker("hello", wc, max_requests=3, timeout=0.4) as w:
                f = w.connect()
                for _ in range(2):
                    f.fetch()
                self.assertNotIn("retiring", [m["type"] for m in w.poll_messages(0.15)])
                for _ in range(3):
                    self.assertEqual(f.fetch().body, b"Hello, World!")
                self.assertEqual(w.wait_message("retiring"), {"type": "retiring", "reason": "max_requests"})
                w.poll_messages(0.15)
                self.assertEqual([m["type"] for m in w.messages].count("retiring"), 1)
                self.assertEqual(w.text().count("Autorestarting worker after current request."), 1)

    def _graceful(self, wc, how):
        with Worker("basic", wc, graceful_timeout=5) as w:
            f = w.connect()
            sid = f.request(target="/sleep?s=0.4")
            time.sleep(0.1)
            if how == "stop":
                w.send_control({"type": "stop"})
            else:
                w.proc.send_signal(signal.SIGTERM)
            # a front that connects just after the stop (it had not heard yet) is served, not reset
            g = w.connect()
            self.assertEqual(g.fetch(target="/hello").body, b"Hello, World!")
            g.close()
            self.assertEqual(f.get(sid).body, b"slept")       # in flight: finished
            self.assertEqual(f.fetch(target="/hello").body, b"Hello, World!")  # open: served
            time.sleep(LISTENER_GRACE + 0.3)
            self.assertIsNone(w.proc.poll(), "exited while a front was connected")
            self.assertFalse(os.path.exists(w.socket_path), "still accepting after the grace")
            f.close()
            self.assertEqual(w.wait_exit(5), 0)
            self.assertIn("Worker exiting (pid: %d)" % w.proc.pid, w.text())

    def test_graceful_stop(self):
        self._graceful("sync", "stop")
        self._graceful("gthread", "term")
        if has_gevent():
            self._graceful("gevent", "stop")
            self._graceful("gevent", "term")

    def test_graceful_timeout(self):
        with Worker("hello", "gthread", graceful_timeout=0.5) as w:
            w.connect().fetch()
            t = time.monotonic()
            w.proc.send_signal(signal.SIGTERM)
            self.assertEqual(w.wait_exit(5), 0)
            self.assertLess(time.monotonic() - t, 2.0)

    def test_master_gone(self):
        with Worker("hello", "sync") as w:
            w.ctl.close()
            self.assertEqual(w.wait_exit(5), 0)

    def test_int_exits_quickly_with_worker_int_hook(self):
        for wc in ("sync", "gthread") + (("gevent",) if has_gevent() else ()):
            with HookedWorker(self, "basic", wc) as (w, events):
                f = w.connect()
                f.request(target="/sleep?s=30")
                time.sleep(0.2)
                t = time.monotonic()
                w.proc.send_signal(signal.SIGINT)
                w.wait_exit(5)
                self.assertLess(time.monotonic() - t, 2.0, wc)
                names = [e[0] for e in events()]
                self.assertIn("worker_int", names, wc)
                self.assertEqual(names[-1], "worker_exit", wc)

    def test_usr2_dumps_stacks(self):
        with Worker("hello", "gthread") as w:
            w.connect().fetch()
            w.proc.send_signal(signal.SIGUSR2)
            path = w.settings["stack_file"]
            deadline = time.monotonic() + 3
            while "File" not in read(path):
                self.assertLess(time.monotonic(), deadline)
                time.sleep(0.05)
            self.assertIn("Thread", read(path))
            self.assertIsNone(w.proc.poll())


class BootTest(unittest.TestCase):
    def boot_fail(self, app, wc="sync"):
        w = Worker(app, wc, wait_ready=False)
        try:
            msg = w.wait_message("boot_error", 15)
            self.assertEqual(w.wait_exit(10), 3)
            # The worker prints nothing of it: the master says it once for every worker.
            self.assertNotIn(msg["message"], w.text())
            return msg["message"], msg.get("stack", "")
        finally:
            w.close()

    def test_import_raises(self):
        msg, out = self.boot_fail("broken")
        self.assertEqual(msg, "RuntimeError: broken at import")
        self.assertEqual(out.count("Traceback (most recent call last)"), 1, out)
        self.assertIn('broken.py", line', out)

    def test_missing_dependency_shows_the_traceback(self):
        msg, out = self.boot_fail("deps_missing:app")
        self.assertEqual(msg, "ModuleNotFoundError: No module named 'no_such_dependency_xyz'")
        self.assertEqual(out.count("Traceback (most recent call last)"), 1, out)

    def test_missing_module_is_one_line(self):
        msg, out = self.boot_fail("nosuchmod:app")
        self.assertIn("No module named 'nosuchmod'", msg)
        self.assertNotIn("Traceback", out)
        self.assertEqual(out, "")

    def test_missing_attribute_is_one_line(self):
        msg, out = self.boot_fail("factory:nope")
        self.assertEqual(msg, "Failed to find attribute 'nope' in 'factory'.")
        self.assertNotIn("Traceback", out)

    @unittest.skipUnless(has_gevent(), "gevent is not installed for this python")
    def test_gevent_boot_error(self):
        msg, out = self.boot_fail("broken", "gevent")
        self.assertEqual(msg, "RuntimeError: broken at import")
        self.assertEqual(out.count("Traceback (most recent call last)"), 1, out)

    def test_app_specs(self):
        for spec, body in [("hello:app", b"Hello, World!"), ("hello", b"Hello, World!"),
                           ("pkg.wsgi", b"pkg.wsgi"), ("pkg.wsgi:application", b"pkg.wsgi"),
                           ("factory:create_app()", b"factory debug=True"),
                           ("factory:create_app(debug=False)", b"factory debug=False"),
                           ("factory:create_app(False, name='f')", b"f debug=False")]:
            with Worker(spec, "sync") as w:
                self.assertEqual(w.connect().fetch().body, body, spec)

    def test_chdir_and_pythonpath(self):
        apps = os.path.join(os.path.dirname(os.path.abspath(__file__)), "apps")
        with Worker("wsgi:application", "sync", chdir="/", pythonpath=[os.path.join(apps, "pkg")]) as w:
            self.assertEqual(w.connect().fetch().body, b"pkg.wsgi")

    def test_json_log_to_a_file(self):
        import tempfile
        d = tempfile.mkdtemp()
        path = os.path.join(d, "error.log")
        with Worker("basic", "sync", log_format="json", errorlog=path) as w:
            w.connect().fetch(target="/raise")
            os.rename(path, path + ".1")
            w.send_control({"type": "reopen_logs"})
            time.sleep(0.2)
            w.proc.send_signal(signal.SIGTERM)
            for c in w.conns:
                c.close()
            self.assertEqual(w.wait_exit(5), 0)
        with open(path + ".1") as fh:
            old = [json.loads(line) for line in fh]
        with open(path) as fh:
            new = [json.loads(line) for line in fh]
        self.assertEqual(old[0]["level"], "error")
        self.assertEqual(old[0]["msg"], "Error handling request GET /raise")
        self.assertIn("ValueError: boom in the app", old[0]["stack"])
        self.assertEqual(new[-1]["msg"], "Worker exiting (pid: %d)" % w.proc.pid)
        self.assertEqual(new[-1]["level"], "info")


class HookedWorker(object):
    """A worker with a gunicorn.conf.py whose hooks append JSON lines to a file."""

    CONF = '''
import json, os
EVENTS = %r
bind = "0.0.0.0:9999"
def _rec(*item):
    with open(EVENTS, "a") as f:
        f.write(json.dumps(item) + "\\n")
def post_fork(server, worker):
    _rec("post_fork", server is None, worker.pid == os.getpid(), worker.age, worker.cfg.bind)
def post_worker_init(worker):
    _rec("post_worker_init", worker.ppid == os.getppid())
    worker.log.info("hooked worker ready")
def pre_request(worker, req):
    _rec("pre_request", req.method, req.path, req.query, req.uri, list(req.version), req.headers)
    if req.path == "/hook-raises":
        raise RuntimeError("pre_request hook failed")
def post_request(worker, req, environ, resp):
    _rec("post_request", req.path, resp.status, resp.status_code, environ["PATH_INFO"])
def worker_int(worker):
    _rec("worker_int")
def worker_abort(worker):
    _rec("worker_abort", worker.pid == os.getpid())
def worker_exit(server, worker):
    _rec("worker_exit", worker.nr)
'''

    def __init__(self, test, app, wc):
        import tempfile
        self.dir = tempfile.mkdtemp()
        self.events_path = os.path.join(self.dir, "events")
        conf = os.path.join(self.dir, "gunicorn.conf.py")
        with open(conf, "w") as f:
            f.write(self.CONF % self.events_path)
        self.w = Worker(app, wc, config_file=conf)

    def events(self):
        try:
            with open(self.events_path) as f:
                return [json.loads(line) for line in f]
        except FileNotFoundError:
            return []

    def __enter__(self):
        return self.w, self.events

    def __exit__(self, *exc):
        self.w.close()


class HooksTest(unittest.TestCase):
    def test_hooks(self):
        with HookedWorker(self, "basic", "sync") as (w, events):
            f = w.connect()
            r = f.fetch(target="/hello?q=1", headers=[("Host", "h"), ("x-custom", "v")])
            self.assertEqual(r.body, b"Hello, World!")
            r = f.fetch(target="/hook-raises")
            self.assertEqual(r.status, 404)        # the hook's failure is logged, the request served
            self.assertEqual(f.fetch(target="/hello").status, 200)
            w.proc.send_signal(signal.SIGTERM)
            f.close()
            self.assertEqual(w.wait_exit(5), 0)
            ev = events()
            self.assertEqual(ev[0], ["post_fork", True, True, 1, "0.0.0.0:9999"])
            self.assertEqual(ev[1], ["post_worker_init", True])
            self.assertEqual(ev[2], ["pre_request", "GET", "/hello", "q=1", "/hello?q=1", [1, 1],
                                     [["HOST", "h"], ["X-CUSTOM", "v"]]])
            self.assertEqual(ev[3], ["post_request", "/hello", "200 OK", 200, "/hello"])
            self.assertEqual(ev[-1], ["worker_exit", 3])
            out = w.text()
            self.assertIn("[INFO] hooked worker ready", out)
            self.assertIn("[ERROR] Exception in pre_request hook\nTraceback", out)

    def test_int_and_abort_hooks(self):
        classes = ["sync", "gthread"] + (["gevent"] if has_gevent() else [])
        for wc in classes:
            for sig, hook, code in ((signal.SIGINT, ["worker_int"], 0), (signal.SIGQUIT, ["worker_int"], 0),
                                    (signal.SIGABRT, ["worker_abort", True], 1)):
                with self.subTest(worker_class=wc, signal=sig.name), HookedWorker(self, "basic", wc) as (w, events):
                    self.assertEqual(w.connect().fetch(target="/hello").status, 200)
                    w.proc.send_signal(sig)
                    self.assertEqual(w.wait_exit(5), code)
                    self.assertIn(hook, events())
                    self.assertEqual(events()[-1][0], "worker_exit")


if __name__ == "__main__":
    unittest.main()
