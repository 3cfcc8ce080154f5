"""Benchmark a normal client's List Pipelines while slow clients hold connections open.

Usage: python benchmarks/slow_clients.py [--slow 200] [--requests 50] [--baselines]

Starts gunicorn (2 workers) as `pipeline-store serve` runs it (app/gunicorn_conf.py), opens
`--slow` connections that send their request head a byte at a time or stall mid-head, then
times `--requests` GETs of `/v0/pipelines?selector=status` on fresh connections. Prints the
share answered within 1 s, the median and the 95th percentile. `--baselines` repeats the run
with gunicorn's stock workers at the same settings (`gthread`, and `sync` as `serve` used
before), whose requests time out after 2 s.
"""

import argparse
import pathlib
import statistics
import sys
import tempfile
import time

import requests

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.server import gunicorn_server  # noqa: E402
from tests.slow_clients import slow_connections  # noqa: E402
from tests.slow_clients import still_open  # noqa: E402
from tests.slow_clients import timed_requests  # noqa: E402

CONFIGURATIONS = {
    "pipeline-store (gunicorn_conf)": [],
    "stock gthread, 8 threads": ["--worker-class", "gthread"],
    "stock sync (serve before)": ["--worker-class", "sync", "--threads", "1"],
}


def run(name: str, args: list[str], slow: int, count: int) -> dict:
    """Measure one server configuration under the attack."""
    with (
        tempfile.TemporaryDirectory() as folder,
        gunicorn_server(pathlib.Path(folder), workers=2, args=args) as (url, _),
    ):
        for index in range(5):
            requests.post(f"{url}/v0/pipelines", json={"name": f"p{index}", "program_code": ""})
        port = int(url.rsplit(":", 1)[1])
        with slow_connections(port, slow) as sockets:
            time.sleep(1)
            durations = timed_requests(f"{url}/v0/pipelines?selector=status", count, timeout=2)
            held = sum(still_open(sock) for sock in sockets)
    answered = sorted(d for d in durations if d != float("inf"))
    return {
        "name": name,
        "within_1s": sum(d <= 1.0 for d in durations) / count,
        "failed": count - len(answered),
        "median_ms": statistics.median(answered) * 1000 if answered else float("nan"),
        "p95_ms": sorted(durations)[int(0.95 * count) - 1] * 1000,
        "slow_open": held,
    }


def main() -> None:
    """Parse arguments, run each configuration, print one row each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slow", type=int, default=200, help="slow connections")
    parser.add_argument("--requests", type=int, default=50, help="normal requests")
    parser.add_argument("--baselines", action="store_true", help="also run stock workers")
    options = parser.parse_args()
    names = list(CONFIGURATIONS) if options.baselines else list(CONFIGURATIONS)[:1]
    print("| server | answered within 1 s | failed | median | p95 | slow connections open |")
    print("|---|---|---|---|---|---|")
    for name in names:
        row = run(name, CONFIGURATIONS[name], options.slow, options.requests)
        print(
            f"| {row['name']} | {row['within_1s']:.0%} | {row['failed']} | "
            f"{row['median_ms']:.1f} ms | {row['p95_ms']:.1f} ms | {row['slow_open']} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
