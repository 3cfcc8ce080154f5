"""Benchmark List Pipelines against the floor of reading the rows and dumping the response.

Usage: python benchmarks/list_pipelines.py [--sizes 10 1000 10000] [--no-http]

For each N it fills a temporary database with N realistic pipelines (~2 KB program_code, the
full runtime_config), then measures in one run, per selector:
- floor: SELECT the selector's columns from SQLite + json.dumps of the final response;
- in-process: GET /v0/pipelines through Flask's test client;
- http: GET over loopback against gunicorn (2 workers), one keep-alive session.
Medians are printed with the endpoint/floor ratio and the per-pipeline cost.
"""

import argparse
import json
import pathlib
import statistics
import sys
import tempfile
import time
from functools import partial

import requests

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app.pipeline_config import normalize_program_config  # noqa: E402
from app.pipeline_config import normalize_runtime_config  # noqa: E402
from app.pipelines import persistence  # noqa: E402
from app.pipelines.records import fresh_record  # noqa: E402
from app.schemas.pipelines import FIELD_SETS  # noqa: E402
from app.schemas.pipelines import SELECTORS  # noqa: E402
from app.storage import get_store  # noqa: E402
from app.timeutil import format_timestamp  # noqa: E402
from app.timeutil import now  # noqa: E402
from app.timeutil import uuid7  # noqa: E402
from tests.server import gunicorn_server  # noqa: E402


def program(index: int) -> str:
    """Return a ~2 KB SQL program."""
    lines = [f"-- pipeline {index}: orders, customers and their running totals"]
    for table in range(6):
        lines.append(
            f"CREATE TABLE orders_{table} (id BIGINT NOT NULL PRIMARY KEY, customer_id BIGINT, "
            f"amount DECIMAL(12, 2), placed_at TIMESTAMP LATENESS INTERVAL 1 HOUR, note VARCHAR);"
        )
        lines.append(
            f"CREATE MATERIALIZED VIEW totals_{table} AS SELECT customer_id, SUM(amount) AS total "
            f"FROM orders_{table} GROUP BY customer_id;"
        )
    return "\n".join(lines)[:2048].ljust(2048)


def fill(app, count: int) -> None:
    """Insert `count` pipelines in one transaction."""
    runtime_config = normalize_runtime_config(
        {"workers": 4, "resources": {"memory_mb_max": 4096}, "env": {"RUST_BACKTRACE": "1"}}
    )
    program_config = normalize_program_config({"profile": "optimized"})
    stamp = format_timestamp(now())
    with app.app_context():
        store = get_store()
        with store.write():
            for index in range(count):
                persistence.insert(
                    store,
                    fresh_record(
                        pipeline_id=uuid7(),
                        name=f"pipeline-{index:05d}",
                        now=stamp,
                        platform_version="0.369.0",
                        runtime_config=runtime_config,
                        program_config=program_config,
                        program_code=program(index),
                        description=f"Benchmark pipeline {index}",
                        tags=["bench", f"group-{index % 10}"],
                    ),
                    simulated=False,
                )


def median_seconds(action, repeats: int) -> float:
    """Return the median wall time of `action` over `repeats` runs (after one warm-up)."""
    action()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def floor_action(app, selector: str, response: list):
    """Read the selector's columns from SQLite, then json.dumps the final response."""
    columns = ", ".join(name for name in FIELD_SETS[selector] if name != "connectors")

    def action():
        with app.app_context():
            rows = get_store().db.execute(f"SELECT {columns} FROM pipelines ORDER BY id").fetchall()
        assert len(rows) == len(response)
        json.dumps(response)

    return action


def run(sizes: list[int], http: bool) -> list[dict]:
    """Measure every size and selector; return the result rows."""
    results = []
    for count in sizes:
        repeats = max(5, min(200, 20_000 // count))
        with tempfile.TemporaryDirectory() as tmp:
            instance = pathlib.Path(tmp)
            app = create_app({"DATABASE": str(instance / "pipelines.sqlite3"), "TESTING": True})
            fill(app, count)
            client = app.test_client()
            server = gunicorn_server(instance, workers=2) if http else None
            base_url = server.__enter__()[0] if server else None
            session = requests.Session()
            try:
                for selector in SELECTORS:
                    url = f"/v0/pipelines?selector={selector}"
                    body = client.get(url).get_json()
                    assert len(body) == count
                    floor = floor_action(app, selector, body)
                    row = {
                        "n": count,
                        "selector": selector,
                        "floor_ms": 1000 * median_seconds(floor, repeats),
                        "inproc_ms": 1000 * median_seconds(partial(client.get, url), repeats),
                    }
                    if base_url:
                        fetch = partial(session.get, base_url + url)
                        row["http_ms"] = 1000 * median_seconds(fetch, repeats)
                    row["ratio"] = row["inproc_ms"] / row["floor_ms"]
                    row["inproc_us_per_pipeline"] = 1000 * row["inproc_ms"] / count
                    results.append(row)
                    print(format_row(row), flush=True)
            finally:
                session.close()
                if server:
                    server.__exit__(None, None, None)
    return results


def format_row(row: dict) -> str:
    """Render one result line."""
    http = f"  http {row['http_ms']:9.2f} ms" if "http_ms" in row else ""
    return (
        f"N={row['n']:>6} {row['selector']:<24} floor {row['floor_ms']:9.2f} ms  "
        f"in-process {row['inproc_ms']:9.2f} ms  ratio {row['ratio']:5.2f}{http}  "
        f"({row['inproc_us_per_pipeline']:.1f} us/pipeline)"
    )


def main() -> None:
    """Parse arguments and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 1000, 10000])
    parser.add_argument("--no-http", action="store_true", help="skip the gunicorn measurements")
    parser.add_argument("--json", type=pathlib.Path, help="also write the results to this file")
    args = parser.parse_args()
    results = run(args.sizes, http=not args.no_http)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
