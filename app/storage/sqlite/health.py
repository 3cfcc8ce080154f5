"""Is the SQLite file usable? Checked at start (one line naming the problem) and by probes."""

import os

import sqlite_utils

from app.storage.errors import StoreUnavailable
from app.storage.sqlite.connection import connect
from app.storage.sqlite.connection import translated

# A health probe waits at most this long for another worker's write lock.
PROBE_BUSY_MS = 1000
BACKUP_HINT = "restore it from a backup (README, Backups) or move it aside to start afresh"


def integrity_problem(db: sqlite_utils.Database) -> str | None:
    """Run SQLite's quick_check (reads every page once); return its first complaint or None."""
    try:
        with translated():
            rows = [row[0] for row in db.execute("PRAGMA quick_check(1)")]
    except StoreUnavailable as exc:
        return str(exc)
    # Its complaints span lines ("*** in database main ***\nPage 160: ..."): keep one line.
    return None if rows == ["ok"] else " ".join(rows[0].split())


def write_problem(db: sqlite_utils.Database) -> str | None:
    """Try a write under the write lock, then roll it back; return why it failed, or None."""
    try:
        with translated():
            db.execute(f"PRAGMA busy_timeout = {PROBE_BUSY_MS}")
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('probe', '')")
            finally:
                db.execute("ROLLBACK")
    except Exception as exc:  # StoreBusy, StoreUnavailable, or anything sqlite3 raised
        return str(exc) or type(exc).__name__
    return None


def check_access(path: str) -> None:
    """Refuse a file the server cannot write, with one line that names it and says why."""
    folder = os.path.dirname(path) or "."
    if not os.access(folder, os.W_OK):
        raise StoreUnavailable(
            f"{folder} is not writable: SQLite keeps {os.path.basename(path)}-wal and -shm "
            "there; give the server's user write access to the folder"
        )
    if os.path.exists(path) and not os.access(path, os.R_OK | os.W_OK):
        raise StoreUnavailable(f"{path} is read-only: give the server's user write access to it")


def check_integrity(path: str) -> None:
    """Refuse a damaged file (quick_check reads every page), with one line naming it."""
    if not os.path.exists(path):
        return
    try:
        with translated():
            db = connect(path)
    except StoreUnavailable as exc:
        raise StoreUnavailable(f"{path} cannot be opened ({exc}): {BACKUP_HINT}") from None
    try:
        problem = integrity_problem(db)
    finally:
        db.conn.close()
    if problem is not None:
        raise StoreUnavailable(f"{path} is damaged ({problem}): {BACKUP_HINT}")
