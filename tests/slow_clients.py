"""A slow-client attack on a server, and a normal client timing its requests meanwhile."""

import contextlib
import socket
import threading
import time

import requests

# Never finished: the trickling header grows a byte at a time and never ends.
HEAD_START = b"GET /v0/pipelines HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "


@contextlib.contextmanager
def slow_connections(port: int, count: int, interval: float = 0.25):
    """Hold `count` connections open: half send their head a byte at a time, half stall.

    Every connection starts its request (so the server has something to wait for), then
    the stalled half sends nothing more and the other half one byte per `interval`.
    Yields the sockets.
    """
    sockets = []
    stop = threading.Event()

    def trickle():
        while not stop.wait(interval):
            for sock in sockets[::2]:
                with contextlib.suppress(OSError):
                    sock.send(b"a")

    try:
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(HEAD_START[:20])
            sockets.append(sock)
        thread = threading.Thread(target=trickle, daemon=True)
        thread.start()
        yield sockets
    finally:
        stop.set()
        for sock in sockets:
            sock.close()


def still_open(sock: socket.socket) -> bool:
    """Whether the server has neither answered nor closed the connection."""
    sock.setblocking(False)
    try:
        sock.recv(1, socket.MSG_PEEK)  # bytes (an answer) or b"" (closed)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        sock.setblocking(True)
    return False


def timed_requests(
    url: str, count: int, timeout: float = 5.0, give_up: tuple[float, int] | None = None
) -> list[float]:
    """Send `count` GETs, each on a new connection; return each one's seconds (inf if failed).

    `give_up=(seconds, n)`: stop once more than `n` requests took longer than `seconds`; the
    requests not sent count as failed (a broken server fails fast instead of timing out 50x).
    """
    durations = []
    for _ in range(count):
        if give_up and sum(duration > give_up[0] for duration in durations) > give_up[1]:
            return durations + [float("inf")] * (count - len(durations))
        started = time.perf_counter()
        try:
            response = requests.get(url, timeout=timeout)
            ok = response.status_code == 200
        except requests.RequestException:
            ok = False
        durations.append(time.perf_counter() - started if ok else float("inf"))
    return durations
