"""A worker's Postgres connections: a psycopg pool opened on first use, after gunicorn forks.

Requests borrow a connection for their duration (`acquire`) and give it back (`release`),
like the SQLite backend's kept connections; the pool keeps one open and at most `max_size`.
"""

import os
import threading

from app.storage.postgres import PostgresStore
from app.storage.postgres import connection
from app.storage.postgres import open_store


class PostgresPool:
    """The app's pool on one database URL (one per worker process)."""

    def __init__(self, url: str, busy_timeout_ms: int, max_size: int):
        self.url = url
        self.busy_timeout_ms = busy_timeout_ms
        self.max_size = max_size
        self.lock = threading.Lock()
        self.pool = None
        self.pid = os.getpid()

    def connections(self):
        """The psycopg pool, opened now if this process has none yet."""
        with self.lock:
            if self.pool is None or self.pid != os.getpid():
                # Forked after use (gunicorn --preload): never share the parent's sockets.
                self.pid = os.getpid()
                timeout = self.busy_timeout_ms / 1000
                self.pool = connection.open_pool(self.url, self.max_size, timeout)
            return self.pool

    def acquire(self, _url: str = "", busy_timeout_ms: int | None = None) -> PostgresStore:
        """Borrow a connection for one request (waiting at most the busy timeout)."""
        return open_store(self.connections(), busy_timeout_ms or self.busy_timeout_ms)

    def release(self, store: PostgresStore) -> None:
        """Give a request's connection back, rolling back any transaction it left open."""
        store.close()

    def close(self) -> None:
        """Close every connection of the pool (scripts and tests; workers just exit)."""
        with self.lock:
            if self.pool is not None:
                self.pool.close()
                self.pool = None
