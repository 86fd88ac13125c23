#!/usr/bin/python3
"""smtp_send.py - submit one message over SMTP and print each reply (tests only).

Usage:
  smtp_send.py --port P --from ADDR --rcpt A [--rcpt B ...] [--subject S]
               [--header 'Name: value' ...] [--body-file F] [--host H]
               [--helo NAME] [--smtputf8] [--timeout SECONDS] [--source ADDR]
               [--omit NAME ...]

Prints one line per SMTP step, as the server answered:
  MAIL <code> <text>
  RCPT <addr> <code> <text>        (text starts with the enhanced status code)
  DATA <code> <text>               (only when at least one recipient was accepted)
A multi-line reply is joined with spaces. A refusal is not an error: the exit
status is 0 whatever the server says. When the server refuses the session or
drops the connection, the step it was at is printed with code 000 (or the
greeting as "CONNECT <code> <text>") and nothing more is sent. Exit 2 means bad
usage.

Addresses and header values are sent as raw bytes (exactly as given on the
command line), so 8-bit and malformed addresses reach the server unchanged.
"--from ''" sends the null sender "MAIL FROM:<>". An address already written
with angle brackets is sent as it is; otherwise it is put between them.
"""

import argparse
import email.utils
import os
import smtplib
import sys


class Dropped(Exception):
    """The server closed the connection or the socket failed."""


def emit(*parts):
    """Writes one output line made of byte or str parts, separated by spaces."""
    out = b" ".join(p if isinstance(p, bytes) else str(p).encode() for p in parts)
    sys.stdout.buffer.write(out + b"\n")
    sys.stdout.buffer.flush()


def raw(arg):
    """Returns a command-line argument as the bytes the caller typed."""
    return os.fsencode(arg)


def bracket(addr):
    """Returns an address in angle brackets unless it already starts with one."""
    return addr if addr.startswith(b"<") else b"<" + addr + b">"


def command(smtp, line):
    """Sends one command line; returns (code, text) or raises Dropped."""
    try:
        smtp.send(line + b"\r\n")
        code, text = smtp.getreply()
    except (smtplib.SMTPServerDisconnected, OSError) as e:
        raise Dropped(str(e)) from None
    return code, b" ".join(text.splitlines())


def header_names(headers):
    """Returns the lower-cased names of the headers given with --header."""
    return {h.split(b":", 1)[0].strip().lower() for h in headers}


def build_message(args):
    """Returns the message as CRLF-terminated, dot-stuffed bytes ending with the final dot."""
    given = [raw(h) for h in args.header]
    names = header_names(given)
    defaults = [
        (b"from", b"From: " + (raw(args.sender) or b"<>")),
        (b"to", b"To: " + b", ".join(raw(r) for r in args.rcpt)),
        (b"subject", b"Subject: " + raw(args.subject)),
        (b"date", b"Date: " + email.utils.formatdate(localtime=True).encode()),
        (b"message-id", b"Message-ID: " + email.utils.make_msgid(domain="bulkguard.test").encode()),
        (b"mime-version", b"MIME-Version: 1.0"),
        (b"content-type", b"Content-Type: text/plain; charset=utf-8"),
    ]
    omitted = {o.lower().encode() for o in args.omit}
    head = [line for name, line in defaults if name not in names and name not in omitted] + given
    if args.body_file:
        with open(args.body_file, "rb") as f:
            body = f.read()
    else:
        body = b"This is a bulkguard test message.\n"
    lines = b"\n".join(head).splitlines() + [b""] + body.replace(b"\r\n", b"\n").splitlines()
    stuffed = [b"." + l if l.startswith(b".") else l for l in lines]
    return b"\r\n".join(stuffed) + b"\r\n.\r\n"


def open_session(args):
    """Connects and says EHLO (HELO as fallback); returns the session or None after printing why not."""
    smtp = smtplib.SMTP(timeout=args.timeout, source_address=(args.source, 0) if args.source else None)
    try:
        code, text = smtp.connect(args.host, args.port)
    except (smtplib.SMTPServerDisconnected, OSError) as e:
        emit("CONNECT", "000", "connection failed:", str(e))
        return None
    if code != 220:
        emit("CONNECT", code, b" ".join(text.splitlines()))
        return None
    try:
        code, text = command(smtp, b"EHLO " + args.helo.encode())
        if code != 250:
            code, text = command(smtp, b"HELO " + args.helo.encode())
    except Dropped as e:
        emit("EHLO", "000", "connection lost:", str(e))
        return None
    if code != 250:
        emit("EHLO", code, text)
        return None
    return smtp


def send_data(smtp, message):
    """Sends DATA and the message; returns the final (code, text)."""
    code, text = command(smtp, b"DATA")
    if code != 354:
        return code, text
    try:
        smtp.send(message)
        code, text = smtp.getreply()
    except (smtplib.SMTPServerDisconnected, OSError) as e:
        raise Dropped(str(e)) from None
    return code, b" ".join(text.splitlines())


def transaction(smtp, args):
    """Runs MAIL, RCPT for each recipient and DATA, printing one line per step."""
    param = b" SMTPUTF8" if args.smtputf8 else b""
    step = ["MAIL"]
    try:
        code, text = command(smtp, b"MAIL FROM:" + bracket(raw(args.sender)) + param)
        emit("MAIL", code, text)
        if code // 100 != 2:
            return
        accepted = 0
        for rcpt in args.rcpt:
            step = ["RCPT", raw(rcpt)]
            code, text = command(smtp, b"RCPT TO:" + bracket(raw(rcpt)))
            emit("RCPT", raw(rcpt), code, text)
            accepted += code // 100 == 2
        if accepted:
            step = ["DATA"]
            emit("DATA", *send_data(smtp, build_message(args)))
    except Dropped as e:
        emit(*step, "000", "connection lost:", str(e))
        return
    try:
        command(smtp, b"QUIT")
    except Dropped:
        pass


def parse_args():
    """Returns the parsed command line."""
    p = argparse.ArgumentParser(description="Submit one message and print each SMTP reply.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--from", dest="sender", required=True, help="envelope sender ('' for <>)")
    p.add_argument("--rcpt", action="append", required=True, help="envelope recipient (repeat)")
    p.add_argument("--subject", default="bulkguard test")
    p.add_argument("--header", action="append", default=[], help="'Name: value' (repeat)")
    p.add_argument("--body-file", help="message body (LF or CRLF lines)")
    p.add_argument("--omit", action="append", default=[], help="a default header left out, e.g. Date (repeat)")
    p.add_argument("--helo", default="client.bulkguard.test")
    p.add_argument("--smtputf8", action="store_true", help="add SMTPUTF8 to MAIL FROM")
    p.add_argument("--timeout", type=float, default=60)
    p.add_argument("--source", help="connect from this local address (e.g. 127.0.0.9, outside mynetworks)")
    return p.parse_args()


def main():
    """Submits the message; the exit status is 0 whatever the server answered."""
    args = parse_args()
    smtp = open_session(args)
    if smtp is not None:
        transaction(smtp, args)
        smtp.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
