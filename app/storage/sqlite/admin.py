"""The admin API's tables on SQLite: shared state (clock, journal size), fault rules, journal.

Everything here is shared by every worker through the file. `admin_state.version` takes a new
random value with every change of the state or the rules, so a worker may keep the rules it
read keyed by that version (never stale, even after a snapshot restore).
"""

import json
import sqlite3
import uuid
from collections.abc import Sequence

import sqlite_utils

from app.storage.sqlite.connection import transaction
from app.storage.sqlite.connection import translated
from app.storage.sqlite.migrations import MIGRATIONS
from app.storage.sqlite.migrations import migrate

BUMP = "UPDATE admin_state SET version = random()"
# The request probe, one statement (see app/admin/state): the shared state, the rule count,
# whether a transition is due by the request's moment (a fixed one, or the shared clock's),
# and the change stamp (as `SqlitePipelineRows.change_stamp` spells it).
PROBE = (
    "SELECT version, clock_offset_us, frozen_at_us, journal_size, "
    "(SELECT count(*) FROM admin_faults), EXISTS (SELECT 1 FROM pipelines WHERE "
    "next_transition_at <= coalesce(:fixed, frozen_at_us, :wall + clock_offset_us)), "
    "(SELECT counter || '.' || nonce FROM pipeline_changes) FROM admin_state"
)
FAULT_COLUMNS = (
    "id, method, path, status, error_code, message, details, retry_after, latency_ms, "
    "drop_connection, probability, remaining, hits, expires_at_us, created_at_us"
)
JOURNAL_COLUMNS = "seq, at_us, method, path, query, status, duration_us, caller"


def fault_record(row: Sequence) -> dict:
    """Return a fault rule row as a dict (details decoded)."""
    record = dict(zip([c.strip() for c in FAULT_COLUMNS.split(",")], row, strict=True))
    record["details"] = json.loads(record["details"]) if record["details"] else None
    record["drop_connection"] = bool(record["drop_connection"])
    return record


