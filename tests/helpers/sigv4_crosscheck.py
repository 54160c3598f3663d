#!/usr/bin/env python3
"""sigv4_crosscheck DRIVER [N [SEED]]: signs N randomized S3 requests with
botocore's S3SigV4Auth and with DRIVER (tests/unit/sigv4_sign.c, one JSON
request a line on stdin), and compares the Authorization values.  Keys hold
spaces, unicode, reserved characters; queries hold the same.  Prints each
mismatch with botocore's canonical request; exits 1 if any."""
import json
import random
import subprocess
import sys
from urllib.parse import quote

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ALPHABET = (
    "abcXYZ019-_.~ !\"#$%&'()*+,/:;<=>?@[\\]^`{|}"
    "é日本語ß€😀\u00a0\u2028"
)


def rand_text(rng, lo, hi):
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(lo, hi)))


def one_request(rng, i):
    bucket = rng.choice(["stage-test", "b", "my.bucket"])
    key = rand_text(rng, 1, 30)
    path = "/" + bucket + "/" + key if rng.random() < 0.7 else "/" + key
    query = []
    for _ in range(rng.randint(0, 4)):
        name = rng.choice(["uploads", "uploadId", "partNumber", "prefix",
                           "max-keys", "list-type", "key-marker",
                           rand_text(rng, 1, 8)])
        query.append([name, rng.choice(["", rand_text(rng, 0, 12),
                                        str(rng.randint(1, 10000))])])
    payload = "%064x" % rng.getrandbits(256)
    date = "2026%02d%02dT%02d%02d%02dZ" % (
        rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23),
        rng.randint(0, 59), rng.randint(0, 59))
    host = rng.choice(["127.0.0.1:9000", "s3.eu-west-3.amazonaws.com",
                       bucket + ".s3.amazonaws.com"])
    headers = [["Host", host], ["x-amz-date", date],
               ["x-amz-content-sha256", payload]]
    if rng.random() < 0.5:
        headers.append(["x-amz-meta-sha256", "%064x" % rng.getrandbits(256)])
    if rng.random() < 0.3:
        headers.append(["Range", "bytes=%d-" % rng.randint(0, 1 << 40)])
    if rng.random() < 0.3:
        headers.append(["Content-MD5", "  1B2M2Y8Asg   TpNENjljvrg==  "])
    if rng.random() < 0.3:
        headers.append(["X-Amz-Security-Token", rand_text(rng, 10, 40)
                        .encode("ascii", "replace").decode()])
    rng.shuffle(headers)
    return {
        "method": rng.choice(["GET", "PUT", "POST", "DELETE", "HEAD"]),
        "path": path, "query": query, "headers": headers,
        "payload": payload, "date": date,
        "access_key": "AK" + str(i), "secret_key": rand_text(rng, 8, 40),
        "region": rng.choice(["us-east-1", "eu-central-1", "auto"]),
    }


def botocore_auth(req):
    url = "https://" + dict((k.lower(), v) for k, v in req["headers"])["host"]
    url += quote(req["path"], safe="/~")
    r = AWSRequest(method=req["method"], url=url,
                   params=[tuple(p) for p in req["query"]])
    for name, value in req["headers"]:
        r.headers[name] = value
    r.context["timestamp"] = req["date"]
    auth = S3SigV4Auth(Credentials(req["access_key"], req["secret_key"]),
                       "s3", req["region"])
    creq = auth.canonical_request(r)
    sig = auth.signature(auth.string_to_sign(r, creq), r)
    auth._inject_signature_to_request(r, sig)
    return r.headers["Authorization"].replace(", ", ","), creq


def main():
    driver = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    reqs = [one_request(rng, i) for i in range(n)]
    inp = "".join(json.dumps(r) + "\n" for r in reqs)
    out = subprocess.run([driver], input=inp.encode(), capture_output=True,
                         check=True).stdout.decode().splitlines()
    bad = 0
    for req, ours in zip(reqs, out):
        theirs, creq = botocore_auth(req)
        if ours != theirs:
            bad += 1
            print("MISMATCH", json.dumps(req), "\n ours  ", ours,
                  "\n theirs", theirs, "\n", creq, sep="")
    if len(out) != n:
        print("driver printed %d lines for %d requests" % (len(out), n))
        bad += 1
    print("%d requests, %d mismatches" % (n, bad))
    return 1 if bad else 0


sys.exit(main())
