"""One request: the environ, the app, its response as frames."""

import json

from .frames import ERROR, RDATA, REND, WINDOW, pack_header, end_frame
from .sendv import JOIN_MAX
from .stream import ClientDisconnected
from .wsgi import FileWrapper, Response, file_frame

_ERROR_BODY = json.dumps({"message": "Internal Server Error"}).encode()


class HookRequest(object):
    """What pre_request/post_request hooks get as `req`, as Gunicorn's Request."""

    def __init__(self, head):
        method, target, version, raw, *_ = head
        self.method = method
        self.uri = target
        path, _, query = target.partition("?")
        self.path = path.partition("#")[0]
        self.query = query.partition("#")[0]
        try:
            major, minor = version.split(".")
            self.version = (int(major), int(minor))
        except ValueError:
            self.version = (1, 1)
        it = iter(raw)
        self.headers = [(n.upper(), v) for n, v in zip(it, it)]
        self.scheme = head[6]
        self.remote_addr = head[4]


def send_file(s, resp, wrapper):
    """Hand a wrapped file to the front; False when it did not take it (the caller iterates it)."""
    out = file_frame(resp, wrapper)
    if out is None:
        return False
    s.conn.send(s, out)
    return s.wait_file_ack()


def send_stopped(s):
    """After a CANCEL: one END once the request no longer runs, so the front frees its slot."""
    try:
        s.conn.send(None, end_frame(s.sid))
    except (OSError, ClientDisconnected):
        pass


def _error_frame(sid):
    return pack_header(ERROR, sid, len(_ERROR_BODY)) + _ERROR_BODY


def handle(worker, s):
    conn = s.conn
    head = s.head
    resp = Response(s)
    result = None
    req = None
    environ = None
    hooks = worker.hooks
    try:
        environ = worker.builder.build(s)
        if hooks.request_hooks:
            req = HookRequest(head)
            hooks.call("pre_request", worker, req)
        try:
            result = worker.app(environ, resp.start_response)
            if (type(result) is list and resp.status is not None and not resp.head_sent
                    and not s.cancelled):
                # the common case: the whole response in one send
                n = len(result)
                body = result[0] if n == 1 else b"".join(result)
                if n == 1 and not isinstance(body, (bytes, bytearray)):
                    raise TypeError("%r is not a byte string" % (type(body),))
                blen = len(body)
                if blen == 0:
                    conn.send(s, resp.head_frame() + end_frame(s.sid))
                elif blen <= JOIN_MAX:
                    s.sent = blen
                    conn.send(s, resp.head_frame() + pack_header(RDATA, s.sid, blen) + body
                              + pack_header(REND, s.sid, 0))
                elif blen <= WINDOW:
                    # sent as parts: the body is not copied into the frame
                    s.sent = blen
                    if type(body) is not bytes:
                        body = bytes(body)
                    conn.send(s, [resp.head_frame() + pack_header(RDATA, s.sid, blen), body,
                                  pack_header(REND, s.sid, 0)])
                else:
                    resp.write(body)
                    resp.finish()
            elif (type(result) is FileWrapper and resp.status is not None and not resp.head_sent
                    and not s.cancelled and send_file(s, resp, result)):
                pass    # the front sends the file
            else:
                write = resp.write
                for chunk in result:
                    if s.cancelled:
                        raise ClientDisconnected("request cancelled")
                    if chunk:
                        write(chunk)
                    elif not isinstance(chunk, (bytes, bytearray)):
                        raise TypeError("%r is not a byte string" % (type(chunk),))
                resp.finish()
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:
                    worker.log.exception("Error closing the response iterable of %s %s",
                                         head[0], head[1])
    except BaseException as e:
        if s.cancelled or isinstance(e, ClientDisconnected):
            if not isinstance(e, (Exception, _greenlet_exit())):
                raise
        else:
            worker.log.exception("Error handling request %s %s", head[0], head[1])
            try:
                conn.send(s, _error_frame(s.sid))
            except (OSError, ClientDisconnected):
                pass
            if not isinstance(e, Exception):
                raise
    finally:
        streams = conn.streams
        if streams.get(s.sid) is s:
            del streams[s.sid]
        if s.cancelled:
            send_stopped(s)
        worker.request_done()
        if req is not None:
            hooks.call("post_request", worker, req, environ, resp)


_GE = []


def _greenlet_exit():
    """GreenletExit when gevent is in use (a CANCEL kills the request's greenlet)."""
    if not _GE:
        import sys
        g = sys.modules.get("greenlet")
        _GE.append(getattr(g, "GreenletExit", ClientDisconnected) if g else ClientDisconnected)
    return _GE[0]
