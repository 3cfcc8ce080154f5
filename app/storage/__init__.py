"""The store: every SQL statement of the server lives under this package.

`interface.py` is the contract the domain uses; `sqlite/` is the embedded backend (the
default), `postgres/` the shared server (a `postgresql://` DATABASE URL). A request gets its
thread's store (SQLite: one connection kept open across requests; Postgres: one borrowed from
the worker's pool) on first use; any transaction left open is rolled back when the request ends.
"""

import os
import sys

from flask import current_app
from flask import g

from app.storage.errors import NameTaken
from app.storage.errors import SchemaMismatch
from app.storage.errors import StorageError
from app.storage.errors import StoreBusy
from app.storage.errors import StoreUnavailable
from app.storage.interface import Store
from app.storage.locations import is_postgres_url
from app.storage.locations import redact
from app.storage.sqlite import ensure_schema
from app.storage.sqlite import initialize
from app.storage.sqlite import open_store
from app.storage.sqlite import repair_file_modes
from app.storage.sqlite.connection import translate as sqlite_translate
from app.storage.sqlite.health import check_access
from app.storage.sqlite.health import check_integrity
from app.storage.sqlite.pool import ConnectionPool

__all__ = [
    "NameTaken",
    "SchemaMismatch",
    "StorageError",
    "Store",
    "StoreBusy",
    "StoreUnavailable",
    "check_health",
    "close_pool",
    "database_path",
    "describe",
    "get_store",
    "init_app",
    "initialize",
    "open_app_store",
    "prepare",
    "redact",
    "uses_postgres",
    "verify",
    "translate",
]

POOL = "pipeline-store.connections"
# Connections one worker keeps to Postgres at most (a request or a streamed response holds one).
POSTGRES_POOL_SIZE = 16


def uses_postgres(app) -> bool:
    """Whether the DATABASE setting is a Postgres URL rather than a SQLite file."""
    return is_postgres_url(app.config["DATABASE"])


def database_path(app) -> str:
    """Resolve the DATABASE setting against the instance folder (a Postgres URL as it is)."""
    if uses_postgres(app):
        return app.config["DATABASE"]
    return os.path.join(app.instance_path, app.config["DATABASE"])


def describe(app) -> str:
    """Name the database for messages (a Postgres URL without its password)."""
    return redact(database_path(app))


def open_app_store(app) -> Store:
    """Open a store on the app's database (the caller closes it)."""
    if uses_postgres(app):
        return app.extensions[POOL].acquire()
    return open_store(database_path(app), app.config["BUSY_TIMEOUT_MS"])


def get_store() -> Store:
    """Return this request's store: the thread's open connection to the app's database."""
    store = g.get("store")
    if store is None:
        app = current_app._get_current_object()
        pool = app.extensions[POOL]
        store = g.store = pool.acquire(database_path(app), app.config["BUSY_TIMEOUT_MS"])
    return store


def translate(exc: BaseException) -> StorageError | None:
    """Return the storage error a driver exception (either backend's) stands for, or None."""
    # The Postgres driver is imported only by an app that uses it (a SQLite install never
    # loads it): an exception of a driver that was never loaded needs no translation.
    postgres = sys.modules.get("app.storage.postgres.connection")
    return sqlite_translate(exc) or (postgres.translate(exc) if postgres else None)


def check_health() -> str | None:
    """Return what is wrong with this request's store (opening it included), or None."""
    try:
        return get_store().check_health(current_app.config["INTEGRITY_CHECK_SECONDS"])
    except Exception as exc:
        problem = translate(exc)
        if problem is None:
            raise
        return str(problem) or type(problem).__name__


def release_store(_exc=None) -> None:
    """End this request's use of its store (the connection stays open for the next)."""
    store = g.pop("store", None)
    if store is not None:
        current_app.extensions[POOL].release(store)


def close_pool(app) -> None:
    """Close the app's Postgres connections, if it has any (scripts, benchmarks)."""
    if uses_postgres(app) and POOL in app.extensions:
        app.extensions[POOL].close()


def prepare(app) -> int:
    """Check the file can be written and make its schema current (one-line errors otherwise).

    Every worker does this at boot: it reads the schema version, and takes the write lock only
    if the schema is behind (`serve` and `init-db` migrate before any worker starts).
    """
    if uses_postgres(app):
        from app.storage.postgres import ensure_schema as ensure_postgres_schema

        return ensure_postgres_schema(database_path(app), app.config["BUSY_TIMEOUT_MS"])
    path = database_path(app)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    repair_file_modes(path)
    check_access(path)
    return ensure_schema(path, app.config["BUSY_TIMEOUT_MS"])


def verify(app) -> int:
    """The start-up check of `serve` and `init-db`: integrity (every page read), then prepare.

    Postgres checks its own pages; there the check is that the server answers.
    """
    if not uses_postgres(app):
        check_integrity(database_path(app))
    return prepare(app)


def init_app(app) -> None:
    """Prepare the database and release each request's store when the request ends."""
    prepare(app)
    if uses_postgres(app):
        from app.storage.postgres.pool import PostgresPool

        busy = app.config["BUSY_TIMEOUT_MS"]
        app.extensions[POOL] = PostgresPool(database_path(app), busy, POSTGRES_POOL_SIZE)
    else:
        app.extensions[POOL] = ConnectionPool()
    app.teardown_appcontext(release_store)
