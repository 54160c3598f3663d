#!/usr/bin/env python3
"""parquet_peer: independent Parquet writers for tests/parquet-read*.bats.

  parquet_peer.py hostile N > records.ndjson
      the hostile records (unicode, empty vs null, extreme ints and
      doubles, timestamps before 1970 and after 2100, long strings, an
      all-null column), N rows, as stage-copy's JSONL path takes them
  parquet_peer.py write RECORDS COLUMNS OUT [--writer pyarrow|duckdb]
      [--codec C] [--no-dict] [--page-v2] [--rg ROWS] [--page-size B]
      [--checksum]
      writes RECORDS (NDJSON) as Parquet with the types the manifest
      COLUMNS ('[["id","bigint"],...]') name, by pyarrow or by DuckDB
      (COPY ... TO ... (FORMAT parquet)) from the same Arrow table.
"""
import argparse
import datetime as dt
import decimal
import json
import sys

import pyarrow as pa
import pyarrow.parquet as pq

UTC = dt.timezone.utc


def ts(s):
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00"))


def arrow_type(t, values):
    if t == "decimal":
        scale = max((len(v.split(".")[1]) if "." in v else 0
                     for v in values if v is not None), default=0)
        return pa.decimal128(38, scale)
    return {
        "bigint": pa.int64(), "double": pa.float64(), "bool": pa.bool_(),
        "text": pa.string(), "json": pa.string(), "binary": pa.binary(),
        "timestamp": pa.timestamp("us", tz="UTC"), "date": pa.date32(),
        "time": pa.time64("us"),
    }[t]


def convert(t, v):
    if v is None:
        return None
    if t == "timestamp":
        return ts(v)
    if t == "date":
        return dt.date.fromisoformat(v)
    if t == "time":
        return dt.time.fromisoformat(v)
    if t == "decimal":
        return decimal.Decimal(str(v))
    if t == "binary":
        return bytes.fromhex(v[2:])
    if t == "json":
        return json.dumps(v, separators=(",", ":"), ensure_ascii=False)
    return v


def table(records, cols):
    arrays = []
    for name, t in cols:
        raw = [r.get(name) for r in records]
        if t == "decimal":
            raw = [None if v is None else str(v) for v in raw]
        arrays.append(pa.array([convert(t, v) for v in raw],
                               arrow_type(t, raw)))
    return pa.table(arrays, names=[c[0] for c in cols])


def hostile(n):
    texts = ["plain", "", None, "zß水🦀 ünïcödé", 'q"uo,te\nnew\r\nline',
             "x" * 100000, " lead and trail ", "\\x not binary"]
    doubles = [1.5, -0.0, 1.7976931348623157e308, -1.7976931348623157e308,
               2.2250738585072014e-308, 0.1, None, 123456789.123456789]
    ints = [0, 9223372036854775807, -9223372036854775808, None, 1, -1,
            4294967296, 42]
    stamps = ["1969-07-20T20:17:40.123456Z", "2150-01-01T00:00:00Z",
              "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z",
              None, "1970-01-01T00:00:00Z", "2100-02-28T12:00:00.5Z",
              "1900-03-01T00:00:00.000001Z"]
    dates = ["1900-01-01", "2400-02-29", None, "0001-01-01",
             "9999-12-31", "1970-01-01", "1969-12-31", "2150-06-30"]
    times = ["00:00:00", "23:59:59.999999", None, "12:34:56.5",
             "01:02:03", "00:00:00.000001", "18:00:00", "09:30:00"]
    decs = ["12345678901234567890.12", "-0.01", "0.00", None,
            "-99999999999999999999999999999999999.99", "1.50", "7.00",
            "-3.14"]
    bins = ["\\x00ff", "\\x", None, "\\x" + "ab" * 3000, "\\x0a0d22",
            "\\x7f", "\\xdeadbeef", "\\x00"]
    jsons = [{"a": [1, 2, {"b": None}]}, [], None, "str", 12.5,
             {"u": "水"}, True, {}]
    for i in range(n):
        k = i % 8
        r = {"id": i + 1, "n": ints[k], "s": texts[k], "f": doubles[k],
             "b": [True, False, None][i % 3], "ts": stamps[k],
             "d": dates[k], "tm": times[k], "dec": decs[k],
             "bin": bins[k], "nul": None}
        if jsons[k] is not None:
            r["j"] = jsons[k]
        print(json.dumps(r, ensure_ascii=False, separators=(",", ":")))


def write(a):
    with open(a.records, encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    cols = json.loads(a.columns)
    t = table(records, cols)
    codec = a.codec
    if a.writer == "pyarrow":
        pq.write_table(t, a.out, compression=codec,
                       use_dictionary=not a.no_dict,
                       data_page_version="2.0" if a.page_v2 else "1.0",
                       row_group_size=a.rg or None,
                       data_page_size=a.page_size or None,
                       write_page_checksum=a.checksum)
        return
    import duckdb
    con = duckdb.connect()
    con.execute("SET threads=1")
    con.register("t", t)
    opts = ["FORMAT parquet", "COMPRESSION %s" % (
        "uncompressed" if codec == "none" else codec)]
    if a.rg:
        opts.append("ROW_GROUP_SIZE %d" % a.rg)
    if a.page_v2:
        opts.append("PARQUET_VERSION V2")
    con.execute("COPY (SELECT * FROM t) TO '%s' (%s)" %
                (a.out.replace("'", "''"), ", ".join(opts)))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    h = sub.add_parser("hostile")
    h.add_argument("n", type=int)
    w = sub.add_parser("write")
    w.add_argument("records")
    w.add_argument("columns")
    w.add_argument("out")
    w.add_argument("--writer", default="pyarrow")
    w.add_argument("--codec", default="snappy")
    w.add_argument("--no-dict", action="store_true")
    w.add_argument("--page-v2", action="store_true")
    w.add_argument("--rg", type=int, default=0)
    w.add_argument("--page-size", type=int, default=0)
    w.add_argument("--checksum", action="store_true")
    a = p.parse_args()
    if a.cmd == "hostile":
        hostile(a.n)
    else:
        write(a)


if __name__ == "__main__":
    sys.exit(main())
