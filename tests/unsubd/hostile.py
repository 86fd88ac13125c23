#!/usr/bin/python3
"""hostile.py - clients that try to exhaust bulkguard-unsubd (issue 9, row 8).

usage: hostile.py PORT CASE ARGS
  idle N ADDR        N idle connections from ADDR; prints how many the daemon
                     still holds open after a moment, and keeps them open
                     until stdin is closed
  spread K N ADDR0   N idle connections from each of K addresses counting up
                     from ADDR0; prints how many are open (accepted, or
                     waiting in the kernel's queue) and keeps them open
                     until stdin is closed
  trickle PATH STAGE sends a request one byte every 4 s, in the header
                     (STAGE head) or in the body (STAGE body); prints the
                     seconds until the daemon closed the connection
  keepalive PATH N   N GET requests on one connection, 6 s apart; prints
                     how many were answered 200
  accepted PID       prints how many TCP connections on PORT process PID has
                     accepted (from /proc: those still in the listen queue
                     belong to no process)
"""
import ipaddress
import os
import resource
import socket
import sys
import time


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def connect(port, source):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    return s


def open_conns(port, addrs, n):
    """n connections from each address; a refused connect counts as closed."""
    socks = []
    for a in addrs:
        for _ in range(n):
            try:
                socks.append(connect(port, a))
            except OSError:
                pass
    return socks


def held(socks):
    """Waits a moment, then returns the sockets the daemon has not closed."""
    time.sleep(1.0)
    alive = []
    for s in socks:
        s.setblocking(False)
        try:
            if s.recv(1) == b"":
                continue
        except BlockingIOError:
            alive.append(s)
            continue
        except OSError:
            continue
    return alive


def trickle(port, path, stage):
    head = ("POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            "Content-Length: 26\r\n" % path).encode()
    body = b"List-Unsubscribe=One-Click"
    s = connect(port, "127.0.0.1")
    start = time.time()
    if stage == "body":
        s.sendall(head + b"\r\n")
        rest = body
    else:
        rest = head + b"\r\n" + body
    s.settimeout(4)
    for b in rest:
        try:
            s.sendall(bytes([b]))
            data = s.recv(4096)
            if data == b"" or data.startswith(b"HTTP/"):
                break
        except socket.timeout:
            continue
        except OSError:
            break
        if time.time() - start > 40:
            break
    return time.time() - start


def keepalive(port, path, n):
    s = connect(port, "127.0.0.1")
    s.settimeout(5)
    ok = 0
    for i in range(n):
        if i:
            time.sleep(6)
        try:
            s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path).encode())
            data = b""
            while b"</html>" not in data:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        except OSError:
            break
        if data.startswith(b"HTTP/1.1 200"):
            ok += 1
    return ok


def accepted(port, pid):
    inodes = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if link.startswith("socket:["):
            inodes.add(link[8:-1])
    n = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            next(f)
            for line in f:
                col = line.split()
                local, state, inode = col[1], col[3], col[9]
                if int(local.rsplit(":", 1)[1], 16) == port and state == "01" and inode in inodes:
                    n += 1
    return n


def main():
    port, case = int(sys.argv[1]), sys.argv[2]
    raise_nofile()
    if case == "idle":
        socks = held(open_conns(port, [sys.argv[4]], int(sys.argv[3])))
        print("held %d" % len(socks), flush=True)
        sys.stdin.read()
    elif case == "spread":
        k, n, a0 = int(sys.argv[3]), int(sys.argv[4]), ipaddress.ip_address(sys.argv[5])
        socks = held(open_conns(port, [str(a0 + i) for i in range(k)], n))
        print("open %d" % len(socks), flush=True)
        sys.stdin.read()
    elif case == "trickle":
        print("closed after %.1f" % trickle(port, sys.argv[3], sys.argv[4]), flush=True)
    elif case == "accepted":
        print(accepted(port, int(sys.argv[3])))
    elif case == "keepalive":
        print("answered %d" % keepalive(port, sys.argv[3], int(sys.argv[4])), flush=True)
    else:
        sys.exit("unknown case " + case)


if __name__ == "__main__":
    main()
