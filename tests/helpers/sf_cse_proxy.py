"""sf_cse_proxy.py: a proxy in front of fakesnow that makes its internal
stages behave as real Snowflake's on AWS do: a PUT's answer names an S3
stage (the JuiceFS S3 gateway of tests/helpers/s3.bash) and asks for
client-side encryption with a fresh random master key.  Everything else is
forwarded to fakesnow unchanged.

When a COPY INTO names a folder a PUT went to, the proxy lists the objects
the client uploaded there, decrypts each with Python's cryptography
package (independent of the OpenSSL code under test): unwraps the file key
from x-amz-meta-x-amz-key with AES-ECB under the master key, decrypts the
body with AES-CBC and the IV of x-amz-meta-x-amz-iv, removes the PKCS#7
padding, checks x-amz-meta-x-amz-matdesc and the plaintext's SHA-256
(x-amz-meta-sfc-digest), then writes the plaintext where fakesnow's own PUT
would have put it (its presigned /fs_bucket/ URL) and forwards the COPY, so
fakesnow loads it.  A failed check answers the COPY with a Snowflake error.

Control (tests): POST /_cse/mode with a JSON object of
  key_bits      128 (default) or 256: the master key's size
  smk           the queryStageMasterKey sent instead (a bad one)
  wrong_key     1: decrypt with another key than the one sent
  s3_secret     the AWS_SECRET_KEY sent instead (S3 refuses the upload)
  slow_s3       seconds: the stage's endPoint is this proxy, which holds
                each S3 request that long before passing it on
  token         an AWS_TOKEN for the stage's creds; the endPoint is this
                proxy, which notes the x-amz-security-token it gets and
                whether the signature covers it (stats "s3_token",
                "s3_token_signed") before passing the request on
  azure         1: an AZURE stage on Azurite (AZURE_STORAGE_CONNECTION_STRING,
                AZ_ENDPOINT, AZ_CONTAINER, AZ_KEY in the proxy's
                environment) with a container SAS token; on COPY its
                blobs are decrypted from their encryptiondata, matdesc
                and sfcdigest metadata
  gcs           1: fakesnow's own GCS stage (a presigned URL, here this
                proxy's), encrypted: the PUT of the file is decrypted
                from its x-goog-meta-encryptiondata and -matdesc headers
  gcs_503       N: with gcs, the first N PUTs to the presigned URL are
                answered 503 (counted in stats "gcs_503")
and GET /_cse/stats: {"puts", "copies", "decrypted", "s3_requests",
"gcs_503", "failures": [...]} (a new mode empties "failures" and zeroes
"gcs_503").

Usage: sf_cse_proxy.py PORT FAKESNOW_URL S3_ENDPOINT BUCKET KEY_ID SECRET
"""
import base64
import gzip
import hashlib
import http.client
import json
import os
import re
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import botocore.session
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

PORT, FAKESNOW, S3_ENDPOINT, BUCKET, KEY_ID, SECRET = (
    int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5],
    sys.argv[6])

LOCK = threading.Lock()
MODE = {}
STATS = {"puts": 0, "copies": 0, "decrypted": 0, "s3_requests": 0,
         "gcs_503": 0, "failures": []}
PENDING = {}  # stage folder ref -> what the PUT was told

REF = re.compile(r'@(?:"(?:[^"]|"")*"|[^\s".]+)(?:\.(?:"(?:[^"]|"")*"|'
                 r'[^\s".]+))*/stage-[0-9a-f]+/')


def s3_client():
    s = botocore.session.get_session()
    return s.create_client("s3", endpoint_url=S3_ENDPOINT,
                           region_name="us-east-1", aws_access_key_id=KEY_ID,
                           aws_secret_access_key=SECRET)


def unpad(b):
    u = padding.PKCS7(128).unpadder()
    return u.update(b) + u.finalize()


def decrypt(smk, key_b64, iv_b64, body):
    wrapped = base64.b64decode(key_b64)
    d = Cipher(algorithms.AES(smk), modes.ECB()).decryptor()
    file_key = unpad(d.update(wrapped) + d.finalize())
    if len(file_key) != len(smk):
        raise ValueError("file key of %d bytes under a %d-byte master key"
                         % (len(file_key), len(smk)))
    iv = base64.b64decode(iv_b64)
    d = Cipher(algorithms.AES(file_key), modes.CBC(iv)).decryptor()
    return unpad(d.update(body) + d.finalize())


