"""Benchmark List Pipelines while change streams are open (issue 12: no starved workers).

Usage: python benchmarks/stream_load.py [--streams 50] [--requests 50]

Starts gunicorn (2 workers of 8 threads) as `pipeline-store serve` runs it, starts a pipeline,
times `--requests` list requests with no stream open, then again with `--streams` open change
streams (each polled every 0.25 s by the server and parked in between). Prints the median and
95th percentile of both runs and their ratio, then checks that one pushed batch reached every
stream.
"""

import argparse
import json
import pathlib
import statistics
import sys
import tempfile

import requests

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.server import gunicorn_server  # noqa: E402
from tests.stream_clients import list_latencies  # noqa: E402
from tests.stream_clients import open_streams  # noqa: E402
from tests.stream_clients import wait_running  # noqa: E402

ENV = {"PIPELINE_STORE_SIMULATION_SCALE": "0", "PIPELINE_STORE_EGRESS_IDLE_SECONDS": "120"}
SQL = (
    "CREATE TABLE t (id INT NOT NULL PRIMARY KEY);\nCREATE MATERIALIZED VIEW v AS SELECT * FROM t;"
)


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[max(0, int(0.95 * len(ordered)) - 1)]
    return f"median {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=50)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as folder,
        gunicorn_server(pathlib.Path(folder), workers=2, env=ENV) as (url, _),
    ):
        http = requests.Session()
        http.post(f"{url}/v0/pipelines", json={"name": "load", "program_code": SQL})
        http.post(f"{url}/v0/pipelines/load/start")
        wait_running(http, url, "load")
        list_latencies(http, url, 5)  # warm up
        idle = list_latencies(http, url, args.requests)
        with open_streams(url, "load", "v", args.streams, wanted=3) as received:
            loaded = list_latencies(http, url, args.requests)
            http.post(
                f"{url}/v0/pipelines/load/ingress/t?format=json&array=true&update_format=raw",
                data=json.dumps([{"id": i} for i in range(3)]),
            )
        delivered = sum(len(got) == 3 for got in received)
    print(f"no stream:        {summary(idle)}")
    print(f"{args.streams} streams open: {summary(loaded)}")
    print(f"median ratio:     {statistics.median(loaded) / statistics.median(idle):.2f}")
    print(f"streams that got the pushed batch: {delivered}/{args.streams}")


if __name__ == "__main__":
    main()
