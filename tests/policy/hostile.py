#!/usr/bin/python3
"""hostile.py - input no Postfix sends; the daemon must drop that connection only.

usage: hostile.py PORT CASE [N]
  longline   a 1 MB line: the connection is closed, no reply
  attrs      100,000 attributes: closed, no reply
  nul        a NUL byte inside a request: closed, no reply
  half       half a request, then hang up
  pipeline   five RCPT requests of acme in one write (not what Postfix does):
             answered in order, three FILTERs (IPs 1, 2, 1) then two deferrals (3/m)
  idle N     N idle connections held open while a normal request is answered,
             on a new connection and on one of the idle ones
Every case ends with a normal request on a fresh connection, which must be
answered. Prints what happened; exit 0 when it is what the contract says.
"""
import resource
import socket
import sys

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
    else:
        sys.exit("unknown case " + case)
    after = ask(connect(port), NORMAL)
    print("a normal request afterwards:", after)
    sys.exit(0 if ok and after == "action=DUNNO" else 1)


if __name__ == "__main__":
    main()
