"""Benchmark the data plane engine (issue 11) against its floors, in one process.

Usage: python benchmarks/dataplane_engine.py [--rows 100000] [--repeat 5]

Ingest (rows per second; target: at least 0.5x the floor):
- floor: `json.loads` (or `csv.reader`) of the body + one sqlite3 `executemany` INSERT of the
  values into a plain table, in one transaction;
- decode+apply: `decode_body` + `consolidate` + `apply_batch` (the pure engine);
- decode+store: decode + consolidate + the store layout proposed for phase B: the batch
  serialized as Arrow IPC (`encode_batch`) and appended to a per-pipeline log table, with the
  pipeline's data version bumped, in one transaction.

Queries (time; target: at most 3x DataFusion's own time on in-memory Arrow tables):
- `SELECT COUNT(*), SUM(x) FROM t` and `SELECT * FROM j` for a join view `j`;
- DataFusion: the SQL (for `j`, the join itself) over registered in-memory Arrow tables;
- warm: an ad-hoc query on a cached Snapshot, plus a read of the data version from SQLite
  (what phase B does on every query before it may use a cached snapshot);
- cold: the first query after a change: Arrow tables built from the rows, a new Snapshot
  (and the view computed), then the query.
Medians of `--repeat` runs are printed with the ratios.
"""

import argparse
import csv
import io
import json
import pathlib
import sqlite3
import statistics
import sys
import tempfile
import time

from datafusion import SessionContext

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.compiler.program_info import derive_program_info  # noqa: E402
from app.dataplane.arrow_cells import contents_to_arrow  # noqa: E402
from app.dataplane.batch_codec import encode_batch  # noqa: E402
from app.dataplane.changes import apply_batch  # noqa: E402
from app.dataplane.changes import consolidate  # noqa: E402
from app.dataplane.engine import Snapshot  # noqa: E402
from app.dataplane.ingress import decode_body  # noqa: E402
from app.dataplane.ingress_config import parse_ingress_config  # noqa: E402
from app.dataplane.program_views import Program  # noqa: E402

PROGRAM = """
CREATE TABLE t (id BIGINT NOT NULL, x BIGINT, name VARCHAR) WITH ('materialized' = 'true');
CREATE TABLE u (id BIGINT NOT NULL PRIMARY KEY, y DOUBLE);
CREATE MATERIALIZED VIEW j AS SELECT t.id, t.name, u.y FROM t JOIN u ON t.id = u.id;
"""
JOIN_SQL = "SELECT t.id, t.name, u.y FROM t JOIN u ON t.id = u.id"
COUNT_SQL = "SELECT COUNT(*), SUM(x) FROM t"
# The proposed phase B layout: a log of consolidated batches (Arrow IPC) per pipeline, each
# tagged with the data version it creates; checkpoints of whole contents compact the log.
STORE_SQL = """
CREATE TABLE data_batches (
    pipeline_id TEXT NOT NULL, version INTEGER NOT NULL, relation TEXT NOT NULL,
    payload BLOB NOT NULL, PRIMARY KEY (pipeline_id, version, relation)) WITHOUT ROWID;
CREATE TABLE data_versions (pipeline_id TEXT PRIMARY KEY, version INTEGER NOT NULL);
INSERT INTO data_versions VALUES ('p', 1);
"""


