#!/usr/bin/env python3
"""az_peer: Azure's own Python SDK (azure-storage-blob) against the
storage AZURE_STORAGE_CONNECTION_STRING names, as the tests' second
client, independent of stage's code:

  mkcontainer NAME            create a container
  ls CONTAINER [PREFIX]       "name size sha256-metadata etag" per blob
  sha256 CONTAINER BLOB       SHA-256 of the blob's bytes
  blocks CONTAINER BLOB       "committed N uncommitted M"
  wait-blocks CONTAINER BLOB N  returns once N blocks are uncommitted
                              (polls; exit 1 after 60 s or once
                              the blob is committed)
  sas CONTAINER PERMS [HOURS] a container SAS token (e.g. "racwl")
                              valid HOURS from now (default 1; < 0:
                              expired)
  put CONTAINER BLOB FILE     upload FILE with the SDK (no metadata)
  stage-block CONTAINER BLOB ID FILE OFF LEN
                              Put Block (uncommitted) of FILE's bytes
                              [OFF, OFF + LEN) with base64 id ID
"""
import base64
import datetime
import hashlib
import os
import sys
import time

from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob import BlobServiceClient, generate_container_sas


def svc():
    return BlobServiceClient.from_connection_string(
        os.environ["AZURE_STORAGE_CONNECTION_STRING"])


def blocks(c, blob):
    try:
        com, unc = c.get_blob_client(blob).get_block_list("all")
    except ResourceNotFoundError:
        return 0, 0
    return len(com), len(unc)


def main(cmd, *a):
    s = svc()
    if cmd == "mkcontainer":
        s.create_container(a[0])
    elif cmd == "ls":
        c = s.get_container_client(a[0])
        for b in c.list_blobs(name_starts_with=a[1] if len(a) > 1 else None,
                              include=["metadata"]):
            print(b.name, b.size, (b.metadata or {}).get("sha256", "-"),
                  b.etag.strip('"'))
    elif cmd == "md5":
        c = s.get_container_client(a[0])
        for b in c.list_blobs(name_starts_with=a[1]):
            m = b.content_settings.content_md5
            print(b.name, base64.b64encode(m).decode() if m else "-")
    elif cmd == "sha256":
        d = s.get_container_client(a[0]).download_blob(a[1]).readall()
        print(hashlib.sha256(d).hexdigest())
    elif cmd == "blocks":
        print("committed %d uncommitted %d" %
              blocks(s.get_container_client(a[0]), a[1]))
    elif cmd == "wait-blocks":
        c = s.get_container_client(a[0])
        end = time.time() + 60
        while time.time() < end:
            com, unc = blocks(c, a[1])
            if com:
                sys.exit(1)
            if unc >= int(a[2]):
                return
            time.sleep(0.01)
        sys.exit(1)
    elif cmd == "sas":
        print(generate_container_sas(
            s.account_name, a[0], account_key=s.credential.account_key,
            permission=a[1], expiry=datetime.datetime.now(
                datetime.timezone.utc) + datetime.timedelta(
                    hours=float(a[2]) if len(a) > 2 else 1)))
    elif cmd == "put":
        with open(a[2], "rb") as f:
            s.get_container_client(a[0]).upload_blob(a[1], f,
                                                     overwrite=True)
    elif cmd == "stage-block":
        with open(a[3], "rb") as f:
            f.seek(int(a[4]))
            data = f.read(int(a[5]))
        s.get_container_client(a[0]).get_blob_client(a[1]).stage_block(
            a[2], data)
    else:
        sys.exit("az_peer: unknown command " + cmd)


if __name__ == "__main__":
    main(*sys.argv[1:])