def fakesnow_put(url, body):
    u = urllib.parse.urlsplit(url)
    f = urllib.parse.urlsplit(FAKESNOW)
    c = http.client.HTTPConnection(f.hostname, f.port, timeout=60)
    c.request("PUT", u.path, body=body)
    r = c.getresponse()
    r.read()
    c.close()
    if r.status != 200:
        raise RuntimeError("fakesnow refused the plaintext: %d" % r.status)


def master(put):
    if MODE.get("wrong_key"):
        return os.urandom(len(put["smk"]))
    return put["smk"]


def check_matdesc(put, key, matdesc):
    want = {"queryId": put["query_id"], "smkId": str(put["smk_id"]),
            "keySize": str(len(put["smk"]) * 8)}
    if json.loads(matdesc) != want:
        raise RuntimeError("%s: matdesc %s, not %s" % (key, matdesc, want))


def check_digest(key, plain, digest):
    if base64.b64encode(hashlib.sha256(plain).digest()).decode() != digest:
        raise RuntimeError("%s: sfc-digest does not match" % key)


def gcs_land(put, headers, body):
    """A GCS-style PUT of an encrypted file: its encryptiondata and
    matdesc headers checked, the plaintext handed to fakesnow."""
    ed = json.loads(headers["x-goog-meta-encryptiondata"])
    assert ed["EncryptionMode"] == "FullBlob", ed
    assert ed["EncryptionAgent"]["EncryptionAlgorithm"] == "AES_CBC_256", ed
    check_matdesc(put, "gcs", headers["x-goog-meta-matdesc"])
    plain = decrypt(master(put), ed["WrappedContentKey"]["EncryptedKey"],
                    ed["ContentEncryptionIV"], body)
    check_digest("gcs", plain, headers["x-goog-meta-sfc-digest"])
    fakesnow_put(put["presigned"], plain)
    with LOCK:
        STATS["decrypted"] += 1


def az_container():
    from azure.storage.blob import BlobServiceClient
    svc = BlobServiceClient.from_connection_string(
        os.environ["AZURE_STORAGE_CONNECTION_STRING"])
    return svc.get_container_client(os.environ["AZ_CONTAINER"])


def az_land(put):
    """Decrypts every blob of a PUT's folder on Azurite into fakesnow."""
    c = az_container()
    names = [b.name for b in c.list_blobs(name_starts_with=put["prefix"])]
    if not names:
        raise RuntimeError("nothing was uploaded to azure %s"
                           % put["prefix"])
    for name in names:
        b = c.get_blob_client(name)
        meta = b.get_blob_properties().metadata
        for h in ("encryptiondata", "matdesc", "sfcdigest"):
            if h not in meta:
                raise RuntimeError("%s: no x-ms-meta-%s" % (name, h))
        ed = json.loads(meta["encryptiondata"])
        check_matdesc(put, name, meta["matdesc"])
        plain = decrypt(master(put), ed["WrappedContentKey"]["EncryptedKey"],
                        ed["ContentEncryptionIV"], b.download_blob().readall())
        check_digest(name, plain, meta["sfcdigest"])
        base = put["presigned"].rsplit("/", 1)[0]
        fakesnow_put(base + "/" + name.rsplit("/", 1)[1], plain)
        b.delete_blob()
        with LOCK:
            STATS["decrypted"] += 1


def az_sas():
    import datetime
    from azure.storage.blob import generate_container_sas
    return generate_container_sas(
        "devstoreaccount1", os.environ["AZ_CONTAINER"],
        account_key=os.environ["AZ_KEY"], permission="cw",
        expiry=datetime.datetime.now(datetime.timezone.utc)
        + datetime.timedelta(hours=1))


