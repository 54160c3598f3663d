#!/usr/bin/env python3
"""sf-dlt.py NDJSON PORT DATASET PIPELINES_DIR FILES: dlt's side of
bench/50-snowflake.sh.

The same rows (three tables by their "tbl" member), dlt's Snowflake
destination pointed at the same fakesnow server, its loader files cut so
that the load has FILES of them (file_max_items), csv.  Prints the
statements dlt sent (counted at the connector's cursor) on standard
output.
"""
import json
import os
import sys

path, port, dataset, pipelines_dir, nfiles = sys.argv[1:6]
rows = [json.loads(line) for line in open(path, "rb")]
os.environ["DATA_WRITER__FILE_MAX_ITEMS"] = str(-(-len(rows) // int(nfiles)))
os.environ["NORMALIZE__DATA_WRITER__FILE_MAX_ITEMS"] = os.environ[
    "DATA_WRITER__FILE_MAX_ITEMS"]

import dlt  # noqa: E402
import snowflake.connector.cursor as sfc  # noqa: E402

sent = [0]
execute = sfc.SnowflakeCursor.execute


def counted(self, query, *a, **k):
    # fakesnow's server takes one statement a request: dlt's scripts
    # (num_statements=0) are sent statement by statement, each counted
    if k.pop("num_statements", None) == 0 and isinstance(query, str):
        r = None
        for q in [q for q in query.split(";\n") if q.strip()]:
            sent[0] += 1
            r = execute(self, q, *a, **k)
        return r
    sent[0] += 1
    return execute(self, query, *a, **k)


sfc.SnowflakeCursor.execute = counted

creds = {
    "database": "STAGE_BENCH", "username": "bench", "password": "x",
    "host": "bench", "warehouse": "wh",
}
os.environ["DESTINATION__SNOWFLAKE__CREDENTIALS__CONNECTION_PARAMETERS"] = ""
# fakesnow cannot PUT to a table stage by its quoted name
# ('@"DS"."%T"'): dlt's stage_name, a named internal stage, made first
dest = dlt.destinations.snowflake(credentials=creds,
                                  stage_name="PUBLIC.STAGE_BENCH_FILES")


def table_of(r):
    return r.pop("tbl")


@dlt.resource(name="rows", table_name=lambda r: r["tbl"],
              write_disposition="append")
def data():
    for r in rows:
        yield r


import snowflake.connector  # noqa: E402

connect = snowflake.connector.connect


def to_fakesnow(*a, **k):
    k.update(host="127.0.0.1", port=int(port), protocol="http")
    return connect(*a, **k)


snowflake.connector.connect = to_fakesnow
with to_fakesnow(user="bench", password="x", account="bench",
                 database="STAGE_BENCH") as c:
    c.cursor().execute("CREATE SCHEMA IF NOT EXISTS PUBLIC")
    c.cursor().execute("CREATE STAGE IF NOT EXISTS PUBLIC.STAGE_BENCH_FILES")
pipeline = dlt.pipeline(pipeline_name="stage_bench_sf", destination=dest,
                        dataset_name=dataset, pipelines_dir=pipelines_dir)
info = pipeline.run(data(), loader_file_format="csv")
info.raise_on_failed_jobs()
jobs = len(info.load_packages[0].jobs["completed_jobs"])
print(sent[0], jobs)
