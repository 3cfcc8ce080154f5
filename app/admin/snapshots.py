"""Snapshots: the whole store saved under a name (SQLite's online backup) and restored.

Files live in a `snapshots/` folder beside the database file, as `<name>.sqlite3`. A
restore writes the saved pages into the live database through one connection under the
write lock, so every worker's open connection sees the old state until it commits and the
restored one after; the journal is cleared and cached versions are renewed (see the store's
`restore_from`).
"""

import os
import re
import time

from app import errors
from app import timeutil
from app.pipelines.context import Context

NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}")
SUFFIX = ".sqlite3"


def folder(database_path: str) -> str:
    """Where the snapshots of a database file are kept: beside it (none for a Postgres URL)."""
    if "://" in database_path:
        raise errors.SnapshotsUnavailable()
    return os.path.join(os.path.dirname(database_path), "snapshots")


def path_of(directory: str, name: str) -> str:
    """Return the file of a valid snapshot name; raise InvalidSnapshotName."""
    if not NAME.fullmatch(name):
        raise errors.InvalidSnapshotName(name=name)
    return os.path.join(directory, name + SUFFIX)


def describe(directory: str, name: str) -> dict:
    """Return one snapshot as the admin API lists it."""
    info = os.stat(path_of(directory, name))
    saved = timeutil.from_epoch_micros(info.st_mtime_ns // 1000)
    return {"name": name, "size_bytes": info.st_size, "saved_at": timeutil.format_timestamp(saved)}


def save(ctx: Context, directory: str, name: str) -> dict:
    """Save the store under `name` (replacing a snapshot of that name); return it."""
    target = path_of(directory, name)
    os.makedirs(directory, exist_ok=True)
    partial = f"{target}.{os.getpid()}.{time.monotonic_ns()}.partial"
    try:
        ctx.store.admin.backup_to(partial)
        # Readers of the directory never see half a file.
        os.replace(partial, target)
    finally:
        if os.path.exists(partial):
            os.remove(partial)
    return describe(directory, name)


def list_all(directory: str) -> list[dict]:
    """Return every snapshot, by name."""
    if not os.path.isdir(directory):
        return []
    names = sorted(
        entry[: -len(SUFFIX)]
        for entry in os.listdir(directory)
        if entry.endswith(SUFFIX) and NAME.fullmatch(entry[: -len(SUFFIX)])
    )
    return [describe(directory, name) for name in names]


def existing(directory: str, name: str) -> str:
    """Return the file of an existing snapshot; raise InvalidSnapshotName or UnknownSnapshot."""
    path = path_of(directory, name)
    if not os.path.isfile(path):
        raise errors.UnknownSnapshot(name=name)
    return path


def restore(ctx: Context, directory: str, name: str) -> dict:
    """Replace the store's contents with a snapshot's; return the snapshot."""
    path = existing(directory, name)
    version, current = ctx.store.admin.schema_versions(path)
    if version > current:
        raise errors.SnapshotTooNew(name=name, version=version, current=current)
    ctx.store.admin.restore_from(path)
    return describe(directory, name)


def delete(directory: str, name: str) -> None:
    """Delete a snapshot; raise UnknownSnapshot."""
    os.remove(existing(directory, name))
