#!/usr/bin/env python3
"""A hostile answer server for the ras tests (Python 3 standard library only).

    python3 test/hostile.py --upstream http://127.0.0.1:PORT [--host 127.0.0.1] [--port 0]
                            [--port-file PATH] [--max-seconds 1800]

An HTTP/1.1 server on loopback that forwards every request to the upstream (the
simulator, directly, not through the proxy) and, for requests matching a rule, mangles
the answer: what a broken proxy, a compromised endpoint or a buggy API could send back.
Requests no rule matches are forwarded unchanged, headers included (the answer's
x-amzn-RequestId, Content-Type, Retry-After, ... come back as the upstream sent them;
only hop-by-hop headers and Content-Length are redone). Accept-Encoding is not
forwarded, so answers arrive uncompressed and can be rewritten.

It stops itself after --max-seconds (default 1800), so a crashed test never leaves it
running. See test/README.md ("The hostile answer server") for the admin API and the
rule format.
"""

import argparse
import base64
import copy
import gzip
import http
import http.client
import http.server
import json
import os
import re
import signal
import socket
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te",
              "trailer", "upgrade", "content-length", "host", "accept-encoding"}
LOG_KEEP = 5000
BODY_LOG_MAX = 64 * 1024


class RuleError(ValueError):
    """A malformed rule (answered with 400 by the admin API)."""


ACTIONS = ("status", "body", "json_patch", "token", "drip", "large", "pass")
JSON_OPS = ("set", "delete", "copy", "next_token", "carry", "url_to_self")


class Rule:
    def __init__(self, spec, seq):
        if not isinstance(spec, dict):
            raise RuleError("a rule is a JSON object")
        self.spec = spec
        self.id = seq
        self.action = spec.get("action")
        if self.action not in ACTIONS:
            raise RuleError("unknown action %r; known: %s" % (self.action, ", ".join(ACTIONS)))
        try:
            self.path = re.compile(spec.get("path", ""))
        except re.error as exc:
            raise RuleError("bad path regex: %s" % exc) from None
        self.method = spec.get("method")
        self.method = self.method.upper() if isinstance(self.method, str) else None
        self.times = spec.get("times")  # None: unlimited
        self.skip = int(spec.get("skip", 0))
        self.when = spec.get("when") or {}
        self.forward = bool(spec.get("forward", True))
        self.request_drop = spec.get("request_drop") or []
        self.used = 0
        # per-rule state for json_patch operations
        self.counter = 0
        self.carried = None
        if self.action == "json_patch":
            ops = spec.get("ops")
            if not isinstance(ops, list) or not ops:
                raise RuleError("json_patch needs a non-empty list 'ops'")
            for op in ops:
                if not isinstance(op, dict) or op.get("op") not in JSON_OPS:
                    raise RuleError("unknown json_patch op %r; known: %s"
                                    % (op, ", ".join(JSON_OPS)))

    def matches_request(self, method, path):
        if self.times is not None and self.used >= self.times:
            return False
        if self.method and self.method != method:
            return False
        return self.path.search(path) is not None

    def describe(self):
        return dict(self.spec, id=self.id, used=self.used)


# ----------------------------------------------------------------------------- JSON paths

def _segments(path):
    if path in ("", None):
        return []
    return str(path).split(".")


def _index(container, seg):
    """The key or list index seg names in container, or None."""
    if isinstance(container, list):
        try:
            i = int(seg)
        except ValueError:
            return None
        if -len(container) <= i < len(container):
            return i
        return None
    if isinstance(container, dict):
        return seg
    return None