class SqliteAdminRows:
    """Admin state, fault rules and the request journal; each write is its own transaction."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def probe(self, wall_us: int, fixed_us: int | None = None) -> tuple:
        """Return (version, clock offset µs, frozen at µs or None, journal size, rule count,
        whether a transition is due by `fixed_us`, else by the shared clock at `wall_us`,
        the change stamp)."""
        row = self.db.conn.execute(PROBE, {"wall": wall_us, "fixed": fixed_us}).fetchone()
        return (*row[:5], bool(row[5]), row[6])

    # --- the clock ---------------------------------------------------------------------

    def move_clock(self, action: str, wall_us: int, delta_us: int = 0) -> None:
        """Freeze, advance by `delta_us` or resume the clock, read and written in one UPDATE."""
        # An UPDATE's expressions all see the row as it was: no worker's change is lost.
        assignments = {
            "freeze": "frozen_at_us = coalesce(frozen_at_us, :wall + clock_offset_us)",
            "advance": "frozen_at_us = frozen_at_us + :delta, clock_offset_us = CASE WHEN "
            "frozen_at_us IS NULL THEN clock_offset_us + :delta ELSE clock_offset_us END",
            "resume": "clock_offset_us = coalesce(frozen_at_us - :wall, clock_offset_us), "
            "frozen_at_us = NULL",
        }[action]
        with transaction(self.db):
            self.db.conn.execute(
                f"UPDATE admin_state SET {assignments}", {"wall": wall_us, "delta": delta_us}
            )
            self.db.conn.execute(BUMP)

    # --- fault rules ---------------------------------------------------------------------

    def faults(self) -> list[dict]:
        """Return every rule in creation order."""
        rows = self.db.conn.execute(f"SELECT {FAULT_COLUMNS} FROM admin_faults ORDER BY id")
        return [fault_record(row) for row in rows]

    def add_fault(self, rule: dict) -> dict:
        """Insert a rule (keys as the columns, without id and hits); return it stored."""
        columns = [c for c in rule if c not in ("id", "hits")]
        values = [json.dumps(rule[c]) if c == "details" else rule[c] for c in columns]
        with transaction(self.db):
            cursor = self.db.conn.execute(
                f"INSERT INTO admin_faults ({', '.join(columns)}) "
                f"VALUES ({', '.join('?' for _ in columns)})",
                values,
            )
            self.db.conn.execute(BUMP)
            row = self.db.conn.execute(
                f"SELECT {FAULT_COLUMNS} FROM admin_faults WHERE id = ?", [cursor.lastrowid]
            ).fetchone()
        return fault_record(row)

    def delete_faults(self, fault_id: int | None = None) -> int:
        """Delete one rule (or all, with None); return how many went."""
        with transaction(self.db):
            if fault_id is None:
                count = self.db.conn.execute("DELETE FROM admin_faults").rowcount
            else:
                count = self.db.conn.execute(
                    "DELETE FROM admin_faults WHERE id = ?", [fault_id]
                ).rowcount
            self.db.conn.execute(BUMP)
        return count

    def consume_fault(self, fault_id: int) -> bool:
        """Count one hit of a rule if it has hits left (atomic across workers); tell if so."""
        with transaction(self.db):
            cursor = self.db.conn.execute(
                "UPDATE admin_faults SET hits = hits + 1, "
                "remaining = CASE WHEN remaining IS NULL THEN NULL ELSE remaining - 1 END "
                "WHERE id = ? AND (remaining IS NULL OR remaining > 0)",
                [fault_id],
            )
            if cursor.rowcount:
                self.db.conn.execute(BUMP)
        return bool(cursor.rowcount)

    # --- the request journal -------------------------------------------------------------

    def set_journal_size(self, size: int) -> None:
        """Keep the last `size` requests from now on (0: none); drops what was recorded."""
        with transaction(self.db):
            self.db.conn.execute("UPDATE admin_state SET journal_size = ?", [size])
            self.db.conn.execute("DELETE FROM admin_journal")
            self.db.conn.execute(BUMP)

    def record_request(self, size: int, entry: dict) -> None:
        """Write one request into the ring of `size` slots, over the oldest; one statement."""
        # The slot is the sequence number modulo the size: the table never grows past it.
        self.db.conn.execute(
            "INSERT OR REPLACE INTO admin_journal (slot, seq, at_us, method, path, query, "
            "status, duration_us, caller) SELECT (m + 1) % :size, m + 1, :at_us, :method, "
            ":path, :query, :status, :duration_us, :caller "
            "FROM (SELECT coalesce(max(seq), 0) AS m FROM admin_journal)",
            {"size": size, **entry},
        )

    def journal(self, method: str | None, path: str | None, limit: int) -> list[dict]:
        """Return recorded requests, newest first; `path` is a GLOB pattern."""
        conditions, values = [], []
        if method:
            conditions.append("method = ?")
            values.append(method.upper())
        if path:
            conditions.append("path GLOB ?")
            values.append(path)
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        rows = self.db.conn.execute(
            f"SELECT {JOURNAL_COLUMNS} FROM admin_journal {where} ORDER BY seq DESC LIMIT ?",
            [*values, limit],
        )
        names = [c.strip() for c in JOURNAL_COLUMNS.split(",")]
        return [dict(zip(names, row, strict=True)) for row in rows]

    def clear_journal(self) -> None:
        """Forget every recorded request."""
        self.db.conn.execute("DELETE FROM admin_journal")

    # --- reset and snapshots -------------------------------------------------------------

    def reset(
        self, name_prefix: str, tag: str | None, drop_api_keys: bool, admin_state: bool
    ) -> tuple[int, int]:
        """Delete the pipelines selected (their data and logs cascade) in one transaction.

        With `admin_state`, fault rules, the journal and the clock go too. Return the numbers
        of pipelines and API keys deleted.
        """
        conditions, values = ["substr(name, 1, ?) = ?"], [len(name_prefix), name_prefix]
        if tag is not None:
            conditions.append("EXISTS (SELECT 1 FROM json_each(pipelines.tags) WHERE value = ?)")
            values.append(tag)
        with transaction(self.db):
            pipelines = self.db.conn.execute(
                f"DELETE FROM pipelines WHERE {' AND '.join(conditions)}", values
            ).rowcount
            keys = self.db.conn.execute("DELETE FROM api_keys").rowcount if drop_api_keys else 0
            if admin_state:
                self.db.conn.execute("DELETE FROM admin_faults")
                self.db.conn.execute("DELETE FROM admin_journal")
                self.db.conn.execute(
                    "UPDATE admin_state SET clock_offset_us = 0, frozen_at_us = NULL"
                )
                self.db.conn.execute(BUMP)
        return pipelines, keys

    def backup_to(self, path: str) -> None:
        """Copy the whole database into a new file (SQLite's online backup: no lock held long)."""
        with translated():
            target = sqlite3.connect(path)
            try:
                self.db.conn.backup(target)
                # A self-contained file (no -wal/-shm beside it), readable read-only.
                target.execute("PRAGMA journal_mode = DELETE")
            finally:
                target.close()

    def schema_versions(self, path: str) -> tuple[int, int]:
        """Return a backup file's schema version and this server's."""
        return file_schema_version(path), len(MIGRATIONS)

    def restore_from(self, path: str) -> None:
        """Replace the database's contents with a backup file's, as one write for every reader.

        The backup API writes through this connection under the write lock: other workers'
        open connections see the old state until it commits and the new one after.
        """
        with translated():
            source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                source.backup(self.db.conn)
            finally:
                source.close()
            # An older snapshot gets this server's schema (migrations never destroy).
            migrate(self.db, transaction)
            with transaction(self.db):
                # Versions a worker may have cached after the snapshot was taken must not
                # come back with other contents: new random versions, journal cleared.
                self.db.conn.execute(BUMP)
                self.db.conn.execute(
                    "UPDATE pipeline_changes SET counter = counter + 1, nonce = random()"
                )
                self.db.conn.execute("DELETE FROM admin_journal")
                # A worker's data cache is keyed by (pipeline, incarnation, version): a new
                # incarnation makes every worker load the restored tables afresh.
                ids = [row[0] for row in self.db.conn.execute("SELECT pipeline_id FROM data_state")]
                self.db.conn.executemany(
                    "UPDATE data_state SET incarnation_uuid = ? WHERE pipeline_id = ?",
                    [(str(uuid.uuid4()), pipeline_id) for pipeline_id in ids],
                )


def file_schema_version(path: str) -> int:
    """Return a database file's schema version (PRAGMA user_version), read-only."""
    with translated():
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return conn.execute("PRAGMA user_version").fetchone()[0]
        finally:
            conn.close()
