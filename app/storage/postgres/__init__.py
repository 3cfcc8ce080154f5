"""The Postgres backend: one database server shared by every worker of every host.

Selected by a `postgresql://` DATABASE URL. Each worker keeps a pool of connections (opened
after gunicorn forks); a store borrows one for a request and gives it back on close.
"""

import contextlib
from collections.abc import Iterator

import psycopg
import psycopg_pool

from app.storage.errors import SchemaMismatch
from app.storage.errors import StoreUnavailable
from app.storage.postgres.admin import PostgresAdminRows
from app.storage.postgres.api_keys import PostgresApiKeyRows
from app.storage.postgres.connection import MIGRATE_LOCK
from app.storage.postgres.connection import connect
from app.storage.postgres.connection import idle
from app.storage.postgres.connection import read_snapshot
from app.storage.postgres.connection import redact
from app.storage.postgres.connection import transaction
from app.storage.postgres.connection import translated
from app.storage.postgres.data import PostgresDataRows
from app.storage.postgres.events import PostgresEventRows
from app.storage.postgres.logs import PostgresLogRows
from app.storage.postgres.migrations import MIGRATIONS
from app.storage.postgres.migrations import current_version
from app.storage.postgres.migrations import migrate
from app.storage.postgres.pipelines import PostgresPipelineRows
from app.storage.postgres.schedule import PostgresSchedule

# A health probe waits at most this long for another writer's lock.
PROBE_BUSY_MS = 1000


class PostgresStore:
    """One pooled connection to the database and the tables behind it (see interface.Store)."""

    def __init__(
        self,
        conn: psycopg.Connection,
        busy_timeout_ms: int,
        pool: psycopg_pool.ConnectionPool | None = None,
    ):
        self.conn = conn
        self.busy_timeout_ms = busy_timeout_ms
        self.pool = pool
        self.pipelines = PostgresPipelineRows(conn)
        self.schedule = PostgresSchedule(conn)
        self.api_keys = PostgresApiKeyRows(conn)
        self.data = PostgresDataRows(conn)
        self.logs = PostgresLogRows(conn)
        self.admin = PostgresAdminRows(conn, busy_timeout_ms)
        self.events = PostgresEventRows(conn)

    @contextlib.contextmanager
    def read(self) -> Iterator[None]:
        """Read one consistent snapshot of the database for the block."""
        with read_snapshot(self.conn):
            yield

    @contextlib.contextmanager
    def write(self) -> Iterator[None]:
        """Hold the advisory write lock for the block (see connection.py); commit or roll back."""
        with transaction(self.conn, self.busy_timeout_ms):
            yield

    def check_health(self, integrity_every_seconds: float) -> str | None:
        """Return why the database cannot be written, or None when healthy.

        Each call tries a write under the write lock (rolled back). There is no page-by-page
        integrity check: the server guards its own pages (data checksums, WAL replay), and
        reading every page of a shared server per probe would cost every host.
        """
        try:
            with translated():
                with transaction(self.conn, PROBE_BUSY_MS):
                    self.conn.execute(
                        "INSERT INTO meta (key, value) VALUES ('probe', '') "
                        "ON CONFLICT (key) DO UPDATE SET value = ''"
                    )
                    raise _Probed()
        except _Probed:
            return None
        except Exception as exc:  # StoreBusy, StoreUnavailable, or anything psycopg raised
            return str(exc) or type(exc).__name__

    def close(self) -> None:
        """Give the connection back to its pool (or close it); no transaction outlives it."""
        if self.pool is None:
            self.conn.close()
            return
        if not self.conn.closed and not idle(self.conn):
            with contextlib.suppress(psycopg.Error):
                self.conn.execute("ROLLBACK")
        self.pool.putconn(self.conn)


class _Probed(Exception):
    """Raised to roll the health probe's write back."""


def open_store(pool: psycopg_pool.ConnectionPool, busy_timeout_ms: int) -> PostgresStore:
    """Borrow a connection from the worker's pool (waiting at most the pool's timeout)."""
    with translated():
        return PostgresStore(pool.getconn(), busy_timeout_ms, pool)


def schema_version(url: str) -> int:
    """Return the database's schema version (0 for a database pipeline-store never used)."""
    with contextlib.closing(connect(url)) as conn, translated():
        return current_version(conn)


def initialize(url: str, busy_timeout_ms: int = 10_000) -> int:
    """Create or upgrade the schema; idempotent and never destructive.

    A current database is left alone (no lock taken). Racing workers wait on the migration
    lock and apply each step once.
    """
    with contextlib.closing(connect(url)) as conn, translated():
        if current_version(conn) == len(MIGRATIONS):
            return len(MIGRATIONS)
        return migrate(conn, lambda c: transaction(c, busy_timeout_ms, MIGRATE_LOCK))


def ensure_schema(url: str, busy_timeout_ms: int = 10_000) -> int:
    """Make the schema current; refuse a database written by a newer pipeline-store."""
    try:
        version = schema_version(url)
    except StoreUnavailable as exc:
        raise StoreUnavailable(f"{redact(url)} cannot be used: {exc}") from None
    if version > len(MIGRATIONS):
        raise SchemaMismatch(
            f"{redact(url)} has schema version {version}, newer than this pipeline-store "
            f"({len(MIGRATIONS)}): upgrade pipeline-store"
        )
    return initialize(url, busy_timeout_ms)
