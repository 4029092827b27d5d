"""In-process tests of the pieces: frames, app specs, the error log, the environ."""

import json
import os
import re
import socket
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..", "..", "python")))
sys.path.insert(0, os.path.join(HERE, "apps"))

from tunicorn_worker import frames  # noqa: E402
from tunicorn_worker.appspec import AppImportError, import_app, parse_spec  # noqa: E402
from tunicorn_worker.environ import EnvironBuilder  # noqa: E402
from tunicorn_worker.log import ErrorLog  # noqa: E402
from tunicorn_worker.stream import Stream  # noqa: E402
from tunicorn_worker.wsgi import check_headers, parse_status  # noqa: E402


class FramesTest(unittest.TestCase):
    def test_many_frames_per_read_and_frames_split_across_reads(self):
        a, b = socket.socketpair()
        with a, b:
            r = frames.FrameReader(b, size=64)
            big = b"x" * 300                     # larger than the buffer: it grows
            data = (frames.frame(1, 7, b"head") + frames.frame(2, 7, big) + frames.frame(3, 7)
                    + frames.frame(5, 9, frames.U32.pack(65536)))
            got = []
            for i in range(0, len(data), 50):
                a.sendall(data[i:i + 50])
                got += r.read()
            while len(got) < 4:
                got += r.read()
            self.assertEqual(got, [(1, 7, b"head"), (2, 7, big), (3, 7, b""),
                                   (5, 9, frames.U32.pack(65536))])
            a.close()
            self.assertIsNone(r.read())

    def test_header_layout(self):
        self.assertEqual(frames.frame(11, 1, b"ab"), b"\x0b\x00\x00\x00\x01\x00\x00\x00\x02ab")
        self.assertEqual(frames.credit_frame(3, 65536), b"\x0f\x00\x00\x00\x03\x00\x00\x00\x04\x00\x01\x00\x00")


class AppSpecTest(unittest.TestCase):
    def test_parse(self):
        self.assertEqual(parse_spec("mysite.wsgi"), ("mysite.wsgi", "application", None, None))
        self.assertEqual(parse_spec("m:app"), ("m", "app", None, None))
        self.assertEqual(parse_spec("m:create()"), ("m", "create", [], {}))
        self.assertEqual(parse_spec("m:create(1, 'a', debug=False, opts={'x': [1]})"),
                         ("m", "create", [1, "a"], {"debug": False, "opts": {"x": [1]}}))

    def test_bad_specs_are_one_line(self):
        for spec, msg in [("m:a.b()", "simple name"), ("m:create(x)", "literal values"),
                          ("m:1+", "Failed to parse"), ("factory:nope", "Failed to find attribute 'nope' in 'factory'"),
                          ("factory:not_an_app", "must be callable"),
                          ("no_such_module_q:app", "No module named 'no_such_module_q'"),
                          ("factory:create_app(1, 2, 3)", "create_app() takes")]:
            with self.assertRaises(AppImportError) as cm:
                import_app(spec)
            self.assertIn(msg, str(cm.exception))
            self.assertNotIn("\n", str(cm.exception))

    def test_forms(self):
        self.assertTrue(callable(import_app("pkg.wsgi")))
        self.assertTrue(callable(import_app("factory:create_app()")))
        self.assertTrue(callable(import_app("factory:create_app(debug=False)")))

    def test_missing_dependency_is_not_an_app_import_error(self):
        with self.assertRaises(ModuleNotFoundError):
            import_app("deps_missing")


