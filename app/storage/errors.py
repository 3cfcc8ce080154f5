"""Storage-level failures; the domain maps them to upstream's error codes."""


class StorageError(Exception):
    """Base of every error a store raises on purpose."""


class NameTaken(StorageError):
    """An insert or rename hit the unique name index (another row, maybe another worker's)."""


class StoreBusy(StorageError):
    """Another process held the write lock past the busy timeout."""


class StoreUnavailable(StorageError):
    """The database cannot be used now: read-only, unreadable, damaged or out of space."""


class SchemaMismatch(StorageError):
    """The database was written by a newer pipeline-store (its schema is ahead of this code)."""
