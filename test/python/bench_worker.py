"""Load one worker through its data socket, as a front would: frames over one connection,
`inflight` streams at a time, for `seconds`. Prints requests/s.

    /usr/bin/python3 test/python/bench_worker.py [worker_class] [inflight] [seconds] [app]
"""

import json
import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import wproc  # noqa: E402

HDR = struct.Struct(">BII")


def main():
    wc = sys.argv[1] if len(sys.argv) > 1 else "sync"
    inflight = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 5
    app = sys.argv[4] if len(sys.argv) > 4 else "hello:application"
    head = json.dumps(["GET", "/", "1.1", ["Host", "localhost:8000", "User-Agent", "bench",
                                           "Accept", "*/*"],
                       "127.0.0.1", 40000, "http", "localhost", 8000, 0]).encode()
    reqs = {sid: HDR.pack(1, sid, len(head)) + head for sid in range(1, inflight + 1)}
    with wproc.Worker(app, wc, threads=max(1, min(inflight, 32))) as w:
        f = w.connect()
        sock = f.sock
        sock.settimeout(30)
        unpack = HDR.unpack_from
        done = 0
        buf = bytearray()
        sock.sendall(b"".join(reqs.values()))
        t0 = time.monotonic()
        end_at = t0 + seconds
        stop = False
        outstanding = inflight
        while outstanding:
            data = sock.recv(1 << 20)
            if not data:
                raise SystemExit("worker closed: " + w.text())
            buf += data
            pos = 0
            n = len(buf)
            again = []
            while n - pos >= 9:
                t, sid, ln = unpack(buf, pos)
                if n - pos - 9 < ln:
                    break
                pos += 9 + ln
                if t == 13 or t == 14:
                    done += 1
                    if stop:
                        outstanding -= 1
                    else:
                        again.append(reqs[sid])
            del buf[:pos]
            if again:
                sock.sendall(b"".join(again))
            if not stop and time.monotonic() >= end_at:
                stop = True
                outstanding = inflight - 0
                # what is outstanding now: every stream resent this round plus those in flight
        elapsed = time.monotonic() - t0
        st = open("/proc/%d/stat" % w.proc.pid).read().rsplit(")", 1)[1].split()
        wcpu = (int(st[11]) + int(st[12])) / os.sysconf("SC_CLK_TCK")
        ccpu = sum(os.times()[:2])
        print("%-8s inflight=%-4d %8.0f req/s  (%d requests in %.2fs; worker cpu %.2fs, %.1f us/request; bench cpu %.2fs)"
              % (wc, inflight, done / elapsed, done, elapsed, wcpu, wcpu * 1e6 / max(1, done), ccpu))


if __name__ == "__main__":
    main()
