"""gunicorn's threaded worker, made safe from slow clients, answering its own errors in JSON.

gunicorn's `gthread` worker hands every new connection to a thread, which then blocks until
the request head (and later the body) has arrived: 200 clients sending a byte at a time hold
every thread, and nobody else is served. This worker reads each request's head, and a body of
announced size up to MAX_BODY_BYTES, in the event loop first, without a thread, and gives the
connection to a thread only once the request is complete. A client that takes longer than
REQUEST_TIMEOUT_SECONDS gets `408` and is closed; the bytes a thread still reads itself (a
chunked body, or one larger than the limit) wait at most that long per read.

Parse errors gunicorn answers itself (request line or headers too long, malformed HTTP) get
pipeline-store's JSON envelope instead of gunicorn's HTML page.
"""

import dataclasses
import errno
import http
import json
import re
import selectors
import ssl
import time
from functools import partial

from gunicorn import http as gunicorn_http
from gunicorn.http import errors as parse_errors
from gunicorn.http2 import negotiation
from gunicorn.workers.gthread import TConn
from gunicorn.workers.gthread import ThreadWorker

from app.config import SETTINGS
from app.errors import ApiError
from app.errors import InternalServerError
from app.errors import InvalidHttpRequest
from app.errors import RequestHeaderFieldsTooLarge
from app.errors import RequestLineTooLong
from app.errors import RequestRefused
from app.errors import RequestTimeout
from app.gunicorn_parking import ParkingMixin

HEAD_END = b"\r\n\r\n"
CONTENT_LENGTH = re.compile(rb"\r\ncontent-length[ \t]*:[ \t]*(\d+)[ \t]*\r\n", re.IGNORECASE)
# A longer length is over any limit (and Python's int() refuses 4300+ digits).
MAX_LENGTH_DIGITS = 18
# Bodies the thread must read itself: chunked (size unknown), or held back until the client
# sees `100 Continue`.
THREAD_READS_BODY = re.compile(rb"\r\n(transfer-encoding|expect)[ \t]*:", re.IGNORECASE)
RECV_BYTES = 64 * 1024

# A header the application tried to send is the application's fault, as gunicorn says.
SERVER_SIDE = (
    parse_errors.InvalidResponseHeader,
    parse_errors.InvalidResponseHeaderName,
    parse_errors.ConfigurationProblem,
)
CLIENT_ERRORS = (parse_errors.ParseException, ssl.SSLError)
# Rare refusals with a status of their own (gunicorn's choice); any other client error is 400.
REFUSED_WITH = (
    (parse_errors.ForbiddenProxyRequest, 403),
    (parse_errors.ExpectationFailed, 417),
    (parse_errors.UnsupportedTransferCoding, 501),
)


@dataclasses.dataclass
class PartialRequest:
    """What a connection has sent so far, and until when it may finish."""

    deadline: float
    data: bytearray = dataclasses.field(default_factory=bytearray)
    size: int | None = None  # head plus body, once the head is known
    searched: int = 0  # where the head's end can still start (each byte is searched once)


