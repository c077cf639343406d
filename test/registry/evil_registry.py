#!/usr/bin/env python3
"""A deliberately dishonest, read-only OCI distribution server for tests.

It serves whatever files lie under ROOT, WITHOUT checking that the bytes match
the digests they are served under -- which a real registry (docker-registry)
never allows.  The fixture (fixture.sh) writes the content:

    ROOT/<repo>/manifests/<tag-or-digest>        body
    ROOT/<repo>/manifests/<tag-or-digest>.type   Content-Type to answer with
    ROOT/<repo>/blobs/<digest>                   body (may not hash to <digest>)

Answers:
    GET|HEAD /v2/                      200 {}
    GET|HEAD /v2/<repo>/manifests/<r>  200, Docker-Content-Digest = <r> when <r> is a
                                       digest (even if the body hashes to something else),
                                       else the sha256 of the body
    GET|HEAD /v2/<repo>/blobs/<d>      200, Docker-Content-Digest = <d> (a lie if tampered)
    anything else                      404 with a distribution-style error body

Usage: evil_registry.py <root-dir> <port-file> [<log-file>]
Binds 127.0.0.1 on a free port chosen by the kernel and writes it to <port-file>
(atomically) once listening.
"""
import hashlib
import http.server
import json
import os
import re
import sys

PATH_RE = re.compile(r"^/v2/(?P<repo>.+)/(?P<kind>manifests|blobs)/(?P<ref>[^/]+)$")


def safe_join(root, *parts):
    p = os.path.realpath(os.path.join(root, *parts))
    if not p.startswith(os.path.realpath(root) + os.sep):
        return None
    return p


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "crio-evil-registry/1"
    protocol_version = "HTTP/1.1"
    root = "."
    logfile = None

    def log_message(self, fmt, *args):
        if self.logfile:
            with open(self.logfile, "a") as f:
                f.write("%s %s\n" % (self.log_date_time_string(), fmt % args))

    def _send(self, code, body, ctype, extra=None):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Docker-Distribution-API-Version", "registry/2.0")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _not_found(self, code="NAME_UNKNOWN", msg="not found"):
        body = json.dumps({"errors": [{"code": code, "message": msg}]}).encode()
        self._send(404, body, "application/json")

    def _handle(self):
        path = self.path.split("?", 1)[0]
        if path in ("/v2", "/v2/"):
            self._send(200, b"{}", "application/json")
            return
        m = PATH_RE.match(path)
        if not m:
            self._not_found()
            return
        repo, kind, ref = m.group("repo"), m.group("kind"), m.group("ref")
        f = safe_join(self.root, repo, kind, ref)
        if f is None or not os.path.isfile(f):
            self._not_found("MANIFEST_UNKNOWN" if kind == "manifests" else "BLOB_UNKNOWN")
            return
        with open(f, "rb") as fh:
            body = fh.read()
        if kind == "manifests":
            ctype = "application/vnd.oci.image.manifest.v1+json"
            if os.path.isfile(f + ".type"):
                with open(f + ".type") as fh:
                    ctype = fh.read().strip()
            if ref.startswith("sha256:"):
                digest = ref
            else:
                digest = "sha256:" + hashlib.sha256(body).hexdigest()
            self._send(200, body, ctype, {"Docker-Content-Digest": digest})
        else:
            self._send(200, body, "application/octet-stream", {"Docker-Content-Digest": ref})

    def do_GET(self):
        self._handle()

    def do_HEAD(self):
        self._handle()


def main():
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__)
        sys.exit(2)
    Handler.root = os.path.abspath(sys.argv[1])
    Handler.logfile = sys.argv[3] if len(sys.argv) > 3 else None
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    port_file = sys.argv[2]
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
