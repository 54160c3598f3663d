#!/usr/bin/env python3
"""pgbin_rows.py N SEED: N random CSV rows, in the canonical forms that
stage-copy sends to PostgreSQL in binary (libcommon/dest/pgbin.h), for the
test that binary and text COPY load the same values.  Columns: id, i, d,
b, ts, dt, tm, j, bin, s; about one value in eight is NULL."""
import json
import random
import struct
import sys

n, seed = int(sys.argv[1]), int(sys.argv[2])
rnd = random.Random(seed)
print("id,i,d,b,ts,dt,tm,j,bin,s")


def q(s):
    return '"' + s.replace('"', '""') + '"'


def i64():
    k = rnd.choice([1, 5, 10, 18, 19])
    v = rnd.randrange(10 ** k)
    if k == 19:
        v = rnd.randrange(2 ** 63)
    return str(-v - (k == 19 and rnd.random() < 0.1) if rnd.random() < 0.5 else v)


def f64():
    while True:
        x = struct.unpack("<d", struct.pack("<Q", rnd.getrandbits(64)))[0]
        if x == x and abs(x) != float("inf") and (x == 0 or abs(x) >= 2.2250738585072014e-308):
            break
    if rnd.random() < 0.5:
        x = round(rnd.uniform(-1e6, 1e6), rnd.randrange(0, 8))
    r = repr(x)
    if r.endswith(".0") and rnd.random() < 0.5:
        r = r[:-2]
    return r.replace("e+", rnd.choice(["e+", "e", "E+"]))


def date():
    y = rnd.choice([rnd.randrange(1, 10000), rnd.randrange(1900, 2100)])
    m = rnd.randrange(1, 13)
    mdays = [31, 29 if (y % 4 == 0 and y % 100 != 0) or y % 400 == 0 else 28,
             31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
    return "%04d-%02d-%02d" % (y, m, rnd.randrange(1, mdays + 1))


def clock():
    s = "%02d:%02d:%02d" % (rnd.randrange(24), rnd.randrange(60), rnd.randrange(60))
    if rnd.random() < 0.5:
        s += "." + "".join(rnd.choice("0123456789") for _ in range(rnd.randrange(1, 7)))
    return s


def zone():
    c = rnd.randrange(6)
    if c == 0:
        return ""
    if c == 1:
        return rnd.choice("Zz")
    h, m = rnd.randrange(16), rnd.choice([0, 30, 45, rnd.randrange(60)])
    sign = rnd.choice("+-")
    return rnd.choice(["%s%02d" % (sign, h), "%s%02d%02d" % (sign, h, m),
                       "%s%02d:%02d" % (sign, h, m)])


def ts():
    d = date()
    if rnd.random() < 0.1:
        return d
    return d + rnd.choice("Tt ") + clock() + zone()


def text():
    alphabet = 'ab ,"\n\r\t\\é漢字😀\'x;'
    return "".join(rnd.choice(alphabet) for _ in range(rnd.randrange(0, 12)))


def js():
    v = rnd.choice([{"a": rnd.randrange(100)}, [1, "x", None], "s\u00e9",
                    rnd.random(), None, True, {"k": text()}])
    return json.dumps(v, ensure_ascii=rnd.random() < 0.5)


def hexbytes():
    h = "".join("%02x" % rnd.randrange(256) for _ in range(rnd.randrange(0, 8)))
    return "\\x" + (h.upper() if rnd.random() < 0.3 else h)


gens = [i64, f64, lambda: rnd.choice(["true", "false", "t", "f", "1", "0"]),
        ts, date, clock, js, hexbytes, text]
for row in range(1, n + 1):
    out = [str(row)]
    for g in gens:
        if rnd.random() < 0.125:
            out.append("")
        else:
            v = g()
            out.append(q(v) if v == "" or any(c in v for c in ',"\n\r') else v)
    sys.stdout.write(",".join(out) + "\n")
