"""Tell whether the client of a streamed response is still there, without writing to it.

A follower (logs, time series) may stay silent for long; it asks this between polls, so a
client that went away frees its worker thread at once instead of at the follow deadline.
"""

from __future__ import annotations

import select
import socket
from collections.abc import Callable


def watcher(environ: dict) -> Callable[[], bool]:
    """Return `alive()` for this request's connection (always True when it cannot tell)."""
    sock = environ.get("gunicorn.socket")
    if sock is None:
        return lambda: True

    def alive() -> bool:
        try:
            # Readable with nothing to read is an orderly close; pending bytes mean a live peer.
            # select() first: the socket may have a timeout, which would make recv() wait.
            readable, _, _ = select.select([sock], [], [], 0)
            return not readable or sock.recv(1, socket.MSG_PEEK) != b""
        except (BlockingIOError, InterruptedError):
            return True
        except OSError:
            return False

    return alive
