"""Connections kept open across requests: one per thread and database file.

Opening a connection per request cost more than the request itself: the open, four PRAGMAs,
reading the schema, preparing every statement again, and on close (as the last connection of
the process) a WAL checkpoint. A kept connection sees every other worker's commits all the
same: each statement outside a transaction reads the latest committed state.
"""

import contextlib
import os
import threading

from app.storage.sqlite import SqliteStore
from app.storage.sqlite import open_store


def file_identity(path: str) -> tuple[int, int, int] | None:
    """Return the device, inode and mode of the file, or None if it is missing."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino, info.st_mode


class ConnectionPool:
    """Stores kept per thread (sqlite3 connections belong to the thread that opened them)."""

    def __init__(self):
        self.local = threading.local()
        self.pid = os.getpid()

    def stores(self) -> dict:
        """Return this thread's stores by (path, busy timeout)."""
        if self.pid != os.getpid():
            # Forked after use (gunicorn --preload): never share a connection with the parent.
            self.local = threading.local()
            self.pid = os.getpid()
        if not hasattr(self.local, "stores"):
            self.local.stores = {}
        return self.local.stores

    def acquire(self, path: str, busy_timeout_ms: int) -> SqliteStore:
        """Return this thread's open store on the file, opening it if needed."""
        stores = self.stores()
        key = (path, busy_timeout_ms)
        entry = stores.get(key)
        identity = file_identity(path)
        # A file replaced under the server (a restore) is a new database, and a file whose
        # mode changed (read-only for a while) must be opened anew, as a fresh request would.
        if entry is not None and entry[1] == identity and identity is not None:
            return entry[0]
        if entry is not None:
            self.discard(path, busy_timeout_ms)
        store = open_store(path, busy_timeout_ms)
        stores[key] = (store, file_identity(path))
        return store

    def release(self, store: SqliteStore) -> None:
        """End a request's use of a store: no transaction may outlive it."""
        try:
            if store.db.conn.in_transaction:
                store.db.conn.execute("ROLLBACK")
        except Exception:
            store.reusable = False
        if not store.reusable:
            # The file could not be used: the next request opens a fresh connection.
            for key, entry in list(self.stores().items()):
                if entry[0] is store:
                    self.discard(*key)

    def discard(self, path: str, busy_timeout_ms: int) -> None:
        """Close and forget this thread's store on the file."""
        entry = self.stores().pop((path, busy_timeout_ms), None)
        if entry is not None:
            with contextlib.suppress(Exception):
                entry[0].close()

    def close_all(self) -> None:
        """Close this thread's stores."""
        for key in list(self.stores()):
            self.discard(*key)
