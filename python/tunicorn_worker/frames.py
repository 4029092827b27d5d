"""Frames on the data socket: a 9-byte big-endian header (u8 type, u32 stream, u32 length),
then `length` bytes of payload."""

import struct

HEADER = struct.Struct(">BII")
HEADER_SIZE = HEADER.size
pack_header = HEADER.pack
unpack_header = HEADER.unpack_from
U32 = struct.Struct(">I")

# front -> worker
REQUEST = 1
DATA = 2
END = 3
CANCEL = 4
CREDIT = 5
FILE_ACK = 6
PING = 7

# worker -> front
RESPONSE = 11
RDATA = 12
REND = 13
ERROR = 14
RCREDIT = 15
RFILE = 16
PONG = 17

# flow control, per stream and direction
WINDOW = 256 * 1024
CREDIT_BATCH = 64 * 1024

BUFFER_SIZE = 512 * 1024


def frame(ftype, stream, payload=b""):
    return pack_header(ftype, stream, len(payload)) + payload


def credit_frame(stream, n):
    return pack_header(RCREDIT, stream, 4) + U32.pack(n)


PONG_FRAME = pack_header(PONG, 0, 0)


def end_frame(stream):
    return pack_header(REND, stream, 0)


class FrameReader(object):
    """Reads a socket with recv_into a large buffer and cuts it into frames."""

    __slots__ = ("sock", "buf", "mv", "start", "end")

    def __init__(self, sock, size=BUFFER_SIZE):
        self.sock = sock
        self.buf = bytearray(size)
        self.mv = memoryview(self.buf)
        self.start = 0
        self.end = 0

    def read(self):
        """One recv (blocking if the socket is); the complete frames it finished, as a list of
        (type, stream, payload bytes), possibly empty; None at end of stream."""
        n = self.sock.recv_into(self.mv[self.end:])
        if not n:
            return None
        end = self.end + n
        start = self.start
        buf = self.buf
        mv = self.mv
        frames = []
        append = frames.append
        while end - start >= 9:
            ftype, stream, length = unpack_header(buf, start)
            p = start + 9
            q = p + length
            if q > end:
                break
            append((ftype, stream, mv[p:q].tobytes() if length else b""))
            start = q
        if start == end:
            self.start = self.end = 0
            return frames
        # a partial frame is left: make room for the rest of it
        need = 9
        if end - start >= 9:
            need = 9 + unpack_header(buf, start)[2]
        if start + need > len(buf) or len(buf) - end < 4096:
            left = end - start
            if need > len(buf):
                nbuf = bytearray(need)
                nbuf[:left] = mv[start:end]
                self.buf = nbuf
                self.mv = memoryview(nbuf)
            else:
                buf[:left] = mv[start:end].tobytes()
            start, end = 0, left
        self.start = start
        self.end = end
        return frames
