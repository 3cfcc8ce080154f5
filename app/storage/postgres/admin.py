"""The admin API's tables on Postgres: shared state (clock, journal size), fault rules, journal.

As on SQLite, `admin_state.version` takes a new random value with every change of the state or
the rules, so a worker may keep the rules it read keyed by it. Snapshots (SQLite's online
backup into a file) have no cheap equivalent on a shared server: they are refused, and the
server's own backups (pg_dump, a provider's snapshots) take their place (README, Postgres).
"""

import json
from collections.abc import Sequence

import psycopg

from app.storage.errors import StoreUnavailable
from app.storage.postgres.connection import transaction
from app.storage.postgres.migrations import NONCE

BUMP = f"UPDATE admin_state SET version = {NONCE}"
PROBE = (
    "SELECT version, clock_offset_us, frozen_at_us, journal_size, "
    "(SELECT count(*) FROM admin_faults), EXISTS (SELECT 1 FROM pipelines WHERE "
    "next_transition_at <= coalesce(%(fixed)s::bigint, frozen_at_us, "
    "%(wall)s::bigint + clock_offset_us)), "
    "(SELECT counter || '.' || nonce FROM pipeline_changes) FROM admin_state"
)
FAULT_COLUMNS = (
    "id, method, path, status, error_code, message, details, retry_after, latency_ms, "
    "drop_connection, probability, remaining, hits, expires_at_us, created_at_us"
)
JOURNAL_COLUMNS = "seq, at_us, method, path, query, status, duration_us, caller"
NO_SNAPSHOTS = (
    "snapshots need the SQLite backend; on Postgres use the server's own backups "
    "(pg_dump, or the provider's snapshots)"
)


def fault_record(row: Sequence) -> dict:
    """Return a fault rule row as a dict (details decoded)."""
    record = dict(zip([c.strip() for c in FAULT_COLUMNS.split(",")], row, strict=True))
    record["details"] = json.loads(record["details"]) if record["details"] else None
    record["drop_connection"] = bool(record["drop_connection"])
    return record


def glob_regex(pattern: str) -> str:
    """SQLite's GLOB pattern (`*`, `?`, `[...]`, case-sensitive) as an anchored POSIX regex."""
    out, index = ["^"], 0
    while index < len(pattern):
        char = pattern[index]
        if char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        elif char == "[" and "]" in pattern[index + 2 :]:
            end = pattern.index("]", index + 2)
            body = pattern[index + 1 : end].replace("\\", "\\\\")
            out.append("[" + ("^" + body[1:] if body.startswith("^") else body) + "]")
            index = end
        else:
            out.append("\\" + char if not char.isalnum() else char)
        index += 1
    return "".join(out) + "$"


