"""The only place that talks SQL: connections, transactions and schema migrations."""

import contextlib
import os
import sqlite3
from collections.abc import Iterator

import sqlite_utils
from flask import current_app
from flask import g

from app.storage.migrations import migrate


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


@contextlib.contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """Run the block as one write transaction holding the database's write lock."""
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    db.conn.execute("COMMIT")


def database_path(app) -> str:
    """Resolve the DATABASE setting against the instance folder."""
    return os.path.join(app.instance_path, app.config["DATABASE"])


def initialize(path: str, busy_timeout_ms: int = 10_000) -> int:
    """Create or upgrade the database file; idempotent and never destructive."""
    db = connect(path, busy_timeout_ms)
    try:
        db.conn.execute("PRAGMA journal_mode = WAL")
        return migrate(db, transaction)
    finally:
        db.conn.close()


def get_db() -> sqlite_utils.Database:
    """Return this request's connection, opening it on first use."""
    if "db" not in g:
        g.db = connect(database_path(current_app), current_app.config["BUSY_TIMEOUT_MS"])
    return g.db


def close_db(_exc=None) -> None:
    """Close this request's connection."""
    db = g.pop("db", None)
    if db is not None:
        db.conn.close()


def check_health() -> bool:
    """Return whether the database answers a trivial query."""
    try:
        get_db().execute("SELECT 1").fetchone()
    except sqlite3.Error:
        return False
    return True


def init_app(app) -> None:
    """Make sure the schema is current and close connections after each request."""
    os.makedirs(os.path.dirname(database_path(app)), exist_ok=True)
    initialize(database_path(app), app.config["BUSY_TIMEOUT_MS"])
    app.teardown_appcontext(close_db)