def _walk(doc, segs):
    """Every (parent, key) the path segs reaches; '*' matches every element."""
    if not segs:
        return []
    targets = [doc]
    for seg in segs[:-1]:
        nxt = []
        for t in targets:
            if seg == "*":
                nxt.extend(t.values() if isinstance(t, dict) else t if isinstance(t, list) else [])
                continue
            k = _index(t, seg)
            if k is None:
                continue
            if isinstance(t, dict) and k not in t:
                continue
            nxt.append(t[k])
        targets = nxt
    last = segs[-1]
    out = []
    for t in targets:
        if last == "*":
            if isinstance(t, dict):
                out.extend((t, k) for k in list(t))
            elif isinstance(t, list):
                out.extend((t, i) for i in range(len(t)))
            continue
        k = _index(t, last)
        if k is not None:
            out.append((t, k))
    return out


def json_get(doc, path):
    cur = doc
    for seg in _segments(path):
        k = _index(cur, seg)
        if k is None or (isinstance(cur, dict) and k not in cur):
            return None
        cur = cur[k]
    return cur


def json_set(doc, path, value):
    for parent, key in _walk(doc, _segments(path)):
        parent[key] = copy.deepcopy(value)


def json_delete(doc, path):
    for parent, key in sorted(_walk(doc, _segments(path)), key=lambda pk: str(pk[1]),
                              reverse=True):
        if isinstance(parent, dict):
            parent.pop(key, None)
        else:
            del parent[key]


# ----------------------------------------------------------------------------- server

class Hostile:
    def __init__(self, upstream, deadline):
        u = urllib.parse.urlsplit(upstream)
        if u.scheme != "http" or u.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit("--upstream must be http on loopback")
        self.up_host, self.up_port = u.hostname, u.port or 80
        self.deadline = deadline
        self.lock = threading.Lock()
        self.rules = []
        self.rule_seq = 0
        self.log = []
        self.log_seq = 0
        self.self_url = None

    # -- rules
    def add_rules(self, specs):
        if not isinstance(specs, list):
            raise RuleError("POST /_hostile/rules takes a JSON list of rules")
        new = []
        with self.lock:
            for spec in specs:
                self.rule_seq += 1
                new.append(Rule(spec, self.rule_seq))
            self.rules.extend(new)
            return [r.describe() for r in new]

    def pick_rule(self, method, path):
        """The first rule this request may use (its 'when' is checked on the answer)."""
        with self.lock:
            for rule in self.rules:
                if rule.matches_request(method, path):
                    return rule
        return None

    def consume(self, rule, answer_json):
        """Whether the rule applies to this answer (when, skip), counting it if so."""
        for key, want in rule.when.items():
            if json_get(answer_json, key) != want:
                return False
        with self.lock:
            if rule.times is not None and rule.used >= rule.times:
                return False
            if rule.skip > 0:
                rule.skip -= 1
                return False
            rule.used += 1
            return True

    # -- log
    def record(self, entry):
        with self.lock:
            self.log_seq += 1
            entry["seq"] = self.log_seq
            self.log.append(entry)
            del self.log[:-LOG_KEEP]
        return entry

    def log_since(self, since):
        with self.lock:
            return {"next": self.log_seq, "requests": [e for e in self.log if e["seq"] > since]}

    # -- upstream
    def forward(self, method, target, headers, body):
        conn = http.client.HTTPConnection(self.up_host, self.up_port, timeout=120)
        try:
            conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            conn.putheader("Host", "%s:%d" % (self.up_host, self.up_port))
            for name, value in headers:
                if name.lower() not in HOP_BY_HOP:
                    conn.putheader(name, value)
            if body or method in ("POST", "PUT", "PATCH"):
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body if body else None)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, [(k, v) for k, v in resp.getheaders()
                                 if k.lower() not in HOP_BY_HOP], data
        finally:
            conn.close()


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address, hostile):
        self.hostile = hostile
        super().__init__(address, Handler)

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, socket.timeout, TimeoutError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


