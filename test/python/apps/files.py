"""wsgi.file_wrapper responses large enough to be handed to the front (not wrapped in the
validator, whose iterator wrapper hides the file wrapper, as in any server)."""

import os
import tempfile

SIZE = 300 * 1024
PATH = os.path.join(tempfile.mkdtemp(prefix="tw-files-"), "data.bin")
with open(PATH, "wb") as _f:
    _f.write(bytes(range(256)) * (SIZE // 256))


class NoFileno(object):
    def __init__(self, f):
        self.f = f

    def read(self, n=-1):
        return self.f.read(n)

    def close(self):
        self.f.close()


def application(environ, start_response):
    path = environ["PATH_INFO"]
    f = open(PATH, "rb")
    headers = [("Content-Type", "application/octet-stream")]
    if path == "/skip":
        f.read(1000)                    # what the app read already is not sent
    elif path == "/length":
        headers.append(("Content-Length", str(SIZE - 4096)))
    elif path == "/plain":
        f = NoFileno(f)                 # no fileno(): iterated by the worker
    start_response("200 OK", headers)
    return environ["wsgi.file_wrapper"](f, 8192)
