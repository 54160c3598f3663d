#!/usr/bin/env python3
"""azsign_crosscheck DRIVER [N [SEED]]: signs N randomized Blob requests
with azure-storage-blob's SharedKeyCredentialPolicy and with DRIVER
(tests/unit/azsign_sign.c, one JSON request a line on stdin), and compares
the Authorization values.  Blob names hold spaces, unicode and reserved
characters; query values the same; x-ms-meta-* names vary in hyphens.
Range is left out: the SDK sends x-ms-range and never signs Range.
Prints each mismatch with the SDK's string to sign; exits 1 if any."""
import base64
import json
import random
import subprocess
import sys
from urllib.parse import quote

from azure.core.pipeline import PipelineContext, PipelineRequest
from azure.core.pipeline.transport import HttpRequest
from azure.storage.blob._shared.authentication import \
    SharedKeyCredentialPolicy

ALPHABET = (
    "abcXYZ019-_.~ !\"#$%&'()*+,/:;<=>?@[\\]^`{|}"
    "é日本語ß€😀"
)
NAMECHARS = "abcdefghijklmnopqrstuvwxyz0123456789-"


def rand_text(rng, lo, hi, alphabet=ALPHABET):
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(lo, hi)))


def one_request(rng):
    account = rng.choice(["devstoreaccount1", "myaccount", "a1"])
    path = "/" + rng.choice(["stage", "c-1"])
    if rng.random() < 0.5:
        path = "/" + account + path
    if rng.random() < 0.8:
        path += "/" + rand_text(rng, 1, 30)
    names = rng.sample(["comp", "blockid", "restype", "prefix",
                        "maxresults", "timeout"], rng.randint(0, 4))
    query = [[n, rand_text(rng, 0, 12)] for n in names]
    headers = [["x-ms-date", "Sat, 05 Dec 2026 09:%02d:00 GMT" %
                rng.randint(0, 59)],
               ["x-ms-version", "2021-08-06"]]
    seen = set()
    for _ in range(rng.randint(0, 4)):
        n = "x-ms-meta-" + rand_text(rng, 1, 8, NAMECHARS).strip("-")
        if n.endswith("-") or n.replace("-", "") in seen:
            continue
        seen.add(n.replace("-", ""))
        headers.append([n, rand_text(rng, 1, 10, NAMECHARS + "ABC:/ ")
                        .strip() or "v"])
    for n in ["Content-MD5", "Content-Type", "Content-Encoding",
              "If-Match", "x-ms-blob-type"]:
        if rng.random() < 0.3:
            headers.append([n, rand_text(rng, 1, 10, NAMECHARS).strip("-")
                            or "v"])
    rng.shuffle(headers)
    key = base64.b64encode(bytes(rng.randrange(256)
                                 for _ in range(64))).decode()
    return {"method": rng.choice(["GET", "PUT", "HEAD", "DELETE"]),
            "path": path, "query": query, "headers": headers,
            "length": rng.choice([0, 0, 1, 11, 5 << 20]),
            "account": account, "key": key}


def sdk_sign(r):
    url = "http://127.0.0.1:10000" + quote(r["path"], safe="/")
    if r["query"]:
        url += "?" + "&".join(quote(n, safe="") + "=" + quote(v, safe="")
                              for n, v in r["query"])
    h = HttpRequest(r["method"], url)
    for n, v in r["headers"]:
        h.headers[n] = v
    if r["length"]:
        h.headers["Content-Length"] = str(r["length"])
    pol = SharedKeyCredentialPolicy(r["account"], r["key"])
    req = PipelineRequest(h, PipelineContext(None))
    captured = {}
    orig = pol._add_authorization_header

    def grab(request, sts):
        captured["sts"] = sts
        orig(request, sts)
    pol._add_authorization_header = grab
    pol.on_request(req)
    return h.headers["Authorization"], captured["sts"]


def main():
    driver = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    reqs = [one_request(rng) for _ in range(n)]
    out = subprocess.run([driver], input="".join(json.dumps(r) + "\n"
                                                 for r in reqs),
                         capture_output=True, text=True, check=True)
    got = out.stdout.splitlines()
    bad = 0
    for r, g in zip(reqs, got):
        want, sts = sdk_sign(r)
        if want != g:
            bad += 1
            print("MISMATCH", json.dumps(r), "\n  sdk:", want, "\n  ours:",
                  g, "\n  sdk string to sign:", repr(sts))
    if len(got) != n:
        print("driver answered %d of %d" % (len(got), n))
        bad += 1
    print("%d of %d requests signed alike" % (n - bad, n))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