def land(put):
    """Decrypts every object of a PUT's folder into fakesnow's stage."""
    if put.get("azure"):
        return az_land(put)
    s3 = s3_client()
    objs = s3.list_objects_v2(Bucket=BUCKET, Prefix=put["prefix"])
    keys = [o["Key"] for o in objs.get("Contents", [])]
    if not keys:
        raise RuntimeError("nothing was uploaded to s3://%s/%s"
                           % (BUCKET, put["prefix"]))
    for key in keys:
        o = s3.get_object(Bucket=BUCKET, Key=key)
        meta = o["Metadata"]
        for h in ("x-amz-key", "x-amz-iv", "x-amz-matdesc", "sfc-digest"):
            if h not in meta:
                raise RuntimeError("%s: no x-amz-meta-%s" % (key, h))
        check_matdesc(put, key, meta["x-amz-matdesc"])
        plain = decrypt(master(put), meta["x-amz-key"], meta["x-amz-iv"],
                        o["Body"].read())
        check_digest(key, plain, meta["sfc-digest"])
        base = put["presigned"].rsplit("/", 1)[0]
        fakesnow_put(base + "/" + key.rsplit("/", 1)[1], plain)
        s3.delete_object(Bucket=BUCKET, Key=key)
        with LOCK:
            STATS["decrypted"] += 1


def sf_error(msg):
    return {"data": {"errorCode": "000100", "sqlState": "XX000"},
            "code": "000100", "message": msg, "success": False}


