"""Pipelines table: reads that render response JSON inside SQLite, and atomic writes."""

import json
import sqlite3

import sqlite_utils

from app.errors import DuplicateName
from app.schemas.pipelines import FIELD_SETS
from app.status import DERIVATION_INPUTS
from app.status import derive_deployment_fields
from app.storage.lifecycle import insert_columns
from app.storage.lifecycle import schedule_changes

JSON_COLUMNS = frozenset(
    {
        "tags",
        "runtime_config",
        "program_config",
        "program_error",
        "program_info",
        "deployment_error",
        "storage_status_details",
        "deployment_resources_status_details",
        "deployment_runtime_status_details",
        "simulation",  # the lifecycle simulator's private state
    }
)
BOOL_COLUMNS = frozenset({"silent_bootstrap", "concurrent_bootstrap"})
INT_COLUMNS = frozenset({"version", "program_version", "refresh_version"})

# `connectors` is not stored: it is the connector_stats the runtime last reported.
CONNECTORS_SQL = (
    "CASE WHEN json_type(deployment_runtime_status_details, '$.connector_stats') = 'object' "
    "THEN ',\"connectors\":' || json_object('num_errors', "
    "ifnull(json_extract(deployment_runtime_status_details, '$.connector_stats.num_errors'), 0)) "
    "ELSE '' END"
)


def value_sql(column: str) -> str:
    """SQL rendering one stored column as JSON text, without re-parsing stored JSON."""
    if column in JSON_COLUMNS:
        return f"ifnull({column}, 'null')"
    if column in BOOL_COLUMNS:
        return f"CASE WHEN {column} THEN 'true' ELSE 'false' END"
    if column in INT_COLUMNS:
        return column
    return f"json_quote({column})"


def object_sql(fields: tuple[str, ...]) -> str:
    """SQL that renders one row as a JSON object with exactly `fields`, in order."""
    parts = []
    for index, name in enumerate(fields):
        if name == "connectors":
            parts.append(CONNECTORS_SQL)
            continue
        separator = "," if index else ""
        parts.append(f"'{separator}\"{name}\":' || {value_sql(name)}")
    return "'{' || " + " || ".join(parts) + " || '}'"


# Rendered once at import: the SQL text is a pure function of the field sets.
OBJECT_SQL = {selector: object_sql(fields) for selector, fields in FIELD_SETS.items()}


def encode(column: str, value):
    """Encode a Python value for its column."""
    if column in JSON_COLUMNS:
        return None if value is None else json.dumps(value, separators=(",", ":"))
    if column in BOOL_COLUMNS:
        return int(bool(value))
    return value


def decode_row(row) -> dict:
    """Decode a stored row into a record with JSON values and booleans restored."""
    record = dict(row)
    for column in JSON_COLUMNS:
        if record.get(column) is not None:
            record[column] = json.loads(record[column])
    for column in BOOL_COLUMNS:
        record[column] = bool(record[column])
    return record


def name_clash_or(exc: sqlite3.IntegrityError) -> Exception:
    """Return DuplicateName for a clash on the unique name index, else the error itself."""
    # The unique index on name is the arbiter, also between racing workers.
    if "pipelines.name" in str(exc):
        return DuplicateName()
    return exc


class PipelineStore:
    """Pipelines in one SQLite database."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def list_json(self, selector: str) -> str:
        """Return the List Pipelines body for a field set, ordered by id (creation order)."""
        rows = self.db.execute(f"SELECT {OBJECT_SQL[selector]} FROM pipelines ORDER BY id")
        return "[" + ",".join(row[0] for row in rows) + "]"

    def get_json(self, name: str, selector: str) -> str | None:
        """Return one pipeline rendered in a field set, or None if the name is unknown."""
        row = self.db.execute(
            f"SELECT {OBJECT_SQL[selector]} FROM pipelines WHERE name = ?", [name]
        ).fetchone()
        return None if row is None else row[0]

    def get(self, name: str) -> dict | None:
        """Return the stored record of a pipeline, or None."""
        row = self.db.execute("SELECT * FROM pipelines WHERE name = ?", [name]).fetchone()
        return None if row is None else decode_row(row)

    def get_by_id(self, pipeline_id: str) -> dict | None:
        """Return the stored record with this id, or None."""
        row = self.db.execute("SELECT * FROM pipelines WHERE id = ?", [pipeline_id]).fetchone()
        return None if row is None else decode_row(row)

    def all(self) -> list[dict]:
        """Return every stored record in creation order."""
        return [decode_row(row) for row in self.db.execute("SELECT * FROM pipelines ORDER BY id")]

    def names_and_ids(self) -> list[tuple[str, str]]:
        """Return (name, id) of every pipeline."""
        return [tuple(row) for row in self.db.execute("SELECT name, id FROM pipelines")]

    def insert(self, record: dict, simulated: bool = True) -> None:
        """Insert a complete record; a taken name raises DuplicateName.

        `simulated` is False only for imported fixtures, which the simulation never moves
        until a client acts on them (spec decision 7); any later API write sets it.
        """
        record = {**record, **derive_deployment_fields(record), "simulated": int(simulated)}
        record.update(insert_columns(record, simulated))
        try:
            self.db["pipelines"].insert({column: encode(column, v) for column, v in record.items()})
        except sqlite3.IntegrityError as exc:
            raise name_clash_or(exc) from exc

    def update(self, pipeline_id: str, changes: dict) -> dict:
        """Write changed columns (re-deriving combined statuses) and return the new record."""
        current = self.get_by_id(pipeline_id)
        changes = {**changes, **schedule_changes(current, changes)}
        record = {**current, **changes}
        if any(field in changes for field in DERIVATION_INPUTS):
            record.update(derive_deployment_fields(record))
        written = {k: encode(k, v) for k, v in record.items() if v != current[k] or k in changes}
        if written:
            try:
                self.db["pipelines"].update(pipeline_id, written)
            except sqlite3.IntegrityError as exc:
                raise name_clash_or(exc) from exc
        return record

    def delete(self, pipeline_id: str) -> None:
        """Delete a pipeline by id."""
        self.db.execute("DELETE FROM pipelines WHERE id = ?", [pipeline_id])
