#!/usr/bin/python3
"""milter_garbage.py SOCKET - throws broken milter frames at a unix socket.

Each attempt opens its own connection: random bytes, a frame that claims a
huge length, a frame cut in the middle, a valid negotiation followed by a
truncated MAIL, and a connection closed at once. Then 2 KB and 60 KB
recipients in a valid conversation must get 550 5.1.3. Exits 0 when all went
as it should (the milter must drop each bad connection and keep serving).
"""
import os
import socket
import struct
import sys


def attempt(path, payload, linger=0.2):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(2)
    s.connect(path)
    try:
        s.sendall(payload)
        s.settimeout(linger)
        try:
            s.recv(65536)
        except (socket.timeout, ConnectionError):
            pass
    except (BrokenPipeError, ConnectionError):
        pass
    s.close()


def frame(cmd, data=b""):
    return struct.pack(">I", len(data) + 1) + cmd + data


def read_frame(s):
    """Reads one milter frame: (command byte, data)."""
    head = b""
    while len(head) < 5:
        chunk = s.recv(5 - len(head))
        if not chunk:
            raise ConnectionError("closed")
        head += chunk
    length = struct.unpack(">I", head[:4])[0] - 1
    data = b""
    while len(data) < length:
        chunk = s.recv(length - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return head[4:5], data


def long_rcpt(path, size):
    """A valid conversation with a size-byte recipient: the reply must be 550 5.1.3."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    s.sendall(frame(b"O", struct.pack(">III", 6, 0x1FF, 0)))
    read_frame(s)
    s.sendall(frame(b"M", b"<news@acme.example>\x00"))
    read_frame(s)
    s.sendall(frame(b"R", b"<" + b"a" * size + b"@d.example>\x00"))
    cmd, data = read_frame(s)
    s.close()
    return cmd == b"y" and data.startswith(b"550 5.1.3 <")


def main():
    path = sys.argv[1]
    optneg = frame(b"O", struct.pack(">III", 6, 0x1FF, 0x1FFFFF))
    payloads = [
        os.urandom(4096),
        b"\x00" * 64,
        struct.pack(">I", 0xFFFFFFF0) + b"O" + b"x" * 100,
        struct.pack(">I", 100) + b"O\x00\x00",
        optneg + frame(b"M", b"<a@acme.example")[:7],
        optneg + frame(b"M", b"<news@acme.example>\x00") + frame(b"R", b"<" + b"\xff" * 5000 + b">\x00"),
        optneg + frame(b"Z", b"junk"),
        b"",
    ]
    for p in payloads:
        attempt(path, p)
    for size in (2048, 60000):
        if not long_rcpt(path, size):
            print("# a %d-byte recipient did not get 550 5.1.3" % size)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
