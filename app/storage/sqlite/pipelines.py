"""The pipelines table on SQLite: reads that render response JSON inside SQLite, and writes."""

import functools
import sqlite3
from collections.abc import Sequence

import sqlite_utils

from app.storage.columns import PIPELINE_BOOL_COLUMNS
from app.storage.columns import PIPELINE_INT_COLUMNS
from app.storage.columns import PIPELINE_JSON_COLUMNS
from app.storage.columns import decode_row
from app.storage.columns import encode
from app.storage.errors import NameTaken
from app.storage.interface import EVERY_PIPELINE
from app.storage.interface import PipelineFilter

# Output fields that are not stored columns, as SQL producing `,"key":value` or nothing.
# `connectors` is the connector_stats the runtime last reported, present only when it did.
COMPUTED_SQL = {
    "connectors": (
        "CASE WHEN json_type(deployment_runtime_status_details, '$.connector_stats') = 'object' "
        "THEN ',\"connectors\":' || json_object('num_errors', "
        "ifnull(json_extract(deployment_runtime_status_details, "
        "'$.connector_stats.num_errors'), 0)) ELSE '' END"
    ),
}


def value_sql(column: str) -> str:
    """SQL rendering one stored column as JSON text, without re-parsing stored JSON."""
    if column in PIPELINE_JSON_COLUMNS:
        return f"ifnull({column}, 'null')"
    if column in PIPELINE_BOOL_COLUMNS:
        return f"CASE WHEN {column} THEN 'true' ELSE 'false' END"
    if column in PIPELINE_INT_COLUMNS:
        return column
    return f"json_quote({column})"


@functools.cache
def object_sql(fields: tuple[str, ...]) -> str:
    """SQL that renders one row as a JSON object with exactly `fields`, in order."""
    # Cached: the text is a pure function of the field tuple (a handful of field sets).
    parts = []
    for index, name in enumerate(fields):
        if name in COMPUTED_SQL:
            parts.append(COMPUTED_SQL[name])
            continue
        separator = "," if index else ""
        parts.append(f"'{separator}\"{name}\":' || {value_sql(name)}")
    return "'{' || " + " || ".join(parts) + " || '}'"


# Above every character, so `prefix <= name < prefix + TOP` is the names starting with prefix.
TOP = "\U0010ffff"


# The range uses the unique index on name; substr() keeps the match exact.
NAME_PREFIX_SQL = "name >= :prefix AND name < :above AND substr(name, 1, :length) = :prefix"
TAG_SQL = "id IN (SELECT pipeline_id FROM pipeline_tags WHERE tag = :tag{index})"


@functools.cache
def list_sql(fields: tuple[str, ...], tag_count: int, by_name: bool) -> str:
    """SQL listing the rows a filter of this shape selects, rendered with `fields`, by id."""
    # Cached like object_sql: few shapes (selectors x at most MAX_TAGS tags x name or not).
    conditions = [NAME_PREFIX_SQL] if by_name else []
    conditions += [TAG_SQL.format(index=index) for index in range(tag_count)]
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    return f"SELECT {object_sql(fields)} FROM pipelines{where} ORDER BY id"


def list_query(fields: Sequence[str], where: PipelineFilter) -> tuple[str, dict]:
    """Return the SQL and named parameters listing what `where` selects."""
    tags = tuple(dict.fromkeys(where.tags))  # a tag asked twice is one condition
    parameters = {f"tag{index}": tag for index, tag in enumerate(tags)}
    prefix = where.name_prefix
    if prefix:
        parameters.update(prefix=prefix, above=prefix + TOP, length=len(prefix))
    return list_sql(tuple(fields), len(tags), bool(prefix)), parameters


def name_clash_or(exc: sqlite3.IntegrityError) -> Exception:
    """Return NameTaken for a clash on the unique name index, else the error itself."""
    # The unique index on name is the arbiter, also between racing workers.
    if "pipelines.name" in str(exc):
        return NameTaken()
    return exc


class SqlitePipelineRows:
    """Pipelines in one SQLite database; callers hold the transaction for writes."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def render_list(self, fields: Sequence[str], where: PipelineFilter = EVERY_PIPELINE) -> str:
        """Return the rows `where` selects rendered with `fields`, in id (creation) order."""
        rows = self.db.conn.execute(*list_query(fields, where))
        return "[" + ",".join(row[0] for row in rows) + "]"

    def stamp_and_due(self, now_micros: int) -> tuple[str, bool]:
        """Return the change stamp and whether a transition is due, in one statement."""
        counter, nonce, due = self.db.conn.execute(
            "SELECT counter, nonce, EXISTS (SELECT 1 FROM pipelines "
            "WHERE next_transition_at <= ?) FROM pipeline_changes",
            [now_micros],
        ).fetchone()
        return f"{counter}.{nonce}", bool(due)

    def change_stamp(self) -> str:
        """Return the change counter and its random nonce (moved by triggers; see migrations)."""
        counter, nonce = self.db.conn.execute(
            "SELECT counter, nonce FROM pipeline_changes"
        ).fetchone()
        return f"{counter}.{nonce}"

    def render_one(self, name: str, fields: Sequence[str]) -> str | None:
        """Return one row rendered with `fields`, or None if the name is unknown."""
        row = self.db.conn.execute(
            f"SELECT {object_sql(tuple(fields))} FROM pipelines WHERE name = ?", [name]
        ).fetchone()
        return None if row is None else row[0]

    def get(self, name: str) -> dict | None:
        """Return the stored record of a pipeline, or None."""
        row = self.db.execute("SELECT * FROM pipelines WHERE name = ?", [name]).fetchone()
        return None if row is None else decode_row(row)

    def get_many(self, pipeline_ids: Sequence[str]) -> list[dict]:
        """Return the records with these ids, in id order."""
        if not pipeline_ids:
            return []
        marks = ",".join("?" * len(pipeline_ids))
        rows = self.db.execute(
            f"SELECT * FROM pipelines WHERE id IN ({marks}) ORDER BY id", list(pipeline_ids)
        )
        return [decode_row(row) for row in rows]

    def names_and_ids(self) -> list[tuple[str, str]]:
        """Return (name, id) of every pipeline."""
        return [tuple(row) for row in self.db.execute("SELECT name, id FROM pipelines")]

    def insert(self, record: dict) -> None:
        """Insert a complete record; a taken name raises NameTaken."""
        try:
            self.db["pipelines"].insert({column: encode(column, v) for column, v in record.items()})
        except sqlite3.IntegrityError as exc:
            raise name_clash_or(exc) from exc

    def update(self, pipeline_id: str, columns: dict) -> None:
        """Write the given columns of one row; a rename onto a taken name raises NameTaken."""
        if not columns:
            return
        try:
            self.db["pipelines"].update(
                pipeline_id, {column: encode(column, v) for column, v in columns.items()}
            )
        except sqlite3.IntegrityError as exc:
            raise name_clash_or(exc) from exc

    def delete(self, pipeline_id: str) -> None:
        """Delete a pipeline by id."""
        self.db.execute("DELETE FROM pipelines WHERE id = ?", [pipeline_id])
