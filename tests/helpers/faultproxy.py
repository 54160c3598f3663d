#!/usr/bin/env python3
"""faultproxy: an HTTP/1.1 proxy that injects faults, for the tests.

    faultproxy.py UPSTREAM_HOST:PORT PORTFILE RULES LOG

Listens on a free 127.0.0.1 port (written to PORTFILE once it listens) and
relays every request to UPSTREAM byte for byte: the client addresses the
proxy and signs for its host:port, and the proxy changes nothing, so the
signature the server checks is the client's own.  Connections are kept
alive on both sides, one upstream connection per client connection.

RULES is read again whenever the file changes (its counters start over);
one rule a line, blank lines and # comments ignored:

    METHOD REGEX COUNT FAULT [ARG]

METHOD is a method or *, REGEX is searched in the request target (path and
query), COUNT is how many matching requests get the fault (the first ones;
* for all of them).  The first rule with a count left wins.  Faults:

    error STATUS CODE  answer STATUS with an S3 XML error body of Code CODE
                       (the request is read, not forwarded)
    reset              read the headers and half the body, then reset the
                       connection (nothing forwarded)
    reply STATUS FILE  answer STATUS with FILE's bytes as an XML body (a
                       page of a listing, say; nothing forwarded)
    stall SECONDS      read the request, then wait SECONDS without an
                       answer, then close (nothing forwarded)
    cut N              forward; relay the answer's headers and the first N
                       bytes of its body, then close the connection
    lost               forward (the server acts on it), then reset the
                       connection instead of relaying the answer

LOG gets a line per request, appended as it is decided (so that a test may
truncate it between runs):

    METHOD<TAB>TARGET<TAB>range=RANGE|-<TAB>fault=FAULT|-<TAB>conn=N

where N numbers the client's connections from 1 (requests on one kept
connection share it).

Python's standard library only.
"""
import os
import re
import socket
import socketserver
import struct
import sys
import threading
import time

UPSTREAM, PORTFILE, RULES, LOG = None, None, None, None
lock = threading.Lock()
rules = []
rules_stamp = None
nconns = 0


def load_rules():
    """Reloads RULES if it changed (called under lock)."""
    global rules, rules_stamp
    try:
        st = os.stat(RULES)
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
    except FileNotFoundError:
        stamp = None
    if stamp == rules_stamp:
        return
    rules_stamp = stamp
    rules = []
    if stamp is None:
        return
    with open(RULES) as f:
        for line in f:
            w = line.split("#", 1)[0].split()
            if not w:
                continue
            if len(w) < 4:
                sys.stderr.write("faultproxy: bad rule: %s" % line)
                continue
            left = None if w[2] == "*" else int(w[2])
            rules.append([w[0], re.compile(w[1]), left, w[3:]])


def decide(method, target):
    """The fault for a request (a word list), or None."""
    with lock:
        load_rules()
        for r in rules:
            if r[0] not in ("*", method) or not r[1].search(target):
                continue
            if r[2] is not None:
                if r[2] <= 0:
                    continue
                r[2] -= 1
            return r[3]
    return None


def log(method, target, rng, fault, conn):
    line = "%s\t%s\trange=%s\tfault=%s\tconn=%d\n" % (
        method, target, rng or "-", " ".join(fault) if fault else "-", conn)
    with lock:
        with open(LOG, "a") as f:
            f.write(line)


class Conn:
    """A socket with a read buffer."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def fill(self):
        d = self.sock.recv(1 << 16)
        if not d:
            raise EOFError
        self.buf += d

    def line(self):
        while b"\n" not in self.buf:
            self.fill()
        i = self.buf.index(b"\n") + 1
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def some(self, n):
        """Up to n bytes (at least one)."""
        if not self.buf:
            self.fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def head(self):
        """The start line and header lines, raw, and the headers."""
        raw = self.line()
        hdrs = {}
        while True:
            ln = self.line()
            raw += ln
            if ln in (b"\r\n", b"\n"):
                return raw, hdrs
            k, _, v = ln.decode("latin-1").partition(":")
            hdrs[k.strip().lower()] = v.strip()


def body(src, hdrs, sink, limit=None, to_close=False):
    """Moves a message body from src to sink (a callable); stops after
    limit bytes if given.  Returns the bytes moved."""
    moved = 0

    def take(n):
        nonlocal moved
        while n > 0:
            if limit is not None and moved >= limit:
                raise StopIteration
            want = n if limit is None else min(n, limit - moved)
            d = src.some(want)
            sink(d)
            moved += len(d)
            n -= len(d)

    try:
        if "chunked" in hdrs.get("transfer-encoding", "").lower():
            while True:
                ln = src.line()
                sink(ln)
                size = int(ln.split(b";")[0], 16)
                if size == 0:
                    while True:
                        t = src.line()
                        sink(t)
                        if t in (b"\r\n", b"\n"):
                            return moved
                take(size)
                sink(src.line())
        elif "content-length" in hdrs:
            take(int(hdrs["content-length"]))
        elif to_close:
            try:
                while True:
                    take(1 << 16)
            except EOFError:
                pass
    except StopIteration:
        pass
    return moved


def reset(sock):
    """Closes sock with a TCP reset."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                    struct.pack("ii", 1, 0))
    sock.close()


