#!/usr/bin/python3
"""rusage.py - runs a command and says what it cost.

usage: rusage.py OUT COMMAND [ARGS...]
Runs COMMAND (stdin, stdout and stderr inherited), then writes to OUT one
line "exit=N maxrss_kb=K cpu=S": its exit status (128+signal when killed),
the peak resident set size of it and of every child it waited for, and the
CPU seconds (user + system) of both. Exits with COMMAND's status.
"""
import os
import sys


def main():
    out, argv = sys.argv[1], sys.argv[2:]
    pid = os.fork()
    if pid == 0:
        try:
            os.execv(argv[0], argv)
        finally:
            os._exit(127)
    _, status, ru = os.wait4(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    code = 128 - code if code < 0 else code
    with open(out, "w") as f:
        f.write("exit=%d maxrss_kb=%d cpu=%.2f\n" % (code, ru.ru_maxrss, ru.ru_utime + ru.ru_stime))
    sys.exit(code)


if __name__ == "__main__":
    main()
