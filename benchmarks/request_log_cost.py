"""What the per-request log line costs: `python benchmarks/request_log_cost.py [--rounds 20]`.

Two apps on one temporary database, identical but for LOG_LEVEL (INFO logs every request,
WARNING logs none), answer the same cheap request (Get Pipeline, `selector=status`) in
alternating rounds, in-process, with stderr sent to /dev/null. Prints the median time per
request of each and the difference, then the cost of the request-logging wrapper alone
(`app.logs.RequestLog` around a WSGI app that does nothing), steadier on a busy machine.
"""

import argparse
import contextlib
import logging
import os
import pathlib
import statistics
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from app.logs import RequestLog  # noqa: E402

ENVIRON = {
    "REQUEST_METHOD": "GET",
    "PATH_INFO": "/v0/pipelines/p0",
    "QUERY_STRING": "selector=status",
    "REMOTE_ADDR": "127.0.0.1",
}


def idle_app(environ, start_response):
    """A WSGI app that answers at once."""
    start_response("200 OK", [])
    return [b""]


def wrapper_cost(count: int) -> float:
    """Microseconds RequestLog adds to a request (logged minus not logged)."""
    wrapped = RequestLog(idle_app)
    costs = {}
    for level in ("WARNING", "INFO"):
        logging.getLogger("app").setLevel(level)
        started = time.perf_counter()
        for _ in range(count):
            wrapped(ENVIRON, lambda status, headers, exc_info=None: None)
        costs[level] = (time.perf_counter() - started) / count * 1e6
    return costs["INFO"] - costs["WARNING"]


def per_request(client, url: str, count: int) -> float:
    """Seconds per request over `count` requests."""
    started = time.perf_counter()
    for _ in range(count):
        client.get(url)
    return (time.perf_counter() - started) / count


def main() -> None:
    """Alternate rounds of both apps; print medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--requests", type=int, default=200, help="per round")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = {"DATABASE": str(pathlib.Path(folder) / "b.sqlite3"), "SIMULATION_SCALE": 0}
        logged = create_app({**base, "LOG_LEVEL": "INFO"}).test_client()
        quiet = create_app({**base, "LOG_LEVEL": "WARNING"}).test_client()
        body = {"name": "p0", "program_code": "CREATE TABLE t (x INT);"}
        assert quiet.post("/v0/pipelines", json=body).status_code == 201
        url = "/v0/pipelines/p0?selector=status"
        times = {"INFO": [], "WARNING": []}
        with open(os.devnull, "w") as sink, contextlib.redirect_stderr(sink):
            for _ in range(args.rounds):
                # Logging is set up per process (the last app's handler serves both apps),
                # so the level is what each round switches.
                for level, client in (("WARNING", quiet), ("INFO", logged)):
                    logging.getLogger("app").setLevel(level)
                    times[level].append(per_request(client, url, args.requests))
            line = statistics.median(wrapper_cost(args.requests * 5) for _ in range(args.rounds))
    info, warning = (statistics.median(times[level]) * 1e6 for level in ("INFO", "WARNING"))
    print(f"LOG_LEVEL=INFO    {info:8.1f} us per request (a request line each)")
    print(f"LOG_LEVEL=WARNING {warning:8.1f} us per request (no request line)")
    print(f"difference        {info - warning:8.1f} us ({(info / warning - 1) * 100:.1f} %)")
    print(f"one request line  {line:8.1f} us (RequestLog alone, written to /dev/null)")


if __name__ == "__main__":
    main()
