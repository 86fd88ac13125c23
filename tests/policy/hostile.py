#!/usr/bin/python3
"""hostile.py - input no Postfix sends; the daemon must drop that connection only.

usage: hostile.py PORT CASE [N | PID MB]
  longline   a 1 MB line: the connection is closed, no reply
  attrs      100,000 attributes: closed, no reply
  nul        a NUL byte inside a request: closed, no reply
  half       half a request, then hang up
  pipeline   five RCPT requests of acme in one write (not what Postfix does):
             answered in order, three FILTERs (IPs 1, 2, 1) then two deferrals (3/m)
  idle N     N idle connections held open while a normal request is answered,
             on a new connection and on one of the idle ones
  flood PID MB  MB MiB of pipelined requests on one connection that reads no
             reply: the daemon (process PID) stops reading it, its peak RSS
             grows by less than MB_RSS_MAX MB meanwhile, another client is
             served, and once the replies are read every request is answered
Every case ends with a normal request on a fresh connection, which must be
answered. Prints what happened; exit 0 when it is what the contract says.
"""
import resource
import socket
import sys
import threading
import time

NORMAL = b"request=smtpd_access_policy\nprotocol_state=RCPT\nsender=a@unknown.example\nrecipient=b@example.com\n\n"


def connect(port):
    return socket.create_connection(("127.0.0.1", port), timeout=10)


def ask(sock, data):
    """Sends data; returns the reply up to the blank line, or None if the connection closed."""
    try:
        sock.sendall(data)
    except OSError:
        pass
    buf = b""
    try:
        while b"\n\n" not in buf:
            chunk = sock.recv(65536)
            if not chunk:
                return None
            buf += chunk
    except OSError:
        return None
    return buf.split(b"\n\n")[0].decode(errors="replace")


def closed_without_reply(port, data):
    s = connect(port)
    reply = ask(s, data)
    s.close()
    print("reply to hostile input:", reply)
    return reply is None


def pipeline(port):
    req = NORMAL.replace(b"a@unknown.example", b"news@acme.example")
    s = connect(port)
    s.sendall(req * 5)
    buf = b""
    while buf.count(b"\n\n") < 5:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    replies = [r.decode() for r in buf.split(b"\n\n") if r]
    print("pipelined replies:", replies)
    want = ["action=FILTER bg-shared-a-%d:" % i for i in (1, 2, 1)]
    return replies[:3] == want and len(replies) == 5 and all(
        r.startswith("action=DEFER_IF_PERMIT 4.7.1 Rate limit for pool shared-a") for r in replies[3:])


def idle(port, n):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    conns = [connect(port) for _ in range(n)]
    fresh = ask(connect(port), NORMAL)
    old = ask(conns[n // 2], NORMAL)
    print("with %d idle connections: new %s, idle one %s" % (n, fresh, old))
    for c in conns:
        c.close()
    return fresh == "action=DUNNO" and old == "action=DUNNO"


MB_RSS_MAX = 48  # peak RSS growth allowed during a flood (the fix holds it near 1 MB of replies)
RESUMED_MB = 24  # replies read after the stall: far more than 1 MB plus what the kernel buffers


def status_kb(pid, field):
    """Returns a field of /proc/PID/status in kB (VmRSS, VmHWM)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def flood(port, pid, mib):
    """Blank requests (each answered DUNNO, 14 bytes of reply for 1 byte sent) from a client that does not read."""
    chunk, n = b"\n" * 65536, mib << 4
    rss0 = status_kb(pid, "VmRSS")
    s = connect(port)
    s.settimeout(None)
    sent = [0]

    def send():
        try:
            for _ in range(n):
                s.sendall(chunk)
                sent[0] += 1
        except OSError:
            pass

    t = threading.Thread(target=send, daemon=True)
    t.start()
    last, still = -1, 0
    while t.is_alive() and still < 10:  # one second without progress: the daemon stopped reading
        time.sleep(0.1)
        still = still + 1 if sent[0] == last else 0
        last = sent[0]
    stalled = t.is_alive()
    growth = (status_kb(pid, "VmHWM") - rss0) // 1024
    other = ask(connect(port), NORMAL)
    print("flood: %d of %d KiB sent, sender stalled: %s, peak RSS grew %d MB, another client: %s" %
          (sent[0] * 64, n * 64, stalled, growth, other))
    s.settimeout(10)
    got = 0
    try:
        while got < (RESUMED_MB << 20):
            data = s.recv(1 << 20)
            if not data:
                break
            got += len(data)
    except OSError:
        pass
    s.close()
    print("flood: %d MB of replies read afterwards (the daemon read on once they drained)" % (got >> 20))
    return stalled and growth < MB_RSS_MAX and other == "action=DUNNO" and got >= (RESUMED_MB << 20)


def main():
    port, case = int(sys.argv[1]), sys.argv[2]
    if case == "longline":
        ok = closed_without_reply(port, b"request=" + b"x" * (1 << 20) + b"\n\n")
    elif case == "attrs":
        ok = closed_without_reply(port, b"".join(b"a%d=b\n" % i for i in range(100000)) + b"\n")
    elif case == "nul":
        ok = closed_without_reply(port, NORMAL[:30] + b"\0" + NORMAL[30:])
    elif case == "half":
        s = connect(port)
        s.sendall(NORMAL[:40])
        s.close()
        ok = True
    elif case == "pipeline":
        ok = pipeline(port)
    elif case == "idle":
        ok = idle(port, int(sys.argv[3]))
    elif case == "flood":
        ok = flood(port, int(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.exit("unknown case " + case)
    after = ask(connect(port), NORMAL)
    print("a normal request afterwards:", after)
    sys.exit(0 if ok and after == "action=DUNNO" else 1)


if __name__ == "__main__":
    main()
