"""The data plane's tables on Postgres: per-pipeline state, a log of batches, checkpoints, deltas.

Payloads are opaque bytes (Arrow IPC written by the domain), stored as bytea.
"""

import json
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence

import psycopg
from psycopg.rows import dict_row

_DATA_TABLES = ("data_batches", "data_checkpoints", "data_deltas")
_JSON = ("tables", "stats")


def _encode(values: Mapping) -> dict:
    """JSON columns as text, booleans as integers (the columns are SQLite's types)."""
    return {
        k: json.dumps(v) if k in _JSON else int(v) if isinstance(v, bool) else v
        for k, v in values.items()
    }


class PostgresDataRows:
    """The data plane of each pipeline; callers hold the transaction for writes."""

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn

    def _many(self, sql: str, rows: list[tuple]) -> None:
        if rows:
            with self.conn.cursor() as cursor:
                cursor.executemany(sql, rows)

    def head(self, pipeline_id: str) -> tuple[str, int, bool] | None:
        """Return (incarnation_uuid, version, live) of a pipeline's data, or None."""
        row = self.conn.execute(
            "SELECT incarnation_uuid, version, live FROM data_state WHERE pipeline_id = %s",
            [pipeline_id],
        ).fetchone()
        return None if row is None else (row[0], row[1], bool(row[2]))

    def state(self, pipeline_id: str) -> dict | None:
        """Return the whole state row (JSON columns decoded), or None."""
        cursor = self.conn.cursor(row_factory=dict_row)
        row = cursor.execute(
            "SELECT * FROM data_state WHERE pipeline_id = %s", [pipeline_id]
        ).fetchone()
        if row is None:
            return None
        return {k: json.loads(v) if k in _JSON else v for k, v in row.items()}

    def put_state(self, state: Mapping) -> None:
        """Insert or replace a state row (every column given)."""
        values = _encode(state)
        columns = ", ".join(values)
        marks = ", ".join(["%s"] * len(values))
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in values if c != "pipeline_id")
        self.conn.execute(
            f"INSERT INTO data_state ({columns}) VALUES ({marks}) "
            f"ON CONFLICT (pipeline_id) DO UPDATE SET {updates}",
            list(values.values()),
        )

    def update_state(self, pipeline_id: str, columns: Mapping) -> None:
        """Write some columns of a state row."""
        values = _encode(columns)
        assignments = ", ".join(f"{column} = %s" for column in values)
        self.conn.execute(
            f"UPDATE data_state SET {assignments} WHERE pipeline_id = %s",
            [*values.values(), pipeline_id],
        )

    def delete(self, pipeline_id: str) -> None:
        """Delete a pipeline's data: state, batches, checkpoints and deltas."""
        for table in (*_DATA_TABLES, "data_state"):
            self.conn.execute(f"DELETE FROM {table} WHERE pipeline_id = %s", [pipeline_id])

    def drop_relations(self, pipeline_id: str, relations: Sequence[str]) -> None:
        """Delete every stored batch, checkpoint and delta of some relations."""
        for table in _DATA_TABLES:
            self.conn.execute(
                f"DELETE FROM {table} WHERE pipeline_id = %s AND relation = ANY(%s)",
                [pipeline_id, list(relations)],
            )

    def add_batches(self, pipeline_id: str, version: int, payloads: Mapping[str, bytes]) -> None:
        """Store the batches that make `version`, one per relation."""
        self._many(
            "INSERT INTO data_batches (pipeline_id, version, relation, payload) "
            "VALUES (%s, %s, %s, %s)",
            [(pipeline_id, version, relation, data) for relation, data in payloads.items()],
        )

    def batches(self, pipeline_id: str, after: int, upto: int) -> list[tuple[int, str, bytes]]:
        """Return (version, relation, payload) with after < version <= upto, in version order."""
        rows = self.conn.execute(
            "SELECT version, relation, payload FROM data_batches WHERE pipeline_id = %s "
            'AND version > %s AND version <= %s ORDER BY version, relation COLLATE "C"',
            [pipeline_id, after, upto],
        )
        return [tuple(row) for row in rows]

    def checkpoints(self, pipeline_id: str) -> list[tuple[str, int, bytes]]:
        """Return (relation, version, payload) of the latest checkpoint of each relation."""
        rows = self.conn.execute(
            "SELECT relation, version, payload FROM data_checkpoints WHERE pipeline_id = %s",
            [pipeline_id],
        )
        return [tuple(row) for row in rows]

    def put_checkpoint(self, pipeline_id: str, version: int, payloads: Mapping[str, bytes]) -> None:
        """Store whole contents as of `version` and drop the batches they include."""
        self.conn.execute("DELETE FROM data_checkpoints WHERE pipeline_id = %s", [pipeline_id])
        self._many(
            "INSERT INTO data_checkpoints (pipeline_id, relation, version, payload) "
            "VALUES (%s, %s, %s, %s)",
            [(pipeline_id, relation, version, data) for relation, data in payloads.items()],
        )
        self.conn.execute(
            "DELETE FROM data_batches WHERE pipeline_id = %s AND version <= %s",
            [pipeline_id, version],
        )

    def add_deltas(self, pipeline_id: str, version: int, payloads: Mapping[str, bytes]) -> None:
        """Store what `version` changed in some relations."""
        self._many(
            "INSERT INTO data_deltas (pipeline_id, version, relation, payload) "
            "VALUES (%s, %s, %s, %s)",
            [(pipeline_id, version, relation, data) for relation, data in payloads.items()],
        )

    def deltas(
        self, pipeline_id: str, relations: Iterable[str], after: int, upto: int
    ) -> list[tuple[int, str, bytes]]:
        """Return (version, relation, payload) of the given relations, in version order."""
        names = list(relations)
        if not names:
            return []
        rows = self.conn.execute(
            "SELECT version, relation, payload FROM data_deltas WHERE pipeline_id = %s "
            "AND relation = ANY(%s) AND version > %s AND version <= %s "
            'ORDER BY version, relation COLLATE "C"',
            [pipeline_id, names, after, upto],
        )
        return [tuple(row) for row in rows]

    def prune_deltas(self, pipeline_id: str, upto: int) -> None:
        """Forget deltas of versions up to `upto`."""
        self.conn.execute(
            "DELETE FROM data_deltas WHERE pipeline_id = %s AND version <= %s",
            [pipeline_id, upto],
        )
