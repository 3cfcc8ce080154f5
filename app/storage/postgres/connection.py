"""Postgres connections: a pool per worker, transactions under one advisory lock, error mapping.

Why one advisory lock: the domain is written against `Store.write()` holding *the* database's
write lock (SQLite's BEGIN IMMEDIATE). A transaction-scoped advisory lock taken first in every
write transaction keeps exactly that contract across hosts: writes are serialized, each one
sees every write committed before it (READ COMMITTED takes a fresh snapshot per statement, so
the statements after the lock see what the previous holder committed), and a catch-up re-reads
the due rows under the lock, so a transition is written once however many hosts race for it.
Row locks or SKIP LOCKED would need every read-then-write of the domain (name checks, compile
claims, row limits, API keys) rewritten as SELECT ... FOR UPDATE, or SERIALIZABLE with retries.
Reads never take the lock: they run on a REPEATABLE READ snapshot.
"""

import contextlib
from collections.abc import Iterator

import psycopg
import psycopg_pool
from psycopg import errors as pg_errors
from psycopg.pq import TransactionStatus

from app.storage.errors import StorageError
from app.storage.errors import StoreBusy
from app.storage.errors import StoreUnavailable
from app.storage.locations import is_postgres_url
from app.storage.locations import redact  # noqa: F401  (re-exported for the backend)

# Advisory lock keys (any two fixed bigints): one install per database.
WRITE_LOCK = 0x7069706573746F72  # "pipestor"
MIGRATE_LOCK = WRITE_LOCK + 1
# SQLSTATE classes that mean "try again later" and "the database cannot be used now".
BUSY_ERRORS = (
    pg_errors.LockNotAvailable,
    pg_errors.DeadlockDetected,
    pg_errors.QueryCanceled,
    psycopg_pool.PoolTimeout,
)
UNAVAILABLE_ERRORS = (
    psycopg.OperationalError,
    pg_errors.ReadOnlySqlTransaction,
    pg_errors.InsufficientResources,
    pg_errors.InsufficientPrivilege,
)
is_url = is_postgres_url


def connect(url: str, **kwargs) -> psycopg.Connection:
    """Open one connection outside any pool (migrations, start-up checks, copy)."""
    with translated():
        return psycopg.connect(url, autocommit=True, connect_timeout=10, **kwargs)


def open_pool(url: str, max_size: int, timeout_seconds: float) -> psycopg_pool.ConnectionPool:
    """A pool of autocommit connections for one worker process (created after the fork)."""
    return psycopg_pool.ConnectionPool(
        url,
        kwargs={"autocommit": True, "connect_timeout": 10},
        min_size=1,
        max_size=max_size,
        timeout=timeout_seconds,
        open=True,
        # A connection whose server went away is replaced, not handed to a request.
        check=psycopg_pool.ConnectionPool.check_connection,
        name="pipeline-store",
    )


def translate(exc: BaseException) -> StorageError | None:
    """Return the storage error a psycopg exception stands for, or None if it is not one."""
    if isinstance(exc, StorageError):
        return exc
    # libpq's messages span lines (a hint on the second): keep one line.
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, BUSY_ERRORS):
        return StoreBusy(text)
    if isinstance(exc, UNAVAILABLE_ERRORS) or isinstance(exc, psycopg_pool.PoolClosed):
        return StoreUnavailable(text)
    return None


@contextlib.contextmanager
def translated() -> Iterator[None]:
    """Re-raise psycopg errors that mean busy or unavailable as storage errors."""
    try:
        yield
    except (psycopg.Error, psycopg_pool.PoolTimeout, psycopg_pool.PoolClosed) as exc:
        error = translate(exc)
        if error is None:
            raise
        raise error from exc


def idle(conn: psycopg.Connection) -> bool:
    """Whether no transaction is open on the connection."""
    return conn.info.transaction_status == TransactionStatus.IDLE


@contextlib.contextmanager
def transaction(
    conn: psycopg.Connection, busy_timeout_ms: int, lock: int = WRITE_LOCK
) -> Iterator[psycopg.Connection]:
    """Run the block as one transaction holding the advisory write lock; commit or roll back."""
    if not idle(conn):
        raise RuntimeError("a write transaction cannot start inside another transaction")
    with translated():
        try:
            # One round trip: lock_timeout bounds the wait for the lock (StoreBusy past it).
            conn.execute(
                "BEGIN ISOLATION LEVEL READ COMMITTED; "
                f"SET LOCAL lock_timeout = {int(busy_timeout_ms)}; "
                f"SELECT pg_advisory_xact_lock({int(lock)})"
            )
            yield conn
        except BaseException:
            if not conn.closed and not idle(conn):
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


@contextlib.contextmanager
def read_snapshot(conn: psycopg.Connection) -> Iterator[psycopg.Connection]:
    """Run the block on one snapshot (REPEATABLE READ); inside a transaction, in that one."""
    if not idle(conn):
        yield conn
        return
    with translated():
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            yield conn
        finally:
            if not conn.closed and not idle(conn):
                conn.execute("COMMIT")
