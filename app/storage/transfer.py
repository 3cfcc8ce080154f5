"""Copy every row of one database into another (SQLite and Postgres either way).

Rows move as stored, so ids, timestamps, version counters, simulation schedules, API-key
hashes and data-plane payloads arrive unchanged. The source is read on one snapshot; the
destination is written in one transaction under its write lock (all or nothing) and must hold
no pipelines, keys or data yet.
"""

import contextlib
import os
from collections.abc import Iterator

from app.storage.errors import StorageError
from app.storage.postgres import connection as pg
from app.storage.postgres import ensure_schema as pg_ensure_schema
from app.storage.sqlite import connection as lite
from app.storage.sqlite import ensure_schema as lite_ensure_schema

# Every table of the schema, parents first (the data plane's rows reference their pipeline).
# Left behind: `meta` holds facts about one database file or server (health probes); the
# change stamp and SQLite's tag index are kept by triggers as the rows arrive.
TABLES = (
    "pipelines",
    "api_keys",
    "data_state",
    "data_batches",
    "data_checkpoints",
    "data_deltas",
    "pipeline_logs",
    "pipeline_events",
    "cluster_events",
)
NOT_COPIED = (
    "meta",
    "pipeline_changes",
    "pipeline_tags",
    # The admin API's fault rules, journal and clock belong to the running server.
    "admin_state",
    "admin_faults",
    "admin_journal",
)
CHUNK = 500


class CopyRefused(StorageError):
    """The copy cannot start: the destination is not empty, or is the source."""


class _Side:
    """One database opened for the copy: SQL in the backend's own placeholder style."""

    def __init__(self, location: str, busy_timeout_ms: int):
        self.location = location
        self.postgres = pg.is_url(location)
        self.busy_timeout_ms = busy_timeout_ms
        if self.postgres:
            pg_ensure_schema(location, busy_timeout_ms)
            self.handle = self.conn = pg.connect(location)
        else:
            lite_ensure_schema(location, busy_timeout_ms)
            self.handle = lite.connect(location, busy_timeout_ms)  # sqlite_utils.Database
            self.conn = self.handle.conn
        self.mark = "%s" if self.postgres else "?"

    def columns(self, table: str) -> list[str]:
        """The table's columns, in schema order."""
        if self.postgres:
            rows = self.conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                "AND table_schema = current_schema() ORDER BY ordinal_position",
                [table],
            )
            return [row[0] for row in rows]
        return [row[1] for row in self.conn.execute(f"PRAGMA table_info({table})")]

    def count(self, table: str) -> int:
        """How many rows the table holds."""
        return self.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]

    def rows(self, table: str, columns: list[str]) -> Iterator[list[tuple]]:
        """The table's rows in chunks."""
        # On Postgres a server-side cursor, so a large table never sits in memory whole.
        cursor = self.conn.cursor(name=f"copy_{table}") if self.postgres else self.conn.cursor()
        try:
            cursor.execute(f"SELECT {', '.join(columns)} FROM {table}")
            while chunk := cursor.fetchmany(CHUNK):
                yield [
                    tuple(bytes(v) if isinstance(v, memoryview) else v for v in r) for r in chunk
                ]
        finally:
            cursor.close()

    def insert(self, table: str, columns: list[str], rows: list[tuple]) -> None:
        """Insert rows given in `columns` order."""
        marks = ", ".join([self.mark] * len(columns))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        cursor = self.conn.cursor()
        cursor.executemany(sql, rows)

    def snapshot(self):
        """The source's consistent read."""
        if self.postgres:
            return pg.read_snapshot(self.conn)
        return lite.read_snapshot(self.handle)

    def transaction(self):
        """The destination's write transaction."""
        if self.postgres:
            return pg.transaction(self.conn, self.busy_timeout_ms)
        return lite.transaction(self.handle)

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()


def same_database(source: str, destination: str) -> bool:
    """Whether both names point at one database (refused: the copy would read its own rows)."""
    if pg.is_url(source) or pg.is_url(destination):
        return source == destination
    return os.path.abspath(source) == os.path.abspath(destination)


def copy_database(source: str, destination: str, busy_timeout_ms: int = 10_000) -> dict:
    """Copy every row of `source` into the empty `destination`; return rows copied per table.

    Each side is a SQLite file path or a `postgresql://` URL; both schemas are brought up to
    date first (as `init-db` would).
    """
    if same_database(source, destination):
        raise CopyRefused("source and destination are the same database")
    with contextlib.ExitStack() as stack:
        reader = _Side(source, busy_timeout_ms)
        stack.callback(reader.close)
        writer = _Side(destination, busy_timeout_ms)
        stack.callback(writer.close)
        translated = pg.translated() if writer.postgres else lite.translated()
        copied = {}
        with translated, reader.snapshot(), writer.transaction():
            occupied = [table for table in TABLES if writer.count(table)]
            if occupied:
                raise CopyRefused(
                    f"{pg.redact(destination)} already holds rows ({', '.join(occupied)}): "
                    "copy into a new, empty database"
                )
            for table in TABLES:
                columns = reader.columns(table)
                if sorted(columns) != sorted(writer.columns(table)):
                    raise CopyRefused(f"the two schemas of {table} differ: {columns}")
                copied[table] = 0
                for chunk in reader.rows(table, columns):
                    writer.insert(table, columns, chunk)
                    copied[table] += len(chunk)
        return copied
