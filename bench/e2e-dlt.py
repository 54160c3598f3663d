#!/usr/bin/env python3
"""e2e-dlt.py NDJSON DSN DATASET PIPELINES_DIR: dlt's side of bench/40-e2e.sh.

The same rows, the same merge (primary key id), dlt's postgres destination
with csv loader files.  Rows are handed to dlt in lists of 10,000, the way
dlt's docs advise for speed, not one by one.
"""
import json
import sys

import dlt

path, dsn, dataset, pipelines_dir = sys.argv[1:5]


@dlt.resource(name="rows", write_disposition="merge", primary_key="id")
def rows():
    batch = []
    with open(path, "rb") as f:
        for line in f:
            batch.append(json.loads(line))
            if len(batch) == 10_000:
                yield batch
                batch = []
    if batch:
        yield batch


pipeline = dlt.pipeline(
    pipeline_name="stage_bench_e2e",
    destination=dlt.destinations.postgres(dsn),
    dataset_name=dataset,
    pipelines_dir=pipelines_dir,
)
info = pipeline.run(rows(), loader_file_format="csv")
info.raise_on_failed_jobs()
