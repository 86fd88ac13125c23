#!/usr/bin/python3
"""dkim_verify.py MESSAGE RECORDS - verifies every DKIM-Signature of MESSAGE offline.

RECORDS holds one DNS TXT record a line: "<selector>._domainkey.<domain> <text>".
Uses python3-dkim (Debian's package; run it with /usr/bin/python3), an
implementation independent of libopendkim, with a dnsfunc that answers from
RECORDS only. Prints one line per signature, top to bottom:
"<index> ok|fail d=<d> s=<s> a=<a>", and exits 0 when there is at least one
signature and every one verifies.
"""
import sys

import dkim


def load_records(path):
    records = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                name, text = line.split(" ", 1)
                records[name.lower().rstrip(".") + "."] = text.encode()
    return records


def tag(sig, name):
    for part in sig.split(b";"):
        k, _, v = part.strip().partition(b"=")
        if k == name:
            return b"".join(v.split()).decode()
    return "?"


def main():
    message = open(sys.argv[1], "rb").read()
    records = load_records(sys.argv[2])

    def dnsfunc(name, timeout=5):
        key = name.decode() if isinstance(name, bytes) else name
        return records.get(key.lower().rstrip(".") + ".")

    d = dkim.DKIM(message)
    sigs = [v for k, v in d.headers if k.lower() == b"dkim-signature"]
    ok = len(sigs) > 0
    for i, sig in enumerate(sigs):
        try:
            good = dkim.DKIM(message).verify(idx=i, dnsfunc=dnsfunc)
        except dkim.DKIMException as e:  # e.g. "body hash mismatch": a failed signature
            print("# %d: %s" % (i, e))
            good = False
        ok = ok and good
        print("%d %s d=%s s=%s a=%s" % (i, "ok" if good else "fail", tag(sig, b"d"), tag(sig, b"s"), tag(sig, b"a")))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