class PostgresAdminRows:
    """Admin state, fault rules and the request journal; each write is its own transaction."""

    def __init__(self, conn: psycopg.Connection, busy_timeout_ms: int):
        self.conn = conn
        self.busy_timeout_ms = busy_timeout_ms

    def write(self):
        """A write transaction under the shared write lock."""
        return transaction(self.conn, self.busy_timeout_ms)

    def probe(self, wall_us: int, fixed_us: int | None = None) -> tuple:
        """Return (version, clock offset µs, frozen at µs or None, journal size, rule count,
        whether a transition is due by `fixed_us`, else by the shared clock at `wall_us`,
        the change stamp)."""
        row = self.conn.execute(PROBE, {"wall": wall_us, "fixed": fixed_us}).fetchone()
        return (*row[:5], bool(row[5]), row[6])

    def move_clock(self, action: str, wall_us: int, delta_us: int = 0) -> None:
        """Freeze, advance by `delta_us` or resume the clock, read and written in one UPDATE."""
        assignments = {
            "freeze": "frozen_at_us = coalesce(frozen_at_us, %(wall)s::bigint + clock_offset_us)",
            "advance": "frozen_at_us = frozen_at_us + %(delta)s::bigint, clock_offset_us = "
            "CASE WHEN frozen_at_us IS NULL THEN clock_offset_us + %(delta)s::bigint "
            "ELSE clock_offset_us END",
            "resume": "clock_offset_us = coalesce(frozen_at_us - %(wall)s::bigint, "
            "clock_offset_us), frozen_at_us = NULL",
        }[action]
        with self.write():
            self.conn.execute(
                f"UPDATE admin_state SET {assignments}", {"wall": wall_us, "delta": delta_us}
            )
            self.conn.execute(BUMP)

    def faults(self) -> list[dict]:
        """Return every rule in creation order."""
        rows = self.conn.execute(f"SELECT {FAULT_COLUMNS} FROM admin_faults ORDER BY id")
        return [fault_record(row) for row in rows]

    def add_fault(self, rule: dict) -> dict:
        """Insert a rule (keys as the columns, without id and hits); return it stored."""
        columns = [c for c in rule if c not in ("id", "hits")]
        values = [
            json.dumps(rule[c]) if c == "details" else int(rule[c]) if c == "drop_connection"
            else rule[c]
            for c in columns
        ]  # fmt: skip
        with self.write():
            row = self.conn.execute(
                f"INSERT INTO admin_faults ({', '.join(columns)}) "
                f"VALUES ({', '.join('%s' for _ in columns)}) RETURNING {FAULT_COLUMNS}",
                values,
            ).fetchone()
            self.conn.execute(BUMP)
        return fault_record(row)

    def delete_faults(self, fault_id: int | None = None) -> int:
        """Delete one rule (or all, with None); return how many went."""
        with self.write():
            if fault_id is None:
                count = self.conn.execute("DELETE FROM admin_faults").rowcount
            else:
                count = self.conn.execute(
                    "DELETE FROM admin_faults WHERE id = %s", [fault_id]
                ).rowcount
            self.conn.execute(BUMP)
        return count

    def consume_fault(self, fault_id: int) -> bool:
        """Count one hit of a rule if it has hits left (atomic across workers); tell if so."""
        with self.write():
            cursor = self.conn.execute(
                "UPDATE admin_faults SET hits = hits + 1, "
                "remaining = CASE WHEN remaining IS NULL THEN NULL ELSE remaining - 1 END "
                "WHERE id = %s AND (remaining IS NULL OR remaining > 0)",
                [fault_id],
            )
            if cursor.rowcount:
                self.conn.execute(BUMP)
        return bool(cursor.rowcount)

    def set_journal_size(self, size: int) -> None:
        """Keep the last `size` requests from now on (0: none); drops what was recorded."""
        with self.write():
            self.conn.execute("UPDATE admin_state SET journal_size = %s", [size])
            self.conn.execute("DELETE FROM admin_journal")
            self.conn.execute(BUMP)

    def record_request(self, size: int, entry: dict) -> None:
        """Write one request into the ring of `size` slots, over the oldest."""
        # Under the write lock: the next sequence number is read and used by one writer.
        with self.write():
            self.conn.execute(
                "INSERT INTO admin_journal (slot, seq, at_us, method, path, query, status, "
                "duration_us, caller) SELECT (m + 1) %% %(size)s, m + 1, %(at_us)s, %(method)s, "
                "%(path)s, %(query)s, %(status)s, %(duration_us)s, %(caller)s "
                "FROM (SELECT coalesce(max(seq), 0) AS m FROM admin_journal) AS last "
                "ON CONFLICT (slot) DO UPDATE SET seq = EXCLUDED.seq, at_us = EXCLUDED.at_us, "
                "method = EXCLUDED.method, path = EXCLUDED.path, query = EXCLUDED.query, "
                "status = EXCLUDED.status, duration_us = EXCLUDED.duration_us, "
                "caller = EXCLUDED.caller",
                {"size": size, **entry},
            )

    def journal(self, method: str | None, path: str | None, limit: int) -> list[dict]:
        """Return recorded requests, newest first; `path` is a GLOB pattern (as on SQLite)."""
        conditions, values = [], []
        if method:
            conditions.append("method = %s")
            values.append(method.upper())
        if path:
            conditions.append('path COLLATE "C" ~ %s')
            values.append(glob_regex(path))
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        rows = self.conn.execute(
            f"SELECT {JOURNAL_COLUMNS} FROM admin_journal {where} ORDER BY seq DESC LIMIT %s",
            [*values, limit],
        )
        names = [c.strip() for c in JOURNAL_COLUMNS.split(",")]
        return [dict(zip(names, row, strict=True)) for row in rows]

    def clear_journal(self) -> None:
        """Forget every recorded request."""
        self.conn.execute("DELETE FROM admin_journal")

    def reset(
        self, name_prefix: str, tag: str | None, drop_api_keys: bool, admin_state: bool
    ) -> tuple[int, int]:
        """Delete the pipelines selected (their data and logs cascade) in one transaction."""
        conditions, values = ["starts_with(name, %s)"], [name_prefix]
        if tag is not None:
            conditions.append("tags::jsonb @> %s::jsonb")
            values.append(json.dumps([tag]))
        with self.write():
            pipelines = self.conn.execute(
                f"DELETE FROM pipelines WHERE {' AND '.join(conditions)}", values
            ).rowcount
            keys = self.conn.execute("DELETE FROM api_keys").rowcount if drop_api_keys else 0
            if admin_state:
                self.conn.execute("DELETE FROM admin_faults")
                self.conn.execute("DELETE FROM admin_journal")
                self.conn.execute("UPDATE admin_state SET clock_offset_us = 0, frozen_at_us = NULL")
                self.conn.execute(BUMP)
        return pipelines, keys

    def backup_to(self, path: str) -> None:
        """Refused on Postgres (see the module's docstring)."""
        raise StoreUnavailable(NO_SNAPSHOTS)

    def schema_versions(self, path: str) -> tuple[int, int]:
        """Refused on Postgres (see the module's docstring)."""
        raise StoreUnavailable(NO_SNAPSHOTS)

    def restore_from(self, path: str) -> None:
        """Refused on Postgres (see the module's docstring)."""
        raise StoreUnavailable(NO_SNAPSHOTS)
