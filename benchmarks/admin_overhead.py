"""What the admin hooks cost a request: `python benchmarks/admin_overhead.py [--rounds 15]`.

One app on a temporary database with one pipeline answers Get Pipeline (`selector=status`)
in-process, in alternating rounds, in four states of the admin API: idle (no rule, clock on
the wall, journal off), one fault rule that never matches, the clock advanced, and the
journal on. Prints the SQL statements each request runs (counted with SQLite's trace hook on
the thread's kept connection) and the median time per request relative to idle: ratios within
one run, which a busy machine blurs less than absolute times.
"""

import argparse
import logging
import pathlib
import sqlite3
import statistics
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from app.storage import POOL  # noqa: E402
from app.storage import database_path  # noqa: E402

URL = "/v0/pipelines/p0?selector=status"


def trace(app, statements: list) -> None:
    """Record the SQL of this thread's kept connection (the test client's requests run here)."""
    with app.app_context():
        store = app.extensions[POOL].acquire(database_path(app), app.config["BUSY_TIMEOUT_MS"])
    store.db.conn.set_trace_callback(statements.append)


def statements_per_request(client, statements: list) -> list[str]:
    """The statements one request runs (its answer already remembered by the worker)."""
    client.get(URL)
    statements.clear()
    client.get(URL)
    return list(statements)


def per_request(client, count: int) -> float:
    """Seconds per request over `count` requests."""
    started = time.perf_counter()
    for _ in range(count):
        client.get(URL)
    return (time.perf_counter() - started) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    logging.getLogger("app").setLevel("WARNING")
    statements: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {"DATABASE": str(pathlib.Path(folder) / "p.sqlite3"), "SIMULATION_SCALE": 0}
        )
        client = app.test_client()
        client.post("/v0/pipelines", json={"name": "p0", "program_code": ""})
        client.get(URL)
        trace(app, statements)

        def idle():
            client.delete("/__admin/faults")
            client.post("/__admin/reset", json={"name_prefix": "none-", "admin_state": True})
            client.put("/__admin/journal", json={"size": 0})

        def rule():
            idle()
            client.post("/__admin/faults", json={"path": "/v0/never", "status": 503})

        def clock():
            idle()
            client.post("/__admin/clock/advance", json={"seconds": 60})

        def journal():
            idle()
            client.put("/__admin/journal", json={"size": 1000})

        states = {"idle": idle, "one rule": rule, "clock moved": clock, "journal on": journal}
        counts = {}
        times = {name: [] for name in states}
        for name, enter in states.items():
            enter()
            counts[name] = statements_per_request(client, statements)
        for _ in range(args.rounds):
            for name, enter in states.items():
                enter()
                times[name].append(per_request(client, args.requests))
    base = statistics.median(times["idle"])
    print(f"Get Pipeline (selector=status), {args.rounds} rounds of {args.requests} requests")
    for name in states:
        ratio = statistics.median(times[name]) / base
        print(f"  {name:12} {len(counts[name])} statement(s)  x{ratio:.2f} of idle")
    print("Statements when idle:")
    for statement in counts["idle"]:
        print("  " + " ".join(statement.split())[:110])


if __name__ == "__main__":
    sqlite3.enable_callback_tracebacks(True)
    main()