class Answer:
    def __init__(self, status, headers, body, drip=None):
        self.status = status
        self.headers = list(headers)
        self.body = body
        self.drip = drip  # (bytes per write, seconds between writes)

    def set_header(self, name, value):
        self.headers = [(k, v) for k, v in self.headers if k.lower() != name.lower()]
        self.headers.append((name, value))

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 300
    disable_nagle_algorithm = True

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        self._serve()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    # -- plumbing
    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    raise ConnectionError("closed mid-body")
                size = int(line.split(b";", 1)[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        if len(body) != length:
            raise ConnectionError("closed mid-body")
        return body

    def _send(self, answer):
        body = answer.body if self.command != "HEAD" else b""
        try:
            reason = http.HTTPStatus(answer.status).phrase
        except ValueError:
            reason = ""
        lines = ["HTTP/1.1 %d %s" % (answer.status, reason)]
        lines += ["%s: %s" % (k, v) for k, v in answer.headers]
        lines.append("Content-Length: %d" % len(answer.body))
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if answer.drip is None:
            self.wfile.write(head + body)
            return
        step, pause = answer.drip
        self.wfile.write(head)
        self.wfile.flush()
        for i in range(0, len(body), step):
            if time.monotonic() > self.server.hostile.deadline:
                break
            self.wfile.write(body[i:i + step])
            self.wfile.flush()
            time.sleep(pause)

    def _json_answer(self, status, doc):
        return Answer(status, [("Content-Type", "application/json")],
                      json.dumps(doc).encode())

    # -- admin
    def _admin(self, path, query, body):
        h = self.server.hostile
        try:
            if path == "/_hostile/rules" and self.command == "POST":
                return self._json_answer(200, {"added": h.add_rules(json.loads(body or b"null"))})
            if path == "/_hostile/rules" and self.command == "DELETE":
                with h.lock:
                    n = len(h.rules)
                    h.rules = []
                return self._json_answer(200, {"deleted": n})
            if path == "/_hostile/rules" and self.command == "GET":
                with h.lock:
                    return self._json_answer(200, {"rules": [r.describe() for r in h.rules]})
            if path == "/_hostile/log" and self.command == "GET":
                since = int(urllib.parse.parse_qs(query).get("since", ["0"])[0])
                return self._json_answer(200, h.log_since(since))
            if path == "/_hostile/log" and self.command == "DELETE":
                with h.lock:
                    h.log = []
                return self._json_answer(200, {"next": h.log_seq})
        except (RuleError, ValueError, TypeError) as exc:
            return self._json_answer(400, {"error": str(exc)})
        return self._json_answer(404, {"error": "unknown admin route %s %s" % (self.command, path)})

    # -- the proxy
    def _serve(self):
        h = self.server.hostile
        try:
            body = self._read_body()
        except (ValueError, ConnectionError):
            self.close_connection = True
            return
        split = urllib.parse.urlsplit(self.path)
        path, query = split.path, split.query
        if path.startswith("/_hostile/"):
            self._send(self._admin(path, query, body))
            return
        headers = list(self.headers.items())
        entry = h.record({"method": self.command, "path": path, "query": query,
                          "headers": [[k, v] for k, v in headers],
                          "body": body[:BODY_LOG_MAX].decode("utf-8", "replace"),
                          "rule": None, "status": None})
        rule = h.pick_rule(self.command, path)
        fwd_body = body
        if rule is not None and rule.request_drop and body:
            try:
                doc = json.loads(body)
                if isinstance(doc, dict):
                    for key in rule.request_drop:
                        doc.pop(key, None)
                    fwd_body = json.dumps(doc).encode()
            except ValueError:
                pass
        if rule is None or rule.forward:
            try:
                status, up_headers, data = h.forward(self.command, self.path, headers, fwd_body)
            except (OSError, http.client.HTTPException) as exc:
                status, up_headers, data = 502, [("Content-Type", "text/plain")], \
                    ("hostile: upstream failed: %s" % exc).encode()
        else:
            status, up_headers, data = 200, [("Content-Type", "application/json")], b"{}"
        answer = Answer(status, up_headers, data)
        if rule is not None:
            try:
                up_json = json.loads(data) if data.strip() else None
            except ValueError:
                up_json = None
            if h.consume(rule, up_json):
                entry["rule"] = rule.id
                answer = self._mangle(rule, answer, up_json, headers, body)
        entry["status"] = answer.status
        try:
            self._send(answer)
        except (ConnectionError, socket.timeout, TimeoutError):
            self.close_connection = True

    # -- actions
    def _mangle(self, rule, answer, up_json, req_headers, req_body):
        spec = rule.spec
        act = rule.action
        if act == "pass":
            return answer
        if act == "status":
            answer.status = int(spec.get("status", 500))
            answer.headers = [(k, v) for k, v in answer.headers
                              if k.lower() in ("x-amzn-requestid", "retry-after")]
            if spec.get("echo"):
                auth = dict((k.lower(), v) for k, v in req_headers).get("authorization", "")
                text = req_body.decode("utf-8", "replace")
                if spec.get("echo_format") == "json":
                    answer.body = json.dumps({
                        "code": "INTERNAL_ERROR",
                        "message": "failed request: Authorization: %s; body: %s" % (auth, text),
                        "details": "Authorization: %s" % auth}).encode()
                    answer.set_header("Content-Type", "application/json")
                else:
                    answer.body = ("<html><head><title>%d Error</title></head><body>"
                                   "<h1>Upstream error</h1><p>Your request:</p><pre>"
                                   "Authorization: %s\n\n%s</pre></body></html>"
                                   % (answer.status, auth, text)).encode()
                    answer.set_header("Content-Type", "text/html; charset=utf-8")
            else:
                answer.body = self._given_body(spec, b"")
                answer.set_header("Content-Type", spec.get("content_type", "text/plain"))
            return answer
        if act == "body":
            if "replace_hex" in spec:
                for old, new in spec["replace_hex"]:
                    answer.body = answer.body.replace(bytes.fromhex(old), bytes.fromhex(new))
            elif "truncate" in spec:
                answer.body = answer.body[:int(spec["truncate"])]
            elif "truncate_fraction" in spec:
                answer.body = answer.body[:int(len(answer.body) * float(spec["truncate_fraction"]))]
            else:
                answer.body = self._given_body(spec, b"")
            if "status" in spec:
                answer.status = int(spec["status"])
            if "content_type" in spec:
                answer.set_header("Content-Type", spec["content_type"])
            return answer
        if act == "json_patch":
            if up_json is None:
                return answer
            doc = up_json
            for op in spec["ops"]:
                doc = self._json_op(rule, op, doc)
            answer.body = json.dumps(doc).encode()
            return answer
        if act == "token":
            form = req_body.decode("latin-1")
            if "access_token" in spec:
                answer.status = 200
                answer.body = json.dumps({"access_token": spec["access_token"],
                                          "refresh_token": "Atzr|hostile",
                                          "token_type": "bearer",
                                          "expires_in": int(spec.get("expires_in", 3600))}).encode()
            else:
                decoded = "&".join("%s=%s" % kv for kv in urllib.parse.parse_qsl(form))
                where = spec.get("echo", "error")
                err = {"error": "invalid_grant", "error_description": "The request has an error"}
                if where in ("error", "both"):
                    err["error"] = form
                if where in ("error_description", "both"):
                    err["error_description"] = "bad request: " + decoded + " (sent: " + form + ")"
                if where == "decoded_error":
                    err["error"] = decoded
                answer.status = int(spec.get("status", 400))
                answer.body = json.dumps(err).encode()
            answer.headers = [(k, v) for k, v in answer.headers if k.lower() != "content-type"]
            answer.set_header("Content-Type", "application/json")
            return answer
        if act == "drip":
            body = answer.body
            if spec.get("inflate") and body[:2] == b"\x1f\x8b":
                body = gzip.compress(gzip.decompress(body), compresslevel=0)
            answer.body = body
            answer.drip = (int(spec.get("bytes", 1)), float(spec.get("delay", 0.05)))
            return answer
        if act == "large":
            size = int(float(spec.get("mb", 3)) * 1024 * 1024)
            doc = up_json if isinstance(up_json, dict) else {}
            doc = dict(doc, padding="x" * size)
            answer.status = int(spec.get("status", answer.status))
            answer.body = json.dumps(doc).encode()
            answer.set_header("Content-Type", spec.get("content_type",
                                                      answer.header("Content-Type") or
                                                      "application/json"))
            return answer
        return answer

    @staticmethod
    def _given_body(spec, default):
        if "hex" in spec:
            return bytes.fromhex(spec["hex"])
        if "base64" in spec:
            return base64.b64decode(spec["base64"])
        if "body" in spec:
            b = spec["body"]
            return json.dumps(b).encode() if not isinstance(b, str) else b.encode()
        return default

    def _json_op(self, rule, op, doc):
        kind = op["op"]
        h = self.server.hostile
        if kind == "set":
            if op.get("path", "") == "":
                return copy.deepcopy(op.get("value"))
            json_set(doc, op["path"], op.get("value"))
        elif kind == "delete":
            json_delete(doc, op["path"])
        elif kind == "copy":
            src = json_get(doc, op["from"])
            dst = json_get(doc, op["to"])
            if src is not None and isinstance(dst, list):
                item = copy.deepcopy(src)
                for k, v in (op.get("set") or {}).items():
                    json_set(item, k, v)
                dst.append(item)
        elif kind == "next_token":
            if not isinstance(doc, dict):
                return doc
            with h.lock:
                n = rule.counter
                rule.counter += 1
            values = op.get("values")
            if values:
                doc["nextToken"] = values[n % len(values)] if op.get("cycle", True) \
                    else values[min(n, len(values) - 1)]
            else:
                doc["nextToken"] = "hostile-%d-%s" % (n, uuid.uuid4().hex)
        elif kind == "carry":
            items = json_get(doc, op["path"])
            if isinstance(items, list):
                with h.lock:
                    carried, rule.carried = rule.carried, \
                        copy.deepcopy(items[-1]) if items else rule.carried
                if carried is not None:
                    items.insert(0, carried)
        elif kind == "url_to_self":
            path = op.get("path", "url")
            url = json_get(doc, path)
            if isinstance(url, str) and h.self_url:
                u = urllib.parse.urlsplit(url)
                json_set(doc, path, h.self_url + urllib.parse.urlunsplit(
                    ("", "", u.path, u.query, u.fragment)))
        return doc


def write_port_file(path, port):
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".port-", dir=directory)
    with os.fdopen(fd, "w") as fh:
        fh.write("%d\n" % port)
    os.replace(tmp, path)


def main(argv=None):
    p = argparse.ArgumentParser(description="hostile answer server for the ras tests")
    p.add_argument("--upstream", required=True, help="http://127.0.0.1:PORT (the simulator)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 binds a free port")
    p.add_argument("--port-file", help="write the bound port here (atomically)")
    p.add_argument("--max-seconds", type=float, default=1800,
                   help="stop by itself after this many seconds")
    args = p.parse_args(argv)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        p.error("--host must be a loopback address")
    deadline = time.monotonic() + args.max_seconds
    hostile = Hostile(args.upstream, deadline)
    server = Server((args.host, args.port), hostile)
    port = server.server_address[1]
    hostile.self_url = "http://%s:%d" % (args.host, port)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    timer = threading.Timer(args.max_seconds, lambda: os.kill(os.getpid(), signal.SIGTERM))
    timer.daemon = True
    timer.start()
    if args.port_file:
        write_port_file(args.port_file, port)
    print("hostile server on %s:%d, upstream %s, stops in %.0f s"
          % (args.host, port, args.upstream, args.max_seconds), file=sys.stderr, flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