class LogTest(unittest.TestCase):
    def _log(self, **kw):
        fd, path = tempfile.mkstemp()
        os.close(fd)
        self.addCleanup(os.unlink, path)
        return ErrorLog(path, **kw), path

    def test_text_format(self):
        log, path = self._log(level="info")
        log.debug("hidden")
        log.info("Worker exiting (pid: %s)", 12)
        log.warning("careful")
        try:
            raise ValueError("bad")
        except ValueError:
            log.exception("Error handling request %s %s", "GET", "/x")
        text = open(path).read()
        self.assertNotIn("hidden", text)
        pat = r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}\] \[%d\] \[%s\] %s$"
        lines = text.split("\n")
        self.assertRegex(lines[0], pat % (os.getpid(), "INFO", re.escape("Worker exiting (pid: 12)")))
        self.assertRegex(lines[1], pat % (os.getpid(), "WARNING", "careful"))
        self.assertRegex(lines[2], pat % (os.getpid(), "ERROR", "Error handling request GET /x"))
        self.assertEqual(lines[3], "Traceback (most recent call last):")
        self.assertEqual(lines[-2], "ValueError: bad")

    def test_json_format(self):
        log, path = self._log(level="debug", fmt="json")
        log.debug("dbg")
        try:
            raise KeyError("k")
        except KeyError:
            log.exception("failed")
        recs = [json.loads(line) for line in open(path).read().splitlines()]
        self.assertEqual([r["level"] for r in recs], ["debug", "error"])
        self.assertEqual(recs[1]["msg"], "failed")
        self.assertIn("KeyError", recs[1]["stack"])
        self.assertEqual(recs[0]["pid"], os.getpid())
        self.assertRegex(recs[0]["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


class EnvironTest(unittest.TestCase):
    def build(self, target, headers=(), script_name=None, has_body=0):
        old = os.environ.get("SCRIPT_NAME")
        if script_name is not None:
            os.environ["SCRIPT_NAME"] = script_name
        try:
            b = EnvironBuilder(sys.stderr, None, False)
        finally:
            if script_name is not None:
                if old is None:
                    del os.environ["SCRIPT_NAME"]
                else:
                    os.environ["SCRIPT_NAME"] = old
        head = ["GET", target, "1.0", list(headers), "10.0.0.1", 5555, "https", "example.com", 443, has_body]
        return b.build(Stream(None, 1, head))

    def test_path_query_and_headers(self):
        env = self.build("/a%20b/%C3%A9?x=1&y=%20", ["Host", "example.com", "X-Multi", "a", "x-multi", "b",
                                                      "Content-Type", "text/plain", "X_Under", "dropped"])
        self.assertEqual(env["PATH_INFO"], "/a b/\xc3\xa9")
        self.assertEqual(env["QUERY_STRING"], "x=1&y=%20")
        self.assertEqual(env["RAW_URI"], "/a%20b/%C3%A9?x=1&y=%20")
        self.assertEqual(env["HTTP_X_MULTI"], "a,b")
        self.assertEqual(env["CONTENT_TYPE"], "text/plain")
        self.assertNotIn("CONTENT_LENGTH", env)
        self.assertNotIn("HTTP_X_UNDER", env)
        self.assertEqual(env["SERVER_PROTOCOL"], "HTTP/1.0")
        self.assertEqual((env["SERVER_PORT"], env["REMOTE_PORT"]), ("443", "5555"))
        self.assertEqual(env["wsgi.url_scheme"], "https")

    def test_script_name(self):
        env = self.build("/app/x?q", script_name="/app")
        self.assertEqual((env["SCRIPT_NAME"], env["PATH_INFO"]), ("/app", "/x"))
        env = self.build("/application", script_name="/app")
        self.assertEqual((env["SCRIPT_NAME"], env["PATH_INFO"]), ("/app", "/application"))

    def test_absolute_target(self):
        env = self.build("http://example.com/p?q=1")
        self.assertEqual((env["PATH_INFO"], env["QUERY_STRING"]), ("/p", "q=1"))


class ResponseChecksTest(unittest.TestCase):
    def test_status(self):
        self.assertEqual(parse_status("200 OK"), (200, "OK"))
        self.assertEqual(parse_status("204"), (204, ""))
        for bad in ["20 OK", "OK 200", "2000 x", "200\r\nX: y"]:
            self.assertRaises(ValueError, parse_status, bad)
        self.assertRaises(TypeError, parse_status, b"200 OK")

    def test_headers(self):
        self.assertEqual(check_headers([("A", "1"), ("B", " 2 ")]), ["A", "1", "B", "2"])
        self.assertEqual(check_headers([("Connection", "close"), ("X-A", "1")]), ["X-A", "1"])
        self.assertRaises(ValueError, check_headers, [("Bad Name", "x")])
        self.assertRaises(ValueError, check_headers, [("X", "a\r\nB: c")])
        self.assertRaises(TypeError, check_headers, [("X", 1)])
        self.assertRaises(UnicodeEncodeError, check_headers, [("X", "\u20ac")])


if __name__ == "__main__":
    unittest.main()
