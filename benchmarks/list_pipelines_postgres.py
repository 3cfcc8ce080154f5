"""Benchmark List Pipelines on Postgres against its floor, beside the same on SQLite (issue 17).

Usage: python benchmarks/list_pipelines_postgres.py [--sizes 1000] [--database postgresql://...]

Without --database it starts a throwaway PostgreSQL cluster (tests/postgres.py: Debian's
initdb, a temporary folder, a loopback port; durability settings off as in the tests). For each
N it fills one Postgres database and one SQLite file with the same N pipelines and measures in
one run, per selector:
- floor: SELECT the selector's columns (psycopg, or sqlite3) + json.dumps of the final response;
- in-process: GET /v0/pipelines through Flask's test client on that backend.
The two are sampled alternately (the machine's load drifts) and medians compared.
The target is speed >= 1.0x the floor (floor time / endpoint time) on Postgres.
"""

import argparse
import contextlib
import json
import pathlib
import statistics
import sys
import tempfile
import time
from functools import partial

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from app import storage  # noqa: E402
from app.schemas.pipelines import FIELD_SETS  # noqa: E402
from app.schemas.pipelines import SELECTORS  # noqa: E402
from app.storage import get_store  # noqa: E402
from benchmarks.list_pipelines import fill  # noqa: E402


def interleaved_medians(first, second, repeats: int) -> tuple[float, float]:
    """Median seconds of two actions sampled alternately, so both see the same machine load."""
    first(), second()
    samples = ([], [])
    for _ in range(repeats):
        for action, times in ((first, samples[0]), (second, samples[1])):
            start = time.perf_counter()
            action()
            times.append(time.perf_counter() - start)
    return statistics.median(samples[0]), statistics.median(samples[1])


def floor_action(app, selector: str, response: list):
    """Read the selector's columns through the backend's driver, then json.dumps the response."""
    columns = ", ".join(name for name in FIELD_SETS[selector] if name != "connectors")

    def action():
        with app.app_context():
            store = get_store()
            driver = store.conn if storage.uses_postgres(app) else store.db
            rows = driver.execute(f"SELECT {columns} FROM pipelines ORDER BY id").fetchall()
        assert len(rows) == len(response)
        json.dumps(response)

    return action


def measure(app, count: int, backend: str) -> list[dict]:
    """Every selector's floor and in-process medians on one filled app."""
    repeats = max(11, min(200, 40_000 // count))
    client = app.test_client()
    rows = []
    for selector in SELECTORS:
        url = f"/v0/pipelines?selector={selector}"
        body = client.get(url).get_json()
        assert len(body) == count
        floor, endpoint = floor_action(app, selector, body), partial(client.get, url)
        floor_s, inproc_s = interleaved_medians(floor, endpoint, repeats)
        floor_ms, inproc_ms = 1000 * floor_s, 1000 * inproc_s
        row = {"backend": backend, "n": count, "selector": selector}
        row.update(floor_ms=floor_ms, inproc_ms=inproc_ms, speed=floor_ms / inproc_ms)
        print(
            f"{backend:<8} N={count:>6} {selector:<24} floor {floor_ms:8.2f} ms  "
            f"in-process {inproc_ms:8.2f} ms  speed vs floor {row['speed']:5.2f}x",
            flush=True,
        )
        rows.append(row)
    return rows


@contextlib.contextmanager
def postgres_database(url: str | None):
    """The given database, or one of a throwaway cluster stopped afterwards."""
    if url:
        yield url
        return
    from tests.postgres import Cluster
    from tests.postgres import unavailable_reason

    reason = unavailable_reason()
    if reason:
        raise SystemExit(f"no PostgreSQL to measure: {reason} (or pass --database)")
    cluster = Cluster()
    try:
        cluster.start()
        yield cluster.new_database()
    finally:
        cluster.stop()


def run(sizes: list[int], url: str | None) -> list[dict]:
    """Measure both backends at every size; return the result rows."""
    results = []
    for count in sizes:
        with postgres_database(url) as database, tempfile.TemporaryDirectory() as tmp:
            for backend, setting in (("postgres", database), ("sqlite", f"{tmp}/p.sqlite3")):
                app = create_app({"DATABASE": setting, "TESTING": True})
                try:
                    fill(app, count)
                    results += measure(app, count, backend)
                finally:
                    storage.close_pool(app)
    return results


def main() -> None:
    """Parse arguments and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000])
    parser.add_argument("--database", help="an empty Postgres database to fill (its URL)")
    parser.add_argument("--json", type=pathlib.Path, help="also write the results to this file")
    args = parser.parse_args()
    results = run(args.sizes, args.database)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