def median_seconds(fn, repeat: int) -> float:
    """Run `fn` once to warm up, then `repeat` times; return the median wall time."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bodies(rows: int) -> tuple[bytes, bytes]:
    """Return the JSON-array and CSV bodies of `rows` rows of table t."""
    records = [{"id": i, "x": i * 7, "name": f"name {i}"} for i in range(rows)]
    json_body = json.dumps(records).encode()
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows((r["id"], r["x"], r["name"]) for r in records)
    return json_body, out.getvalue().encode()


def fresh_db(directory: str, name: str) -> sqlite3.Connection:
    path = pathlib.Path(directory) / f"{name}-{time.perf_counter_ns()}.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(STORE_SQL + "CREATE TABLE plain (id INTEGER, x INTEGER, name TEXT);")
    return db


def floor_json(body: bytes, directory: str) -> None:
    db = fresh_db(directory, "floor")
    records = json.loads(body)
    db.execute("BEGIN IMMEDIATE")
    db.executemany(
        "INSERT INTO plain VALUES (?, ?, ?)", [(r["id"], r["x"], r["name"]) for r in records]
    )
    db.execute("COMMIT")
    db.close()


def floor_csv(body: bytes, directory: str) -> None:
    db = fresh_db(directory, "floor")
    records = list(csv.reader(io.StringIO(body.decode(), newline="")))
    db.execute("BEGIN IMMEDIATE")
    db.executemany("INSERT INTO plain VALUES (?, ?, ?)", records)
    db.execute("COMMIT")
    db.close()


def decode_apply(table, config, body: bytes):
    decoded = decode_body(table, config, body)
    assert decoded.error() is None
    return apply_batch({}, consolidate(table, decoded.changes))


def decode_store(table, config, body: bytes, directory: str) -> None:
    decoded = decode_body(table, config, body)
    payload = encode_batch(table, consolidate(table, decoded.changes))
    db = fresh_db(directory, "store")
    db.execute("BEGIN IMMEDIATE")
    (version,) = db.execute(
        "UPDATE data_versions SET version = version + 1 WHERE pipeline_id = 'p' RETURNING version"
    ).fetchone()
    db.execute("INSERT INTO data_batches VALUES ('p', ?, ?, ?)", (version, table.name, payload))
    db.execute("COMMIT")
    db.close()


def ingest(program: Program, rows: int, repeat: int, directory: str) -> list[tuple]:
    table = program.catalog.relation("t")
    json_body, csv_body = bodies(rows)
    json_config = parse_ingress_config(
        "t", {"format": "json", "update_format": "raw", "array": "true"}
    )
    csv_config = parse_ingress_config("t", {"format": "csv"})
    results = []
    for label, body, config, floor in (
        ("JSON array", json_body, json_config, floor_json),
        ("CSV", csv_body, csv_config, floor_csv),
    ):
        floor_s = median_seconds(lambda f=floor, b=body: f(b, directory), repeat)
        apply_s = median_seconds(lambda c=config, b=body: decode_apply(table, c, b), repeat)
        store_s = median_seconds(
            lambda c=config, b=body: decode_store(table, c, b, directory), repeat
        )
        results.append((label, floor_s, apply_s, store_s))
    return results


def queries(program: Program, rows: int, repeat: int, directory: str) -> list[tuple]:
    t_rows = {str(i): ((i, i * 7, f"name {i}"), 1) for i in range(rows)}
    u_rows = {str(i): ((i, i / 2), 1) for i in range(0, rows, 2)}
    t_relation, u_relation = program.catalog.relation("t"), program.catalog.relation("u")
    t_arrow, u_arrow = contents_to_arrow(t_relation, t_rows), contents_to_arrow(u_relation, u_rows)

    ctx = SessionContext()
    ctx.register_record_batches("t", [t_arrow.to_batches()])
    ctx.register_record_batches("u", [u_arrow.to_batches()])
    db = fresh_db(directory, "version")

    def version() -> int:
        return db.execute("SELECT version FROM data_versions WHERE pipeline_id = 'p'").fetchone()[0]

    warm = Snapshot(program, {"t": t_arrow, "u": u_arrow})
    warm.view("j")

    def cold(sql: str):
        tables = {
            "t": contents_to_arrow(t_relation, t_rows),
            "u": contents_to_arrow(u_relation, u_rows),
        }
        return Snapshot(program, tables).query(sql)

    results = []
    for label, ours_sql, baseline_sql in (
        ("COUNT(*), SUM(x)", COUNT_SQL, COUNT_SQL),
        ("join view j", "SELECT * FROM j", JOIN_SQL),
    ):
        base_s = median_seconds(lambda s=baseline_sql: ctx.sql(s).to_arrow_table(), repeat)
        warm_s = median_seconds(lambda s=ours_sql: (version(), warm.query(s)), repeat)
        cold_s = median_seconds(lambda s=ours_sql: cold(s), repeat)
        assert (
            warm.query(ours_sql).table.num_rows == ctx.sql(baseline_sql).to_arrow_table().num_rows
        )
        results.append((label, base_s, warm_s, cold_s))
    db.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    schema = derive_program_info(PROGRAM).program_info["schema"]
    program = Program.prepare(PROGRAM, schema)
    with tempfile.TemporaryDirectory() as directory:
        print(f"Ingest of {args.rows} rows (median of {args.repeat}); ratio = rows/s vs floor")
        for label, floor_s, apply_s, store_s in ingest(program, args.rows, args.repeat, directory):
            print(
                f"  {label:11} floor {floor_s * 1000:7.1f} ms"
                f" | decode+apply {apply_s * 1000:7.1f} ms ({floor_s / apply_s:.2f}x)"
                f" | decode+store {store_s * 1000:7.1f} ms ({floor_s / store_s:.2f}x)"
            )
        print(f"Queries over {args.rows} rows; ratio = time vs DataFusion alone")
        for label, base_s, warm_s, cold_s in queries(program, args.rows, args.repeat, directory):
            print(
                f"  {label:17} DataFusion {base_s * 1000:6.1f} ms | warm {warm_s * 1000:6.1f} ms"
                f" ({warm_s / base_s:.2f}x) | cold {cold_s * 1000:7.1f} ms ({cold_s / base_s:.2f}x)"
            )


if __name__ == "__main__":
    main()
