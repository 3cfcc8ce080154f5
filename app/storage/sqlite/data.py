"""The data plane's tables on SQLite: per-pipeline state, a log of batches, checkpoints, deltas.

Payloads are opaque bytes (Arrow IPC written by the domain); this module only stores them.
"""

import json
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence

import sqlite_utils

_DATA_TABLES = ("data_batches", "data_checkpoints", "data_deltas")
_JSON = ("tables", "stats")


def _state(row) -> dict:
    state = dict(row)
    for column in _JSON:
        state[column] = json.loads(state[column])
    return state


class SqliteDataRows:
    """The data plane of each pipeline; callers hold the transaction for writes."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def head(self, pipeline_id: str) -> tuple[str, int, bool] | None:
        """Return (incarnation_uuid, version, live) of a pipeline's data, or None."""
        row = self.db.execute(
            "SELECT incarnation_uuid, version, live FROM data_state WHERE pipeline_id = ?",
            [pipeline_id],
        ).fetchone()
        return None if row is None else (row[0], row[1], bool(row[2]))

    def state(self, pipeline_id: str) -> dict | None:
        """Return the whole state row (JSON columns decoded), or None."""
        row = self.db.execute(
            "SELECT * FROM data_state WHERE pipeline_id = ?", [pipeline_id]
        ).fetchone()
        return None if row is None else _state(row)

    def put_state(self, state: Mapping) -> None:
        """Insert or replace a state row (every column given)."""
        values = {k: json.dumps(v) if k in _JSON else v for k, v in state.items()}
        columns = ", ".join(values)
        marks = ", ".join("?" * len(values))
        self.db.execute(
            f"INSERT OR REPLACE INTO data_state ({columns}) VALUES ({marks})", list(values.values())
        )

    def update_state(self, pipeline_id: str, columns: Mapping) -> None:
        """Write some columns of a state row."""
        values = {k: json.dumps(v) if k in _JSON else v for k, v in columns.items()}
        assignments = ", ".join(f"{column} = ?" for column in values)
        self.db.execute(
            f"UPDATE data_state SET {assignments} WHERE pipeline_id = ?",
            [*values.values(), pipeline_id],
        )

    def delete(self, pipeline_id: str) -> None:
        """Delete a pipeline's data: state, batches, checkpoints and deltas."""
        for table in (*_DATA_TABLES, "data_state"):
            self.db.execute(f"DELETE FROM {table} WHERE pipeline_id = ?", [pipeline_id])

    def drop_relations(self, pipeline_id: str, relations: Sequence[str]) -> None:
        """Delete every stored batch, checkpoint and delta of some relations."""
        for table in _DATA_TABLES:
            self.db.conn.executemany(
                f"DELETE FROM {table} WHERE pipeline_id = ? AND relation = ?",
                [(pipeline_id, relation) for relation in relations],
            )

    def add_batches(self, pipeline_id: str, version: int, payloads: Mapping[str, bytes]) -> None:
        """Store the batches that make `version`, one per relation."""
        self.db.conn.executemany(
            "INSERT INTO data_batches (pipeline_id, version, relation, payload) "
            "VALUES (?, ?, ?, ?)",
            [(pipeline_id, version, relation, data) for relation, data in payloads.items()],
        )

    def batches(self, pipeline_id: str, after: int, upto: int) -> list[tuple[int, str, bytes]]:
        """Return (version, relation, payload) with after < version <= upto, in version order."""
        rows = self.db.execute(
            "SELECT version, relation, payload FROM data_batches "
            "WHERE pipeline_id = ? AND version > ? AND version <= ? ORDER BY version, relation",
            [pipeline_id, after, upto],
        )
        return [tuple(row) for row in rows]

    def checkpoints(self, pipeline_id: str) -> list[tuple[str, int, bytes]]:
        """Return (relation, version, payload) of the latest checkpoint of each relation."""
        rows = self.db.execute(
            "SELECT relation, version, payload FROM data_checkpoints WHERE pipeline_id = ?",
            [pipeline_id],
        )
        return [tuple(row) for row in rows]

    def put_checkpoint(self, pipeline_id: str, version: int, payloads: Mapping[str, bytes]) -> None:
        """Store whole contents as of `version` and drop the batches they include."""
        self.db.execute("DELETE FROM data_checkpoints WHERE pipeline_id = ?", [pipeline_id])
        self.db.conn.executemany(
            "INSERT INTO data_checkpoints (pipeline_id, relation, version, payload) "
            "VALUES (?, ?, ?, ?)",
            [(pipeline_id, relation, version, data) for relation, data in payloads.items()],
        )
        self.db.execute(
            "DELETE FROM data_batches WHERE pipeline_id = ? AND version <= ?",
            [pipeline_id, version],
        )

    def add_deltas(self, pipeline_id: str, version: int, payloads: Mapping[str, bytes]) -> None:
        """Store what `version` changed in some relations."""
        self.db.conn.executemany(
            "INSERT INTO data_deltas (pipeline_id, version, relation, payload) VALUES (?, ?, ?, ?)",
            [(pipeline_id, version, relation, data) for relation, data in payloads.items()],
        )

    def deltas(
        self, pipeline_id: str, relations: Iterable[str], after: int, upto: int
    ) -> list[tuple[int, str, bytes]]:
        """Return (version, relation, payload) of the given relations, in version order."""
        names = list(relations)
        if not names:
            return []
        marks = ",".join("?" * len(names))
        rows = self.db.execute(
            "SELECT version, relation, payload FROM data_deltas WHERE pipeline_id = ? "
            f"AND relation IN ({marks}) AND version > ? AND version <= ? "
            "ORDER BY version, relation",
            [pipeline_id, *names, after, upto],
        )
        return [tuple(row) for row in rows]

    def prune_deltas(self, pipeline_id: str, upto: int) -> None:
        """Forget deltas of versions up to `upto`."""
        self.db.execute(
            "DELETE FROM data_deltas WHERE pipeline_id = ? AND version <= ?", [pipeline_id, upto]
        )