def error_reply(status, code, target):
    reason = {400: "Bad Request", 403: "Forbidden", 404: "Not Found",
              500: "Internal Server Error", 503: "Service Unavailable"}
    xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code>'
           '<Message>injected by faultproxy</Message><Resource>%s</Resource>'
           '<RequestId>faultproxy</RequestId></Error>' % (code, target))
    b = xml.encode()
    return (("HTTP/1.1 %d %s\r\nContent-Type: application/xml\r\n"
             "Content-Length: %d\r\n\r\n" % (status, reason.get(status, "Error"),
                                             len(b))).encode() + b)


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        global nconns
        with lock:
            nconns += 1
            self.conn = nconns
        client = Conn(self.request)
        up = None
        try:
            while True:
                try:
                    raw, hdrs = client.head()
                except (EOFError, ConnectionError):
                    return
                method, target = raw.split(b" ", 2)[:2]
                method, target = method.decode(), target.decode("latin-1")
                fault = decide(method, target)
                log(method, target, hdrs.get("range"), fault, self.conn)
                kind = fault[0] if fault else None
                if kind == "error":
                    body(client, hdrs, lambda d: None)
                    self.request.sendall(error_reply(int(fault[1]), fault[2],
                                                     target))
                    continue
                if kind == "reply":
                    body(client, hdrs, lambda d: None)
                    with open(fault[2], "rb") as f:
                        b = f.read()
                    self.request.sendall(
                        b"HTTP/1.1 %d OK\r\nContent-Type: application/xml\r\n"
                        b"Content-Length: %d\r\n\r\n" % (int(fault[1]), len(b))
                        + b)
                    continue
                if kind == "reset":
                    n = int(hdrs.get("content-length", "0"))
                    body(client, hdrs, lambda d: None, limit=n // 2)
                    reset(self.request)
                    return
                if kind == "stall":
                    body(client, hdrs, lambda d: None)
                    time.sleep(float(fault[1]))
                    return
                if up is None:
                    up = Conn(socket.create_connection(UPSTREAM))
                up.sock.sendall(raw)
                body(client, hdrs, up.sock.sendall)
                self.relay(up, method, fault)
                if kind == "cut":
                    # A clean close: what was relayed reaches the
                    # client, which finds the body short.
                    self.request.shutdown(socket.SHUT_WR)
                    return
                if kind == "lost":
                    reset(self.request)
                    return
        except (EOFError, ConnectionError, OSError):
            return
        finally:
            if up is not None:
                up.sock.close()

    def relay(self, up, method, fault):
        """Relays the upstream answer (all of it, part of it or none)."""
        kind = fault[0] if fault else None
        while True:
            raw, hdrs = up.head()
            status = int(raw.split(b" ", 2)[1])
            if kind != "lost":
                self.request.sendall(raw)
            if status >= 200 or status == 101:
                break
        if kind == "lost":
            sink = lambda d: None
        else:
            sink = self.request.sendall
        if method == "HEAD" or status in (204, 304):
            return
        limit = int(fault[1]) if kind == "cut" else None
        body(up, hdrs, sink, limit=limit, to_close=True)


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    global UPSTREAM, PORTFILE, RULES, LOG
    if len(sys.argv) != 5:
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        sys.exit(2)
    host, _, port = sys.argv[1].rpartition(":")
    UPSTREAM = (host, int(port))
    PORTFILE, RULES, LOG = sys.argv[2:]
    srv = Server(("127.0.0.1", 0), Handler)
    tmp = PORTFILE + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, PORTFILE)
    srv.serve_forever()


if __name__ == "__main__":
    main()
