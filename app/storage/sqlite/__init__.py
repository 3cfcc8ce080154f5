"""The SQLite backend: one database file shared by every worker, in WAL mode."""

import contextlib
import json
import os
import sqlite3
import stat
from collections.abc import Iterator

import sqlite_utils

from app import timeutil
from app.storage.errors import SchemaMismatch
from app.storage.errors import StorageError
from app.storage.errors import StoreUnavailable
from app.storage.sqlite.admin import SqliteAdminRows
from app.storage.sqlite.api_keys import SqliteApiKeyRows
from app.storage.sqlite.connection import connect
from app.storage.sqlite.connection import read_snapshot
from app.storage.sqlite.connection import transaction
from app.storage.sqlite.connection import translated
from app.storage.sqlite.data import SqliteDataRows
from app.storage.sqlite.events import SqliteEventRows
from app.storage.sqlite.health import BACKUP_HINT
from app.storage.sqlite.health import integrity_problem
from app.storage.sqlite.health import write_problem
from app.storage.sqlite.logs import SqliteLogRows
from app.storage.sqlite.migrations import MIGRATIONS
from app.storage.sqlite.migrations import migrate
from app.storage.sqlite.pipelines import SqlitePipelineRows
from app.storage.sqlite.schedule import SqliteSchedule
from app.timeutil import epoch_micros


class SqliteStore:
    """One connection to the database file and the tables behind it (see interface.Store)."""

    def __init__(self, db: sqlite_utils.Database, path: str):
        self.db = db
        self.path = path
        self.pipelines = SqlitePipelineRows(db)
        self.schedule = SqliteSchedule(db)
        self.api_keys = SqliteApiKeyRows(db)
        self.data = SqliteDataRows(db)
        self.logs = SqliteLogRows(db)
        self.events = SqliteEventRows(db)
        # False once the file could not be used: a kept connection is then not reused.
        self.reusable = True
        self.admin = SqliteAdminRows(db)

    @contextlib.contextmanager
    def read(self) -> Iterator[None]:
        """Read one consistent snapshot of the database for the block."""
        try:
            with read_snapshot(self.db):
                yield
        except StoreUnavailable:
            self.reusable = False
            raise

    @contextlib.contextmanager
    def write(self) -> Iterator[None]:
        """Hold the write lock (BEGIN IMMEDIATE) for the block; commit or roll back."""
        try:
            with transaction(self.db):
                yield
        except StoreUnavailable:
            # The file may be writable again with -shm left read-only: fix that for the next
            # connection (this one keeps its read-only mapping).
            self.reusable = False
            repair_file_modes(self.path)
            raise

    def check_health(self, integrity_every_seconds: float) -> str | None:
        """Return why the database cannot be written or is damaged, or None when healthy.

        Each call tries a write (rolled back). SQLite's quick_check, which reads every page,
        runs at most once per `integrity_every_seconds` across all workers: its outcome is
        recorded in the `meta` table.
        """
        problem = write_problem(self.db)
        if problem is not None:
            self.reusable = False
            return problem
        now = epoch_micros(timeutil.now())
        row = self.db.execute("SELECT value FROM meta WHERE key = 'integrity'").fetchone()
        last = None if row is None else json.loads(row[0])
        if last is not None and now - last["at"] < integrity_every_seconds * 1_000_000:
            return last["problem"]
        problem = integrity_problem(self.db)
        with contextlib.suppress(StorageError, sqlite3.Error):
            with transaction(self.db):
                record = json.dumps({"at": now, "problem": problem})
                self.db.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('integrity', ?)", [record]
                )
        return problem

    def close(self) -> None:
        """Close the connection."""
        self.db.conn.close()


def open_store(path: str, busy_timeout_ms: int = 10_000) -> SqliteStore:
    """Open a store on the database file (which must be initialised)."""
    with translated():
        return SqliteStore(connect(path, busy_timeout_ms), path)


def schema_version(path: str) -> int:
    """Return the schema version of the file, read-only (0 for a new or empty file)."""
    if not os.path.exists(path):
        return 0
    try:
        with translated():
            db = connect(path)
            try:
                return db.execute("PRAGMA user_version").fetchone()[0]
            finally:
                db.conn.close()
    except StoreUnavailable as exc:
        raise StoreUnavailable(f"{path} cannot be read ({exc}): {BACKUP_HINT}") from None


def initialize(path: str, busy_timeout_ms: int = 10_000) -> int:
    """Create or upgrade the database file; idempotent and never destructive.

    A current file is left alone (no write lock taken).
    """
    if schema_version(path) == len(MIGRATIONS):
        return len(MIGRATIONS)
    db = connect(path, busy_timeout_ms)
    try:
        with translated():
            db.conn.execute("PRAGMA journal_mode = WAL")
        return migrate(db, transaction)
    finally:
        db.conn.close()


def ensure_schema(path: str, busy_timeout_ms: int = 10_000) -> int:
    """Make the file's schema current, taking the write lock only if it is behind.

    A worker booting on a current database therefore never waits for another process's
    write lock: `serve` and `init-db` migrate once before any worker starts.
    """
    version = schema_version(path)
    if version > len(MIGRATIONS):
        raise SchemaMismatch(
            f"{path} has schema version {version}, newer than this pipeline-store "
            f"({len(MIGRATIONS)}): upgrade pipeline-store"
        )
    return initialize(path, busy_timeout_ms)


def repair_file_modes(path: str) -> None:
    """Give `-wal`/`-shm` the database file's write permission back, if they lost it.

    SQLite creates them with the main file's mode; after the file was read-only for a moment
    they stay read-only when the file is writable again, and every write fails.
    """
    with contextlib.suppress(OSError):
        mode = stat.S_IMODE(os.stat(path).st_mode)
        if not mode & stat.S_IWUSR:
            return
        for suffix in ("-wal", "-shm"):
            side = path + suffix
            if os.path.exists(side) and not os.access(side, os.W_OK):
                os.chmod(side, mode)
