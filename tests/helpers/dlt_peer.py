"""dlt_peer.py: dlt itself, pointed at the dataset stage loads (the
"dlt and stage on one dataset" tests).

  dlt_peer.py merge URL DATASET PIPES TABLE < rows.ndjson
      a dlt pipeline run: merge the rows into TABLE on primary key id
  dlt_peer.py read URL DATASET PIPES TABLE [SCHEMA]
      pipeline.dataset() (of SCHEMA, else the default): a line of the
      dataset's tables, then TABLE's first column and name, ordered

URL is a postgresql:// URL or sqlite:///path.db (dlt's sqlalchemy
destination); PIPES the pipelines directory (dlt's local state); the
pipeline is $DLT_PIPELINE, else dltpeer.
"""
import json
import os
import sys

import dlt


def destination(url):
    if url.startswith("sqlite"):
        return dlt.destinations.sqlalchemy(credentials=url)
    return dlt.destinations.postgres(credentials=url)


def main():
    act, url, ds, pipes, table = sys.argv[1:6]
    p = dlt.pipeline(pipeline_name=os.environ.get("DLT_PIPELINE", "dltpeer"), destination=destination(url),
                     dataset_name=ds, pipelines_dir=pipes)
    if act == "merge":
        rows = [json.loads(line) for line in sys.stdin if line.strip()]
        # $DLT_NOT_NULL: a column dlt makes NOT NULL
        nn = os.environ.get("DLT_NOT_NULL")
        cols = {nn: {"name": nn, "data_type": "text", "nullable": False}} \
            if nn else None
        info = p.run(rows, table_name=table, write_disposition="merge",
                     primary_key="id", columns=cols)
        info.raise_on_failed_jobs()
        return
    d = p.dataset(schema=sys.argv[6]) if len(sys.argv) > 6 else p.dataset()
    print(",".join(sorted(t for t in d.tables if not t.startswith("_dlt"))))
    key = next(iter(d.schema.tables[table]["columns"]))
    for r in sorted(d[table].select(key, "name").fetchall()):
        print("%s|%s" % tuple(r))

if __name__ == "__main__":
    main()
