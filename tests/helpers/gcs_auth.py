#!/usr/bin/env python3
"""The Google side of gs:// authentication, for tests/gcs.bats.

gcp-storage-emulator checks no token, so this stands in front of it:

  POST /token   the OAuth token endpoint of a service account: verifies the
                JWT-bearer assertion with PyJWT (an independent
                implementation) against the service account's public key:
                RS256 signature, iss = the client_email, aud = this
                endpoint's URL, scope with devstorage, iat/exp present and
                at most an hour apart.  Answers a fresh random token valid
                for --expires-in seconds, or 400 invalid_grant.
  anything else is forwarded to the emulator (--upstream) only with
                "Authorization: Bearer T" for a token it issued and that has
                not expired, else answered 401.

Every request is logged, one line each, to --log: "TOKEN ok|refused WHY",
or "METHOD PATH auth=ok|missing|unknown|expired hash=X-Goog-Hash".
--delay-chunks S sleeps S seconds before forwarding each resumable chunk
(so that a test can kill a client mid-upload); --revoke-after N revokes
every token issued so far once N requests were let through.
"""
import argparse
import http.client
import http.server
import json
import secrets
import threading
import time
import urllib.parse

import jwt

SCOPE = "https://www.googleapis.com/auth/devstorage"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--pubkey", required=True)
    ap.add_argument("--email", required=True)
    ap.add_argument("--expires-in", type=int, default=3600)
    ap.add_argument("--delay-chunks", type=float, default=0)
    ap.add_argument("--revoke-after", type=int, default=0)
    ap.add_argument("--log", required=True)
    a = ap.parse_args()
    with open(a.pubkey, "rb") as f:
        pub = f.read()
    up = urllib.parse.urlsplit(a.upstream)
    tokens = {}
    authorized = [0]
    mu = threading.Lock()
    logf = open(a.log, "a", buffering=1)
    aud = "http://127.0.0.1:%d/token" % a.port

    def log(line):
        with mu:
            logf.write(line + "\n")

    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def body(self):
            n = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(n) if n else b""

        def answer(self, status, obj, headers=()):
            data = json.dumps(obj).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def token(self):
            form = urllib.parse.parse_qs(self.body().decode())
            why = None
            try:
                if form.get("grant_type") != [
                        "urn:ietf:params:oauth:grant-type:jwt-bearer"]:
                    raise ValueError("grant_type %r" % form.get("grant_type"))
                c = jwt.decode(form["assertion"][0], pub,
                               algorithms=["RS256"], audience=aud,
                               issuer=a.email,
                               options={"require": ["exp", "iat", "iss",
                                                    "aud"]})
                if not c.get("scope", "").startswith(SCOPE):
                    raise ValueError("scope %r" % c.get("scope"))
                if c["exp"] - c["iat"] > 3600:
                    raise ValueError("lifetime over an hour")
            except Exception as e:  # every refusal is an answer
                why = "%s: %s" % (type(e).__name__, e)
            if why:
                log("TOKEN refused " + why)
                self.answer(400, {"error": "invalid_grant",
                                  "error_description": why})
                return
            tok = "ya29.stagetest-" + secrets.token_hex(16)
            with mu:
                tokens[tok] = time.time() + a.expires_in
            log("TOKEN ok")
            self.answer(200, {"access_token": tok, "token_type": "Bearer",
                              "expires_in": a.expires_in})

        def auth(self):
            h = self.headers.get("Authorization")
            if not h:
                return "missing"
            if not h.startswith("Bearer "):
                return "unknown"
            with mu:
                exp = tokens.get(h[7:])
                if exp is not None and time.time() < exp:
                    authorized[0] += 1
                    if authorized[0] == a.revoke_after:
                        tokens.clear()  # every token issued so far
            if exp is None:
                return "unknown"
            return "ok" if time.time() < exp else "expired"

        def forward(self):
            if self.command == "POST" and self.path.startswith("/token"):
                self.token()
                return
            data = self.body()
            st = self.auth()
            log("%s %s auth=%s hash=%s" % (
                self.command, self.path, st,
                self.headers.get("X-Goog-Hash", "")))
            if st != "ok":
                self.answer(401, {"error": {"code": 401,
                                            "message": "auth " + st}})
                return
            if a.delay_chunks and self.command == "PUT" and \
                    "upload_id=" in self.path:
                time.sleep(a.delay_chunks)
            c = http.client.HTTPConnection(up.hostname, up.port, timeout=120)
            hdrs = {k: v for k, v in self.headers.items()
                    if k.lower() not in ("authorization", "connection",
                                         "content-length")}
            c.request(self.command, self.path, body=data, headers=hdrs)
            r = c.getresponse()
            out = r.read()
            self.send_response(r.status)
            for k, v in r.getheaders():
                if k.lower() not in ("transfer-encoding", "connection",
                                     "content-length", "server", "date"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(out)
            c.close()

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = forward

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), H)
    srv.daemon_threads = True
    srv.serve_forever()


if __name__ == "__main__":
    main()
