"""Sending a list of byte strings on a socket: joined when small, scatter-gather when large, so a
large body is copied once (into the kernel), never into a joined frame first."""

# Below this, one join and one send cost less than the kernel walking many buffers.
JOIN_MAX = 32 * 1024
# At most this many buffers per sendmsg (IOV_MAX is 1024 on Linux).
IOV_BATCH = 512


def send_parts(sock, parts):
    """Send every byte of `parts` (bytes-like objects that nobody changes meanwhile), in order."""
    if len(parts) == 1:
        sock.sendall(parts[0])
        return
    total = 0
    for p in parts:
        total += len(p)
    if total <= JOIN_MAX:
        sock.sendall(b"".join(parts))
        return
    while parts:
        n = sock.sendmsg(parts[:IOV_BATCH])
        i = 0
        k = len(parts)
        while i < k:
            size = len(parts[i])
            if n < size:
                break
            n -= size
            i += 1
        parts = parts[i:]
        if n:
            parts[0] = memoryview(parts[0])[n:]

