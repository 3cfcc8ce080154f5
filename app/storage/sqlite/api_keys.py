"""API-key rows on SQLite: id, tenant, name, role and the hash of the key (never the key)."""

import sqlite3

import sqlite_utils

from app.storage.errors import NameTaken

COLUMNS = "id, tenant_id, name, hash, role"


class SqliteApiKeyRows:
    """Reads and writes the `api_keys` table; callers hold the transaction."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def list(self, tenant_id: str) -> list[dict]:
        """Return the tenant's keys in creation order (ids are UUIDv7)."""
        rows = self.db.execute(
            f"SELECT {COLUMNS} FROM api_keys WHERE tenant_id = ? ORDER BY id", [tenant_id]
        ).fetchall()
        return [dict(row) for row in rows]

    def get(self, tenant_id: str, name: str) -> dict | None:
        """Return the tenant's key with this name, or None."""
        row = self.db.execute(
            f"SELECT {COLUMNS} FROM api_keys WHERE tenant_id = ? AND name = ?", [tenant_id, name]
        ).fetchone()
        return None if row is None else dict(row)

    def find_by_hash(self, key_hash: str) -> dict | None:
        """Return the key whose hash matches, across all tenants, or None."""
        row = self.db.execute(
            f"SELECT {COLUMNS} FROM api_keys WHERE hash = ?", [key_hash]
        ).fetchone()
        return None if row is None else dict(row)

    def insert(self, record: dict) -> None:
        """Insert a key row (`id`, `tenant_id`, `name`, `hash`, `role`)."""
        try:
            self.db["api_keys"].insert(record)
        except sqlite3.IntegrityError as exc:
            # The unique (tenant_id, name) index decides between racing writers.
            if "api_keys.tenant_id, api_keys.name" in str(exc):
                raise NameTaken() from exc
            raise

    def delete(self, tenant_id: str, name: str) -> bool:
        """Delete the tenant's key with this name; return whether one existed."""
        cursor = self.db.execute(
            "DELETE FROM api_keys WHERE tenant_id = ? AND name = ?", [tenant_id, name]
        )
        return cursor.rowcount > 0
