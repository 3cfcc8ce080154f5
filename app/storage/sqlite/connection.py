"""SQLite connections for several gunicorn workers: pragmas, write transactions, error mapping."""

import contextlib
import sqlite3
from collections.abc import Iterator

import sqlite_utils

from app.storage.errors import StorageError
from app.storage.errors import StoreBusy
from app.storage.errors import StoreUnavailable

# SQLite's texts for "another connection holds the lock" (SQLITE_BUSY / SQLITE_LOCKED).
BUSY_TEXTS = ("database is locked", "database table is locked", "database schema is locked")
# Texts meaning the file cannot be used as it is now (permissions, damage, disk).
UNAVAILABLE_TEXTS = (
    "readonly database",
    "disk i/o error",
    "unable to open database file",
    "database or disk is full",
    "database disk image is malformed",
    "file is not a database",
)


def connect(path: str, busy_timeout_ms: int = 10_000) -> sqlite_utils.Database:
    """Open the database file with the PRAGMAs several gunicorn workers need."""
    # isolation_level=None: we issue BEGIN IMMEDIATE ourselves, so a writer takes the
    # lock up front instead of failing to upgrade a read lock under contention.
    conn = sqlite3.connect(path, timeout=busy_timeout_ms / 1000, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.execute("PRAGMA foreign_keys = ON")
    # NORMAL is durable across process crashes in WAL mode; only an OS crash can lose
    # the last commits.
    conn.execute("PRAGMA synchronous = NORMAL")
    return sqlite_utils.Database(conn)


def translate(exc: BaseException) -> StorageError | None:
    """Return the storage error an sqlite3 exception stands for, or None if it is not one."""
    if isinstance(exc, StorageError):
        return exc
    if not isinstance(exc, sqlite3.Error):
        return None
    text = str(exc).lower()
    if any(busy in text for busy in BUSY_TEXTS):
        return StoreBusy(str(exc))
    if any(problem in text for problem in UNAVAILABLE_TEXTS):
        return StoreUnavailable(str(exc))
    return None


@contextlib.contextmanager
def translated() -> Iterator[None]:
    """Re-raise sqlite3 errors that mean busy or unavailable as storage errors."""
    try:
        yield
    except sqlite3.Error as exc:
        error = translate(exc)
        if error is None:
            raise
        raise error from exc


@contextlib.contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """Run the block as one write transaction holding the database's write lock."""
    with translated():
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")
            raise
        db.conn.execute("COMMIT")


@contextlib.contextmanager
def read_snapshot(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """Run the block in one read transaction (WAL: a snapshot); inside a write, in that one."""
    if db.conn.in_transaction:
        yield db
        return
    with translated():
        db.conn.execute("BEGIN")
        try:
            yield db
        finally:
            if db.conn.in_transaction:
                db.conn.execute("COMMIT")
