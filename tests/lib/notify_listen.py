#!/usr/bin/python3
"""notify_listen.py SOCKET LOG - stands in for systemd's $NOTIFY_SOCKET.

Binds a unix datagram socket at SOCKET and appends each notification it
receives to LOG as one line, its assignments joined by " | " (the protocol of
sd_notify(3)). Runs until killed; at most 60 s, so a forgotten one stops.
"""
import os
import socket
import sys
import time

path, log = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
s.settimeout(0.5)
end = time.monotonic() + 60
with open(log, "a", buffering=1) as out:
    while time.monotonic() < end:
        try:
            data = s.recv(4096)
        except socket.timeout:
            continue
        out.write(" | ".join(data.decode("utf-8", "replace").split("\n")) + "\n")
