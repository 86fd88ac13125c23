#!/usr/bin/python3
"""policy_flood.py - continuous policy load, one connection per pool, for a fixed time.

usage: policy_flood.py PORT SECONDS POOL...

For each POOL a thread sends RCPT requests from n@<POOL>.example back to back
on one persistent connection (a new connection after a closed one) until
SECONDS have passed, or until the file named by $FLOOD_STOP exists. Prints one
line per answer: "<pool> <seconds since start, 3 decimals> <latency ms> <kind>",
kind being filter, rate (DEFER 4.7.1), unavailable (DEFER 4.3.0) or
other:<action>. Exit 0.
"""
import os
import socket
import sys
import threading
import time

PORT, SECONDS, POOLS = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3:]
STOP = os.environ.get("FLOOD_STOP", "")
T0 = time.monotonic()
LOCK = threading.Lock()
OUT = []


def kind(reply, pool):
    """Names a reply."""
    if reply.startswith("action=FILTER bg-%s-" % pool):
        return "filter"
    if reply.startswith("action=DEFER_IF_PERMIT 4.7.1 Rate limit for pool %s " % pool):
        return "rate"
    if reply == "action=DEFER_IF_PERMIT 4.3.0 Policy unavailable, try again later":
        return "unavailable"
    return "other:" + reply.replace(" ", "_")


def flood(pool):
    """Sends requests for pool until the time is up."""
    sock, buf, i = None, b"", 0
    while time.monotonic() - T0 < SECONDS and not (STOP and os.path.exists(STOP)):
        i += 1
        req = ("request=smtpd_access_policy\nprotocol_state=RCPT\nsender=n@%s.example\n"
               "recipient=r%d@example.com\ninstance=%d\n\n" % (pool, i, i)).encode()
        start = time.monotonic()
        try:
            if sock is None:
                sock, buf = socket.create_connection(("127.0.0.1", PORT), timeout=5), b""
            sock.sendall(req)
            while b"\n\n" not in buf:
                data = sock.recv(65536)
                if not data:
                    raise OSError("closed")
                buf += data
            reply, buf = buf.split(b"\n\n", 1)
            k = kind(reply.decode(errors="replace").strip(), pool)
        except OSError as e:
            k = "other:" + str(e).replace(" ", "_")
            if sock is not None:
                sock.close()
            sock = None
            time.sleep(0.01)
        end = time.monotonic()
        with LOCK:
            OUT.append("%s %.3f %.1f %s" % (pool, end - T0, (end - start) * 1000, k))
    if sock is not None:
        sock.close()


threads = [threading.Thread(target=flood, args=(p,)) for p in POOLS]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("\n".join(OUT))
