"""HTTP/1.1 plumbing: a threading server with keep-alive, and the per-connection handler.

The handler reads one request (Content-Length or chunked body), hands it to the
Simulator (app.py) and carries out the Plan it gets back: write the response with
Content-Length, write it with a stall in the middle, or close without answering.
A client that goes away mid-request only ends its own connection.
"""

import http
import http.server
import select
import socket
import sys
import time

import web

IDLE_TIMEOUT = 300  # seconds a keep-alive connection may sit idle
SMALL_BODY = 64 * 1024  # bodies up to this size go out in the same write as the headers


class SimServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, sim):
        self.sim = sim
        super().__init__(address, Handler)

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, socket.timeout, TimeoutError)):
            return
        super().handle_error(request, client_address)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT
    disable_nagle_algorithm = True

    def log_message(self, format, *args):
        pass  # the Simulator keeps its own request log

    def do_GET(self):
        self._serve()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def _serve(self):
        try:
            body = self._read_body()
        except ValueError as exc:
            self.close_connection = True
            self._write(web.error(400, "INVALID_ARGUMENT", str(exc)))
            return
        req = web.Request(self.server.sim, self.command, self.path,
                          web.Headers(self.headers.items()), body)
        plan = self.server.sim.handle(req, self)
        if plan.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self._write(plan.response, plan.stall, plan.stall_bytes)

    def sim_wait(self, seconds):
        """Sleep ``seconds`` without holding anything; False as soon as the client has
        closed its end of the connection (EOF), True when the time is up."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return True
            try:
                readable, _, _ = select.select([self.connection], [], [], left)
            except (OSError, ValueError):
                return False
            if not readable:
                return True
            try:
                peeked = self.connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                return False
            if not peeked:
                return False
            # The client sent more (a pipelined request): it is still there.
            time.sleep(max(0.0, deadline - time.monotonic()))
            return True

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._read_chunked()
        length = self.headers.get("Content-Length")
        if length is None:
            return b""
        try:
            length = int(length)
        except ValueError:
            raise ValueError("Content-Length is not a number") from None
        if length < 0:
            raise ValueError("Content-Length is negative")
        body = self.rfile.read(length)
        if len(body) != length:
            raise ConnectionError("client closed the connection mid-body")
        return body

    def _read_chunked(self):
        chunks = []
        while True:
            line = self.rfile.readline(65537)
            if not line:
                raise ConnectionError("client closed the connection mid-body")
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise ValueError("malformed chunk size") from None
            if size == 0:
                while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline(65537)

    def _write(self, response, stall=None, stall_bytes=None):
        body = response.body if self.command != "HEAD" else b""
        head = self._head(response)
        if stall is not None:
            cut = len(body) // 2 if stall_bytes is None else min(stall_bytes, len(body))
            self.wfile.write(head + body[:cut])
            time.sleep(stall)
            self.wfile.write(body[cut:])
        elif len(body) <= SMALL_BODY:
            self.wfile.write(head + body)  # one segment for the usual small answer
        else:
            self.wfile.write(head)
            self.wfile.write(body)

    def _head(self, response):
        try:
            reason = http.HTTPStatus(response.status).phrase
        except ValueError:
            reason = ""
        lines = ["HTTP/1.1 %d %s" % (response.status, reason),
                 "Date: " + self.date_time_string(),
                 "Content-Type: " + response.content_type,
                 "Content-Length: %d" % len(response.body)]
        lines += ["%s: %s" % item for item in response.headers.items()]
        if self.close_connection:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def serve(sim, host, port):
    """A SimServer bound to (host, port), listening but not yet serving."""
    server = SimServer((host, port), sim)
    if sim.public_url is None:
        bound_host, bound_port = server.server_address[:2]
        sim.public_url = "http://%s:%d" % (
            "127.0.0.1" if bound_host in ("0.0.0.0", "") else bound_host, bound_port)
    return server
