"""parquet_check MANIFEST INPUT [TABLE]: every Parquet file a stage-write
manifest names, read back by pyarrow and by DuckDB (independent readers),
must hold exactly the input's records, in order: every value, null and
type, by the rules of stage-write(1) (timestamps in UTC microseconds,
decimal(38, 9), json as its JSON text, binary \\x hex as bytes).  Prints
'ok N rows in F files'; exits 1 with the first difference.

parquet_check --csv CSV_MANIFEST PARQUET_MANIFEST: the Parquet files hold
the same rows as the CSV files stage-write wrote of the same records (for
nested records, whose flattening this script does not redo), CSV read by
a parser of its own that tells NULL (empty) from '' (quoted)."""
import datetime as dt
import decimal
import json
import math
import sys

import duckdb
import pyarrow.parquet as pq

D = decimal.Decimal
decimal.getcontext().prec = 100


def load(path, table=None):
    recs = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            if not line.strip():
                continue
            r = json.loads(line, parse_float=D)
            recs.append(r)
    return recs


def raw(v):
    if isinstance(v, D):
        return str(v)
    return json.dumps(v, separators=(',', ':'), ensure_ascii=False,
                      default=str)


def utc(s):
    t = dt.datetime.fromisoformat(s.replace('z', 'Z'))
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    return t.astimezone(dt.timezone.utc)


def expect(v, typ):
    if v is None:
        return None
    if typ == 'bigint':
        return int(v)
    if typ == 'double':
        return float(v)
    if typ == 'bool':
        return v if isinstance(v, bool) else v == 'true'
    if typ == 'decimal':
        return D(str(v)).quantize(D('1e-9'))
    if typ == 'timestamp':
        return utc(v)
    if typ == 'date':
        return dt.date.fromisoformat(v)
    if typ == 'time':
        return dt.time.fromisoformat(v[:15].rstrip('Zz'))
    if typ == 'json':
        return v
    if typ == 'binary':
        if v.startswith('\\x') and len(v) % 2 == 0:
            try:
                return bytes.fromhex(v[2:])
            except ValueError:
                pass
        return v.encode()
    # text
    return v if isinstance(v, str) else raw(v)


def same(a, e, typ):
    if e is None or a is None:
        return a is None and e is None
    if typ == 'json':
        if not isinstance(a, str):
            a = json.dumps(a)
        return json.loads(a, parse_float=D) == e
    if typ == 'double' or isinstance(a, float):
        a = float(a)
        return a == e and math.copysign(1, a) == math.copysign(1, e) \
            or (a != a and e != e)
    if typ == 'timestamp':
        if a.tzinfo is None:
            a = a.replace(tzinfo=dt.timezone.utc)
        return a == e
    if typ == 'binary' and isinstance(a, (bytearray, memoryview)):
        a = bytes(a)
    return a == e


def duck_rows(path):
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con.execute("SELECT * FROM read_parquet(?)", [path]).fetchall()


def csv_records(text):
    """RFC 4180 rows; an unquoted empty field is None."""
    rows, row, i, n = [], [], 0, len(text)
    while i < n:
        if text[i] == '"':
            j, val = i + 1, []
            while True:
                k = text.index('"', j)
                val.append(text[j:k])
                if k + 1 < n and text[k + 1] == '"':
                    val.append('"')
                    j = k + 2
                else:
                    i = k + 1
                    break
            row.append(''.join(val))
        else:
            j = i
            while j < n and text[j] not in ',\n':
                j += 1
            row.append(text[i:j] if j > i else None)
            i = j
        if i < n and text[i] == ',':
            i += 1
            if i == n or text[i] == '\n':
                row.append(None)
        if i < n and text[i] == '\n':
            rows.append(row)
            row = []
            i += 1
    if row:
        rows.append(row)
    return rows


def from_csv(v, typ):
    if v is None:
        return None
    if typ == 'bigint':
        return int(v)
    if typ == 'double':
        return float(v)
    if typ == 'bool':
        return v == 'true'
    if typ in ('json',):
        return json.loads(v, parse_float=D)
    return expect(v, typ)


def compare_csv(cm, pm):
    def lines(m):
        return [json.loads(l) for l in open(m) if l.strip() and
                'file' in json.loads(l)]
    crow, prow = [], []
    for f in lines(cm):
        rs = csv_records(open(f['file'], encoding='utf-8').read())
        names = rs[0]
        types = {c['name']: c['type'] for c in f['columns']}
        for r in rs[1:]:
            crow.append({k: from_csv(v, types[k]) for k, v in zip(names, r)})
    types = {}
    for f in lines(pm):
        types.update({c['name']: c['type'] for c in f['columns']})
        prow.extend(pq.read_table(f['file']).to_pylist())
    if len(crow) != len(prow):
        sys.exit(f"csv {len(crow)} rows, parquet {len(prow)}")
    for i, (c, p) in enumerate(zip(crow, prow)):
        for k, typ in types.items():
            if not same(p.get(k), c.get(k), typ):
                sys.exit(f"row {i + 1} column {k} ({typ}): parquet "
                         f"{p.get(k)!r}, csv {c.get(k)!r}")
    print(f"ok {len(prow)} rows agree")


def main():
    if sys.argv[1] == '--csv':
        return compare_csv(sys.argv[2], sys.argv[3])
    manifest, inp = sys.argv[1], sys.argv[2]
    table = sys.argv[3] if len(sys.argv) > 3 else None
    recs = load(inp)
    files = [json.loads(l) for l in open(manifest) if l.strip()]
    files = [f for f in files if 'file' in f and
             (table is None or f['table'] == table)]
    at = 0
    for f in files:
        cols = [(c['name'], c['type']) for c in f['columns']]
        pt = pq.read_table(f['file'])
        got_names = pt.column_names
        if got_names != [c[0] for c in cols]:
            sys.exit(f"{f['file']}: columns {got_names} != {cols}")
        pa_rows = pt.to_pylist()
        dk_rows = duck_rows(f['file'])
        if len(pa_rows) != f['rows'] or len(dk_rows) != f['rows']:
            sys.exit(f"{f['file']}: pyarrow {len(pa_rows)} rows, duckdb "
                     f"{len(dk_rows)}, manifest {f['rows']}")
        for i in range(f['rows']):
            rec = recs[at + i]
            for j, (name, typ) in enumerate(cols):
                e = expect(rec.get(name), typ)
                for who, a in (('pyarrow', pa_rows[i][name]),
                               ('duckdb', dk_rows[i][j])):
                    if not same(a, e, typ):
                        sys.exit(f"{f['file']}: row {i + 1} column {name} "
                                 f"({typ}): {who} read {a!r}, expected "
                                 f"{e!r}")
        at += f['rows']
    if at != len(recs):
        sys.exit(f"files hold {at} rows, input has {len(recs)}")
    print(f"ok {at} rows in {len(files)} files")


main()
