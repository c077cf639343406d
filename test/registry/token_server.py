#!/usr/bin/env python3
"""A minimal Docker/OCI token server (the Bearer flow) for the registry fixture.

docker-registry is configured with `auth.token` pointing its realm here; this
server issues RS256 JWTs signed with <key> whose self-signed certificate <cert>
is the registry's `rootcertbundle` (the certificate travels in the `x5c` header).
Signing uses the openssl CLI, so only the Python standard library is needed.

Endpoints (both answer {"token", "access_token", "expires_in", "issued_at"}):
  GET  /token?service=S&scope=repository:<name>:<actions>[&scope=...]
       Basic auth optional. Good credentials -> every requested action.
       Bad credentials -> 401. No credentials -> only "pull" on repositories
       under "public/" (anything else gets an empty grant, so the registry
       answers 401 insufficient_scope, as Docker Hub does).
  POST /token (application/x-www-form-urlencoded, OAuth2 as in the distribution
       token spec): grant_type=password (username, password) or
       grant_type=refresh_token (refresh_token == REFRESH_TOKEN below, i.e. the
       CRI AuthConfig.identity_token); also answers "refresh_token".

Every issued token is logged as one line "issued sub=<user> scope=<scopes>" to
<log-file>, so tests can count token requests (token caching).

Usage: token_server.py <key.pem> <cert.pem> <port-file> <log-file>
       [--service S] [--issuer I] [--user U] [--password P] [--expires-in N]
"""
import argparse
import base64
import datetime
import hmac
import json
import os
import subprocess
import sys
import time
import urllib.parse
import uuid
import http.server

REFRESH_TOKEN = "crio-fixture-refresh-token"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Issuer:
    def __init__(self, key, cert, service, issuer, expires_in):
        self.key = key
        self.service = service
        self.issuer = issuer
        self.expires_in = expires_in
        der = subprocess.run(["openssl", "x509", "-in", cert, "-outform", "DER"],
                             check=True, capture_output=True).stdout
        self.x5c = base64.b64encode(der).decode()

    def sign(self, subject, access):
        now = int(time.time())
        header = {"typ": "JWT", "alg": "RS256", "x5c": [self.x5c]}
        claims = {"iss": self.issuer, "sub": subject, "aud": self.service,
                  "exp": now + self.expires_in, "nbf": now - 10, "iat": now,
                  "jti": uuid.uuid4().hex, "access": access}
        signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode()) + "." +
                         b64url(json.dumps(claims, separators=(",", ":")).encode()))
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.key],
                             input=signing_input.encode(), check=True,
                             capture_output=True).stdout
        return signing_input + "." + b64url(sig)


def parse_scopes(scopes):
    out = []
    for s in scopes:
        for one in s.split(" "):
            if not one:
                continue
            typ, _, rest = one.partition(":")
            name, _, actions = rest.rpartition(":")
            if not typ or not name:
                continue
            out.append({"type": typ, "name": name,
                        "actions": [a for a in actions.split(",") if a]})
    return out


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "crio-fixture-token/1"
    protocol_version = "HTTP/1.1"
    cfg = None
    issuer = None

    def log_message(self, fmt, *args):
        self._log("%s %s" % (self.address_string(), fmt % args))

    def _log(self, line):
        with open(self.cfg.log_file, "a") as f:
            f.write("%s %s\n" % (datetime.datetime.utcnow().isoformat() + "Z", line))

    def _send(self, code, obj, extra=None):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _unauthorized(self, why):
        self._log("refused: " + why)
        self._send(401, {"errors": [{"code": "UNAUTHORIZED", "message": why}]},
                   {"WWW-Authenticate": 'Basic realm="crio-fixture-token"'})

    def _check(self, user, password):
        return (hmac.compare_digest(user, self.cfg.user) and
                hmac.compare_digest(password, self.cfg.password))

    def _grant(self, subject, scopes, service, refresh=False):
        if service and service != self.cfg.service:
            self._send(400, {"errors": [{"code": "DENIED", "message": "unknown service"}]})
            return
        access = parse_scopes(scopes)
        if subject == "":
            for a in access:
                if not (a["type"] == "repository" and a["name"].startswith("public/")):
                    a["actions"] = []
                else:
                    a["actions"] = [x for x in a["actions"] if x == "pull"]
        token = self.issuer.sign(subject, access)
        self._log("issued sub=%s scope=%s" % (subject or "<anonymous>", " ".join(scopes)))
        resp = {"token": token, "access_token": token, "expires_in": self.cfg.expires_in,
                "issued_at": datetime.datetime.utcnow().isoformat() + "Z"}
        if refresh:
            resp["refresh_token"] = REFRESH_TOKEN
        self._send(200, resp)

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        if u.path != "/token":
            self._send(404, {"errors": [{"code": "NOT_FOUND"}]})
            return
        q = urllib.parse.parse_qs(u.query)
        subject = ""
        auth = self.headers.get("Authorization", "")
        if auth.lower().startswith("basic "):
            try:
                user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
            except Exception:
                self._unauthorized("malformed basic auth")
                return
            if not self._check(user, password):
                self._unauthorized("bad credentials for %r" % user)
                return
            subject = user
        self._grant(subject, q.get("scope", []), (q.get("service") or [""])[0],
                    refresh=q.get("offline_token", [""])[0] == "true" and subject != "")

    def do_POST(self):
        u = urllib.parse.urlsplit(self.path)
        if u.path != "/token":
            self._send(404, {"errors": [{"code": "NOT_FOUND"}]})
            return
        n = int(self.headers.get("Content-Length", "0") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(n).decode())
        g = lambda k: (form.get(k) or [""])[0]
        scopes = form.get("scope", [])
        if g("grant_type") == "password":
            if not self._check(g("username"), g("password")):
                self._unauthorized("bad credentials for %r" % g("username"))
                return
            self._grant(g("username"), scopes, g("service"), refresh=g("access_type") == "offline")
        elif g("grant_type") == "refresh_token":
            if not hmac.compare_digest(g("refresh_token"), REFRESH_TOKEN):
                self._unauthorized("bad refresh token")
                return
            self._grant(self.cfg.user, scopes, g("service"), refresh=True)
        else:
            self._send(400, {"errors": [{"code": "UNSUPPORTED", "message": "grant_type"}]})


def main():
    p = argparse.ArgumentParser()
    p.add_argument("key")
    p.add_argument("cert")
    p.add_argument("port_file")
    p.add_argument("log_file")
    p.add_argument("--service", default="crio-fixture-registry")
    p.add_argument("--issuer", default="crio-fixture-token-issuer")
    p.add_argument("--user", default="testuser")
    p.add_argument("--password", default="testpassword")
    p.add_argument("--expires-in", type=int, default=300)
    cfg = p.parse_args()
    Handler.cfg = cfg
    Handler.issuer = Issuer(cfg.key, cfg.cert, cfg.service, cfg.issuer, cfg.expires_in)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    tmp = cfg.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, cfg.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
