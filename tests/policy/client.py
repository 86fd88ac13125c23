#!/usr/bin/python3
"""client.py - sends policy requests from a .in file and compares the replies.

usage: client.py FILE.in FILE.out PORT [PORT2]   (a PORT may be unix:/path)

FILE.in holds Postfix policy requests (name=value lines, a blank line after
each). Lines starting with '#' are comments; a request whose first line is
"@2" goes to the second daemon (PORT2). Each daemon gets one persistent
connection, as Postfix's smtpd keeps one. FILE.out holds the expected reply
lines, one per request ("action=..."); shell wildcards (fnmatch) are allowed
in it. Prints the replies, and for every difference a "#" line; exit 1 on any.
"""
import fnmatch
import socket
import sys


def requests(path):
    """Yields (daemon index, request bytes) from a .in file."""
    block, target = [], 0
    for line in open(path, encoding="utf-8").read().split("\n") + [""]:
        if line.startswith("#"):
            continue
        if line == "@2":
            target = 1
            continue
        if line == "":
            if block:
                yield target, ("\n".join(block) + "\n\n").encode()
            block, target = [], 0
            continue
        block.append(line)


def read_reply(sock, buf):
    """Reads one reply (up to a blank line); returns (reply text, rest)."""
    while b"\n\n" not in buf:
        data = sock.recv(65536)
        if not data:
            return "<closed>", b""
        buf += data
    reply, rest = buf.split(b"\n\n", 1)
    return reply.decode(errors="replace"), rest


def connect(spec):
    """Connects to a loopback port or "unix:/path"."""
    if spec.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(spec[5:])
        return s
    return socket.create_connection(("127.0.0.1", int(spec)), timeout=10)


def main():
    inp, outp = sys.argv[1], sys.argv[2]
    socks = [connect(p) for p in sys.argv[3:]]
    bufs = [b""] * len(socks)
    got = []
    for target, req in requests(inp):
        socks[target].sendall(req)
        reply, bufs[target] = read_reply(socks[target], bufs[target])
        got.append(reply)
        print(reply)
    want = [l for l in open(outp, encoding="utf-8").read().split("\n") if l and not l.startswith("#")]
    bad = 0
    for i in range(max(len(got), len(want))):
        g = got[i] if i < len(got) else "<missing>"
        w = want[i] if i < len(want) else "<missing>"
        if not fnmatch.fnmatchcase(g, w):
            print("# request %d: got  %s" % (i + 1, g))
            print("# request %d: want %s" % (i + 1, w))
            bad += 1
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
