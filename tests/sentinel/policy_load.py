#!/usr/bin/python3
"""policy_load.py - continuous policy requests through a failover, every answer recorded.

usage: policy_load.py PORT STOPFILE OUT

One persistent connection (as one smtpd process keeps one). In turn: a
request from pool "big" (a rate too high to refuse: every answer is an
accept or a temporary refusal, and each accept is one charge), and, every
50 ms, one from pool "tight" (a low rate the test reaches). Until STOPFILE
exists. Writes to OUT one line per answer: "<unix time> <pool> <kind>",
kind being accept (action=FILTER), rate (DEFER_IF_PERMIT 4.7.1 Rate limit),
unavailable (DEFER_IF_PERMIT 4.3.0 Policy unavailable) or other:<text>.
"""
import os
import socket
import sys
import time

REQ = ("request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\n"
       "client_address=192.0.2.1\nclient_name=app.example\nhelo_name=app.example\n"
       "sasl_method=\nsasl_username=\nsender=news@{pool}.example\nrecipient=r{n}@example.net\n"
       "queue_id=\ninstance={n}.1\nsize=0\n\n")


def kind(reply):
    """Names an answer."""
    if reply.startswith("action=FILTER"):
        return "accept"
    if reply.startswith("action=DEFER_IF_PERMIT 4.7.1 Rate limit"):
        return "rate"
    if reply.startswith("action=DEFER_IF_PERMIT 4.3.0 Policy unavailable"):
        return "unavailable"
    return "other:" + reply.replace(" ", "_")


def ask(sock, buf, pool, n):
    """Sends one request and reads its answer; returns (answer, rest of buffer)."""
    sock.sendall(REQ.format(pool=pool, n=n).encode())
    while b"\n\n" not in buf:
        data = sock.recv(65536)
        if not data:
            raise ConnectionError("policyd closed the connection")
        buf += data
    reply, rest = buf.split(b"\n\n", 1)
    return reply.decode(errors="replace"), rest


def main():
    port, stop, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    buf, n, next_tight = b"", 0, 0.0
    with open(out, "w") as f:
        while not os.path.exists(stop):
            n += 1
            now = time.time()
            pool = "tight" if now >= next_tight else "big"
            if pool == "tight":
                next_tight = now + 0.05
            reply, buf = ask(sock, buf, pool, n)
            f.write("%.3f %s %s\n" % (time.time(), pool, kind(reply)))
            time.sleep(0.002)


main()
