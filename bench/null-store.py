#!/usr/bin/env python3
"""bench/null-store.py KIND PORT: a store that keeps nothing, for
bench/22-put-null.sh: it answers the requests stage-put sends to an S3,
Azure Blob or GCS JSON API service (KIND s3, az or gs) as a service that
accepted them would, and reads each body into one reused buffer, then
drops it.  It checks no signature and no hash: its only use is to measure
the client's own CPU per GiB with no server busy on the same machine (an
emulator parsing bodies in Python or Node.js slows every memory copy of
the client's).  Never a test peer: the tests use the real emulators."""
import json
import socket
import sys
import threading

XML = b"Content-Type: application/xml\r\n"
JSON = b"Content-Type: application/json\r\n"


def reply(c, status, body=b"", extra=b""):
    c.sendall(b"HTTP/1.1 %s\r\nContent-Length: %d\r\n%s\r\n"
              % (status, len(body), extra) + body)


def read_request(f, mv):
    """The request line, headers and the first 64 KiB of the body."""
    line = f.readline()
    if not line:
        return None
    method, path, _ = line.decode("latin-1").split(" ", 2)
    hdr = {}
    while True:
        h = f.readline().decode("latin-1")
        if h in ("\r\n", "\n", ""):
            break
        k, v = h.split(":", 1)
        hdr[k.strip().lower()] = v.strip()
    n = int(hdr.get("content-length", "0"))
    head = b""
    while n > 0:
        k = f.readinto(mv[:min(n, len(mv))])
        if k <= 0:
            return None
        if not head:
            head = bytes(mv[:min(k, 65536)])
        n -= k
    return method, path, hdr, head


def s3(c, method, path, hdr, head):
    if method == "HEAD":
        reply(c, b"404 Not Found")
    elif method == "GET" and "list-type=2" in path:
        reply(c, b"200 OK", b"<ListBucketResult><IsTruncated>false"
              b"</IsTruncated><KeyCount>0</KeyCount></ListBucketResult>", XML)
    elif method == "GET" and "uploads" in path:
        reply(c, b"200 OK", b"<ListMultipartUploadsResult><IsTruncated>"
              b"false</IsTruncated></ListMultipartUploadsResult>", XML)
    elif method == "POST" and "uploads" in path:
        reply(c, b"200 OK", b"<InitiateMultipartUploadResult><UploadId>u1"
              b"</UploadId></InitiateMultipartUploadResult>", XML)
    elif method == "POST":
        reply(c, b"200 OK", b"<CompleteMultipartUploadResult><ETag>\"e-1\""
              b"</ETag></CompleteMultipartUploadResult>", XML)
    else:
        reply(c, b"200 OK", extra=b"ETag: \"e\"\r\n")


def az(c, method, path, hdr, head):
    nf = b"x-ms-error-code: BlobNotFound\r\n"
    if method == "HEAD" or (method == "GET" and "blocklist" in path):
        reply(c, b"404 The specified blob does not exist.", extra=nf)
    elif method == "GET":
        reply(c, b"200 OK", b"<EnumerationResults><Blobs></Blobs>"
              b"<NextMarker/></EnumerationResults>", XML)
    else:
        md5 = hdr.get("content-md5", "").encode()
        reply(c, b"201 Created", extra=b"Content-MD5: %s\r\n" % md5)


def gs(c, method, path, hdr, head):
    crc = hdr.get("x-goog-hash", "crc32c=").split("=", 1)[1]
    if method == "GET" and ("/o/" in path or "/o?" in path):
        reply(c, b"404 Not Found", b'{"error":{"code":404}}', JSON)
    elif method == "GET":
        reply(c, b"200 OK", b'{"name":"b"}', JSON)
    elif method == "POST" and "uploadType=resumable" in path:
        loc = b"http://%s/upload/session1" % hdr["host"].encode()
        reply(c, b"200 OK", extra=b"Location: %s\r\n" % loc)
    elif method == "POST":
        s = head.decode("latin-1")
        meta = json.loads(s[s.index("{"):].split("\r\n", 1)[0])
        reply(c, b"200 OK", json.dumps(meta).encode(), JSON)
    else:
        rng = hdr.get("content-range", "")
        if rng.endswith("/*"):
            end = rng.split("-")[1].split("/")[0]
            reply(c, b"308 Resume Incomplete",
                  extra=b"Range: bytes=0-%s\r\n" % end.encode())
        else:
            body = json.dumps({"name": "o", "crc32c": crc}).encode()
            reply(c, b"200 OK", body, JSON)


def serve(conn, answer):
    mv = memoryview(bytearray(1 << 20))
    f = conn.makefile("rb")
    try:
        while True:
            req = read_request(f, mv)
            if req is None:
                return
            answer(conn, *req)
    except (OSError, ValueError):
        return
    finally:
        conn.close()


def main():
    answer = {"s3": s3, "az": az, "gs": gs}[sys.argv[1]]
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", int(sys.argv[2])))
    s.listen(64)
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c, answer), daemon=True).start()


if __name__ == "__main__":
    main()