class Proxy(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("%s\n" % (fmt % args))

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def answer(self, status, body, headers=()):
        self.send_response(status)
        for k, v in headers:
            if k.lower() not in ("content-length", "transfer-encoding",
                                 "connection", "content-encoding"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def forward(self, target, body, keep_host=False):
        u = urllib.parse.urlsplit(target)
        c = http.client.HTTPConnection(u.hostname, u.port, timeout=300)
        c.putrequest(self.command, self.path, skip_host=keep_host,
                     skip_accept_encoding=True)
        for k, v in self.headers.items():
            if k.lower() in ("content-length", "connection") or (
                    k.lower() == "host" and not keep_host):
                continue
            c.putheader(k, v)
        c.putheader("Content-Length", str(len(body)))
        c.endheaders(body)
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, r.getheaders(), data

    def do_GET(self):
        if self.path == "/_cse/stats":
            with LOCK:
                b = json.dumps(STATS).encode()
            return self.answer(200, b)
        self.relay(b"")

    def do_POST(self):
        body = self.body()
        if self.path == "/_cse/mode":
            with LOCK:
                MODE.clear()
                MODE.update(json.loads(body or b"{}"))
                STATS["failures"] = []
                STATS["gcs_503"] = 0
            return self.answer(200, b"{}")
        if self.path.startswith("/queries/v1/query-request"):
            return self.query(body)
        self.relay(body)

    def do_PUT(self):
        body = self.body()
        with LOCK:
            put = PENDING.get(self.path)
            busy = put is not None and \
                STATS["gcs_503"] < int(MODE.get("gcs_503") or 0)
            if busy:
                STATS["gcs_503"] += 1
            else:
                PENDING.pop(self.path, None)
        if put is None:
            return self.relay(body)
        if busy:
            return self.answer(503, b"cse proxy: busy, try again")
        try:
            gcs_land(put, self.headers, body)
        except Exception as e:  # noqa: BLE001 - said to the client
            with LOCK:
                STATS["failures"].append("gcs: %r" % e)
            return self.answer(400, ("cse proxy: %r" % e).encode())
        self.answer(200, b"")

    do_HEAD = do_GET
    do_DELETE = do_PUT

    def relay(self, body):
        if self.path.startswith("/" + BUCKET + "/"):
            auth = self.headers.get("Authorization") or ""
            with LOCK:
                STATS["s3_requests"] += 1
                STATS["s3_token"] = self.headers.get("x-amz-security-token")
                STATS["s3_token_signed"] = (
                    "x-amz-security-token" in auth.split("SignedHeaders=")[-1]
                    .split(",")[0].split(";"))
            time.sleep(float(MODE.get("slow_s3") or 0))
            st, hd, data = self.forward(S3_ENDPOINT, body, keep_host=True)
        else:
            st, hd, data = self.forward(FAKESNOW, body)
        self.answer(st, data, hd)

    def query(self, body):
        raw = body
        if self.headers.get("Content-Encoding") == "gzip":
            raw = gzip.decompress(body)
        sql = json.loads(raw).get("sqlText", "")
        head = sql.lstrip().upper()
        if head.startswith("COPY INTO"):
            err = self.before_copy(sql)
            if err:
                return self.answer(200, json.dumps(sf_error(err)).encode(),
                                   [("Content-Type", "application/json")])
        st, hd, data = self.forward(FAKESNOW, body)
        if head.startswith("PUT ") and st == 200:
            data = self.rewrite_put(sql, data)
        self.answer(st, data, hd)

    def before_copy(self, sql):
        with LOCK:
            STATS["copies"] += 1
            mine = [(ref, p) for ref, p in PENDING.items() if ref in sql]
        for ref, put in mine:
            try:
                land(put)
            except Exception as e:  # noqa: BLE001 - said to the client
                msg = "cse proxy: %s: %s" % (ref, e or type(e).__name__)
                with LOCK:
                    STATS["failures"].append(msg)
                return msg
            with LOCK:
                PENDING.pop(ref, None)
        return None

    def rewrite_put(self, sql, data):
        a = json.loads(data)
        m = REF.search(sql)
        if not a.get("success") or not m:
            return data
        stage = a["data"]["stageInfo"]
        bits = int(MODE.get("key_bits") or 128)
        put = {"prefix": "cse/%s/" % uuid.uuid4().hex,
               "smk": os.urandom(bits // 8), "query_id": str(uuid.uuid4()),
               "smk_id": int.from_bytes(os.urandom(4), "big"),
               "presigned": stage["presignedUrl"]}
        material = {
            "queryStageMasterKey": MODE.get("smk") or base64.b64encode(
                put["smk"]).decode(),
            "queryId": put["query_id"], "smkId": put["smk_id"]}
        if MODE.get("gcs"):
            return self.rewrite_gcs(a, put, material)
        if MODE.get("azure"):
            return self.rewrite_azure(a, m.group(0), put, material)
        endpoint = S3_ENDPOINT
        if MODE.get("slow_s3") or MODE.get("token"):
            endpoint = "http://127.0.0.1:%d" % PORT
        a["data"]["stageInfo"] = {
            "locationType": "S3", "location": BUCKET + "/" + put["prefix"],
            "path": put["prefix"], "region": "us-east-1",
            "endPoint": endpoint, "useS3RegionalUrl": False,
            "isClientSideEncrypted": True,
            "creds": {"AWS_KEY_ID": KEY_ID,
                      "AWS_SECRET_KEY": MODE.get("s3_secret") or SECRET,
                      "AWS_TOKEN": MODE.get("token")}}
        a["data"]["encryptionMaterial"] = material
        with LOCK:
            STATS["puts"] += 1
            PENDING[m.group(0)] = put
        return json.dumps(a).encode()

    def rewrite_azure(self, a, ref, put, material):
        """An AZURE stage on Azurite, path-style through an endPoint with
        a scheme, a container SAS token, encryption asked for."""
        put["azure"] = True
        ep = os.environ["AZ_ENDPOINT"].rsplit("/", 1)[0]
        a["data"]["stageInfo"] = {
            "locationType": "AZURE",
            "location": os.environ["AZ_CONTAINER"] + "/" + put["prefix"],
            "path": put["prefix"], "region": "westeurope",
            "storageAccount": "devstoreaccount1", "endPoint": ep,
            "isClientSideEncrypted": True,
            "creds": {"AZURE_SAS_TOKEN": "?" + az_sas()}}
        a["data"]["encryptionMaterial"] = material
        with LOCK:
            STATS["puts"] += 1
            PENDING[ref] = put
        return json.dumps(a).encode()

    def rewrite_gcs(self, a, put, material):
        """fakesnow's own GCS stage, its presigned URL this proxy's, and
        encryption asked for (as a real GCS stage would)."""
        path = urllib.parse.urlsplit(put["presigned"]).path
        a["data"]["stageInfo"]["presignedUrl"] = "http://127.0.0.1:%d%s" % (
            PORT, path)
        a["data"]["encryptionMaterial"] = [material]
        with LOCK:
            STATS["puts"] += 1
            PENDING[path] = put
        return json.dumps(a).encode()


def main():
    srv = ThreadingHTTPServer(("127.0.0.1", PORT), Proxy)
    srv.daemon_threads = True
    srv.serve_forever()


if __name__ == "__main__":
    main()
