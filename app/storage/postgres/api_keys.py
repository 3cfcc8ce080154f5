"""API-key rows on Postgres: id, tenant, name, role and the hash of the key (never the key)."""

import psycopg
from psycopg.rows import dict_row

from app.storage.errors import NameTaken

COLUMNS = "id, tenant_id, name, hash, role"


class PostgresApiKeyRows:
    """Reads and writes the `api_keys` table; callers hold the transaction."""

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn

    def _rows(self, where: str, params: list) -> list[dict]:
        cursor = self.conn.cursor(row_factory=dict_row)
        return cursor.execute(f"SELECT {COLUMNS} FROM api_keys WHERE {where}", params).fetchall()

    def list(self, tenant_id: str) -> list[dict]:
        """Return the tenant's keys in creation order (ids are UUIDv7)."""
        return self._rows('tenant_id = %s ORDER BY id COLLATE "C"', [tenant_id])

    def get(self, tenant_id: str, name: str) -> dict | None:
        """Return the tenant's key with this name, or None."""
        rows = self._rows("tenant_id = %s AND name = %s", [tenant_id, name])
        return rows[0] if rows else None

    def find_by_hash(self, key_hash: str) -> dict | None:
        """Return the key whose hash matches, across all tenants, or None."""
        rows = self._rows("hash = %s", [key_hash])
        return rows[0] if rows else None

    def insert(self, record: dict) -> None:
        """Insert a key row (`id`, `tenant_id`, `name`, `hash`, `role`)."""
        # The unique (tenant_id, name) index decides between racing writers; ON CONFLICT
        # keeps the transaction usable (a violation would abort it on Postgres).
        cursor = self.conn.execute(
            f"INSERT INTO api_keys ({COLUMNS}) VALUES (%s, %s, %s, %s, %s) "
            "ON CONFLICT (tenant_id, name) DO NOTHING",
            [record[column] for column in COLUMNS.split(", ")],
        )
        if cursor.rowcount == 0:
            raise NameTaken()

    def delete(self, tenant_id: str, name: str) -> bool:
        """Delete the tenant's key with this name; return whether one existed."""
        cursor = self.conn.execute(
            "DELETE FROM api_keys WHERE tenant_id = %s AND name = %s", [tenant_id, name]
        )
        return cursor.rowcount > 0