def envelope(error: ApiError) -> bytes:
    """Return a complete HTTP/1.1 response carrying the error's JSON envelope; it closes."""
    body = json.dumps(error.body()).encode()
    head = (
        f"HTTP/1.1 {error.status} {http.HTTPStatus(error.status).phrase}\r\n"
        "Connection: close\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


def parse_error(exc: Exception) -> ApiError:
    """The catalogue's answer to what gunicorn refused, or failed at, before the app ran."""
    if isinstance(exc, SERVER_SIDE) or not isinstance(exc, CLIENT_ERRORS):
        return InternalServerError()
    reason = str(exc)
    if isinstance(exc, parse_errors.LimitRequestLine):
        return RequestLineTooLong(reason=reason)
    if isinstance(exc, parse_errors.LimitRequestHeaders):
        return RequestHeaderFieldsTooLarge(reason=reason)
    for cls, status in REFUSED_WITH:
        if isinstance(exc, cls):
            return RequestRefused(status, f"Invalid HTTP request: {reason}")
    return InvalidHttpRequest(reason=reason)


def request_size(data: bytearray, start: int, max_body: int, max_head: int) -> int | None:
    """Bytes that make the whole request, once its head is in `data`; None while unknown.

    The head's end is looked for from `start` on. A request whose body the thread reads
    itself counts as its head only.
    """
    end = data.find(HEAD_END, start)
    if end < 0:
        # An oversized head goes to the parser, which refuses it.
        return len(data) if len(data) > max_head else None
    head = data[: end + 2]
    if THREAD_READS_BODY.search(head):
        return end + 4
    match = CONTENT_LENGTH.search(head)
    digits = match.group(1) if match else b"0"
    length = int(digits) if len(digits) <= MAX_LENGTH_DIGITS else max_body + 1
    # A body over the limit is refused by the app (413) without being read.
    return end + 4 + (length if length <= max_body else 0)


class RequestReadingWorker(ParkingMixin, ThreadWorker):
    """`gthread` whose threads only ever see complete requests (see the module docstring)."""

    def run(self):
        """Read the limits from the loaded app's settings, then serve."""
        config = getattr(self.wsgi, "config", {})
        self.request_timeout = float(
            config.get("REQUEST_TIMEOUT_SECONDS", SETTINGS["REQUEST_TIMEOUT_SECONDS"][0])
        )
        self.max_body = int(config.get("MAX_BODY_BYTES", SETTINGS["MAX_BODY_BYTES"][0]))
        line = self.cfg.limit_request_line or 1024 * 1024
        fields = self.cfg.limit_request_fields or 32768
        self.max_head = line + fields * ((self.cfg.limit_request_field_size or 8190) + 2)
        # Insertion order is deadline order: every deadline is "now + the same timeout".
        self.reading: dict[TConn, PartialRequest] = {}
        self.init_parking()
        super().run()

    def accept(self, listener):
        """Accept a connection and start reading its request in the event loop."""
        try:
            client, address = listener.accept()
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        conn = TConn(self.cfg, client, address, listener.getsockname())
        if self.cfg.is_ssl or negotiation.prior_knowledge_allowed(self.cfg, address):
            # TLS and HTTP/2 handshakes happen in the thread, as gunicorn does them.
            super().enqueue_req(conn)
            return
        conn.parser = gunicorn_http.get_parser(self.cfg, conn.sock, conn.client)
        self.read_request(conn)

    def on_client_socket_readable(self, conn, client):
        """A kept-alive connection sends its next request: read it in the event loop too."""
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        self.read_request(conn)

    def enqueue_req(self, conn):
        """Hand a connection to a thread, unless the next request it holds is still partial.

        gunicorn calls this when a thread read past the end of a request (pipelining): the
        rest of the next request is then read here too.
        """
        held = b"" if conn.parser is None or conn.is_http2 else conn.parser.unreader.buf.getvalue()
        if held and not self.is_complete(PartialRequest(0.0, bytearray(held))):
            conn.parser.unreader.take_buffered()
            self.read_request(conn, held)
            return
        super().enqueue_req(conn)

    def read_request(self, conn, held: bytes = b"") -> None:
        """Watch the connection until its request is complete or its time is up."""
        conn.sock.setblocking(False)
        pending = PartialRequest(time.monotonic() + self.request_timeout, bytearray(held))
        self.reading[conn] = pending
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self.on_request_bytes, conn))

    def on_request_bytes(self, conn, _sock) -> None:
        """Buffer what arrived; hand the connection to a thread once the request is whole."""
        try:
            chunk = conn.sock.recv(RECV_BYTES)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        pending = self.reading[conn]
        if not chunk:  # the client went away
            self.stop_reading(conn)
            self.close(conn)
            return
        pending.data += chunk
        try:
            complete = self.is_complete(pending)
        except Exception:  # never let one request stop the event loop of every connection
            self.log.exception("Cannot read the request head")
            complete = True  # the thread's parser answers whatever is wrong with it
        if complete:
            self.stop_reading(conn)
            conn.parser.unreader.unread(bytes(pending.data))
            conn.data_ready = True  # no wait for a first byte in the thread
            super().enqueue_req(conn)

    def is_complete(self, pending: PartialRequest) -> bool:
        """Whether the buffered bytes hold the whole request (its size known once its head is)."""
        if pending.size is None:
            pending.size = request_size(
                pending.data, pending.searched, self.max_body, self.max_head
            )
            pending.searched = max(0, len(pending.data) - len(HEAD_END) + 1)
        return pending.size is not None and len(pending.data) >= pending.size

    def stop_reading(self, conn) -> PartialRequest:
        """Stop watching the connection in the event loop."""
        self.poller.unregister(conn.sock)
        return self.reading.pop(conn)

    def close(self, conn) -> None:
        """Close a connection this worker counted."""
        self.nr_conns -= 1
        conn.close()

    def murder_pending(self):
        """Also time out requests still arriving after REQUEST_TIMEOUT_SECONDS.

        A stopping worker also closes the connections that have sent nothing, rather than
        waiting out its graceful timeout for them.
        """
        super().murder_pending()
        now = time.monotonic()
        if self.alive:
            late = []
            for conn, pending in self.reading.items():
                if pending.deadline > now:
                    break  # the rest are later still
                late.append(conn)
        else:
            late = [c for c, p in self.reading.items() if p.deadline <= now or not p.data]
        for conn in late:
            pending = self.stop_reading(conn)
            if pending.data:  # an idle connection (a browser's preconnect) just closes
                self.send(conn, envelope(RequestTimeout(seconds=self.request_timeout)))
            self.close(conn)

    def handle_error(self, req, client, addr, exc):
        """Answer what gunicorn refuses (or fails at) with the JSON envelope, not HTML."""
        error = parse_error(exc)
        if error.status < 500:
            self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], exc)
        else:
            self.log.exception("Error handling request")
        self.send_to_socket(client, envelope(error))

    def send(self, conn, response: bytes) -> None:
        """Write a short response without blocking the event loop (the socket buffer takes it)."""
        try:
            conn.sock.send(response)
        except OSError:
            self.log.debug("Failed to send error message.")

    def send_to_socket(self, sock, response: bytes) -> None:
        """Write a short response from a thread, giving up if the client does not take it."""
        try:
            sock.settimeout(1.0)
            sock.sendall(response)
        except OSError:
            self.log.debug("Failed to send error message.")
