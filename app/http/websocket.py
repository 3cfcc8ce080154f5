"""WebSocket upgrades inside an ordinary Flask view (simple-websocket, gunicorn's threads).

The view accepts the upgrade, talks to the client, and returns `finished()`, which tells
the server the socket was already used (as flask-sock does).
"""

from __future__ import annotations

import base64
import binascii

from flask import Request
from flask import Response
from simple_websocket import ConnectionClosed
from simple_websocket import Server

# Upstream's subprotocol (crates/feldera-types/src/query.rs WS_SUBPROTOCOL).
SUBPROTOCOL = "feldera-ws-v1"
# Browsers cannot set headers on a handshake: the console sends the token as a subprotocol.
BEARER_PREFIX = "feldera-bearer."
# Frames up to this size are read (a query request is one small text frame).
MAX_MESSAGE = 1024 * 1024


def is_upgrade(request: Request) -> bool:
    """Whether the request asks to become a WebSocket."""
    return request.headers.get("Upgrade", "").lower() == "websocket"


def offered_protocols(request: Request) -> list[str]:
    """The subprotocols the client offered."""
    header = request.headers.get("Sec-WebSocket-Protocol", "")
    return [part.strip() for part in header.split(",") if part.strip()]


def bearer_from_protocols(request: Request) -> str | None:
    """The bearer token a browser passed as `feldera-bearer.<base64url>`, if any."""
    for protocol in offered_protocols(request):
        if protocol.startswith(BEARER_PREFIX):
            encoded = protocol[len(BEARER_PREFIX) :]
            try:
                return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
            except (binascii.Error, UnicodeDecodeError, ValueError):
                return None
    return None


def accept(request: Request) -> Server:
    """Complete the handshake, echoing upstream's subprotocol."""
    return Server.accept(request.environ, subprotocols=[SUBPROTOCOL], max_message_size=MAX_MESSAGE)


def finished(ws: Server) -> Response:
    """The view's return value once the socket is closed."""

    class _Used(Response):
        def __call__(self, *args, **kwargs):
            if ws.mode == "gunicorn":
                raise StopIteration()  # gunicorn: the socket is gone, write nothing
            if ws.mode == "werkzeug":
                return super().__call__(*args, **kwargs)
            return []

    return _Used()


__all__ = ["ConnectionClosed", "Server", "accept", "finished", "is_upgrade"]
