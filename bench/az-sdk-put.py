#!/usr/bin/env python3
"""az-sdk-put CONTAINER PREFIX FILE|DIR [JOBS]: the peer client of
bench/21-put-azure.sh, Azure's Python SDK (azure-storage-blob) uploading
one file (max_concurrency JOBS: blocks in parallel) or every file of a
directory (JOBS files at once), to the storage
AZURE_STORAGE_CONNECTION_STRING names, with Content-MD5 checked per block
as stage-put does (validate_content)."""
import os
import sys
from concurrent.futures import ThreadPoolExecutor

from azure.storage.blob import BlobServiceClient


def main(container, prefix, path, jobs="8"):
    jobs = int(jobs)
    c = BlobServiceClient.from_connection_string(
        os.environ["AZURE_STORAGE_CONNECTION_STRING"],
        max_block_size=16 << 20, max_single_put_size=64 << 20,
    ).get_container_client(container)

    def put(f, conc):
        with open(f, "rb") as fh:
            c.upload_blob(prefix + "/" + os.path.basename(f), fh,
                          overwrite=True, max_concurrency=conc,
                          validate_content=True)
    if os.path.isdir(path):
        files = [os.path.join(path, n) for n in sorted(os.listdir(path))]
        with ThreadPoolExecutor(jobs) as ex:
            list(ex.map(lambda f: put(f, 1), files))
    else:
        put(path, jobs)


if __name__ == "__main__":
    main(*sys.argv[1:])
