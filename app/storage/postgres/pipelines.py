"""The pipelines table on Postgres: List Pipelines rendered inside the database, and writes.

Each row is rendered by `row_to_json` over exactly the requested columns, in order: compact
JSON (json_build_object would add spaces), keys in upstream's order (jsonb would sort them),
stored JSON text embedded as JSON (`::json` only validates it), booleans and integers as such.
Python joins the rows into the array, as on SQLite; no per-row Python work.
"""

import functools
import json
from collections.abc import Sequence

import psycopg
from psycopg import errors as pg_errors
from psycopg.rows import dict_row

from app.storage.columns import PIPELINE_BOOL_COLUMNS
from app.storage.columns import PIPELINE_JSON_COLUMNS
from app.storage.columns import decode_row
from app.storage.columns import encode
from app.storage.errors import NameTaken
from app.storage.interface import EVERY_PIPELINE
from app.storage.interface import PipelineFilter

# Byte order, as on SQLite, whatever the database's collation.
BY_ID = 'ORDER BY p.id COLLATE "C"'
# Output fields that are not stored columns: (when the field is present, its JSON value).
# `connectors` is the connector_stats the runtime last reported, present only when it did;
# `c.stats` is parsed once a row (see rendering_sql).
COMPUTED_SQL = {
    "connectors": (
        "json_typeof(c.stats) = 'object'",
        "('{\"num_errors\":' || coalesce(c.stats -> 'num_errors', '0'::json)::text || '}')::json",
    ),
}
STATS_SQL = (
    "CROSS JOIN LATERAL (SELECT p.deployment_runtime_status_details::json -> 'connector_stats'"
    " AS stats) c"
)


def column_sql(column: str) -> str:
    """One stored column as the value row_to_json should render."""
    if column in PIPELINE_JSON_COLUMNS:
        return f"p.{column}::json AS {column}"
    if column in PIPELINE_BOOL_COLUMNS:
        return f"(p.{column} <> 0) AS {column}"
    return f"p.{column}"


@functools.cache
def rendering_sql(fields: tuple[str, ...]) -> str:
    """`SELECT <json text> FROM pipelines p ...`: one JSON object a row with exactly `fields`."""
    # Cached: the text is a pure function of the field tuple (a handful of field sets).
    stored = [name for name in fields if name not in COMPUTED_SQL]
    computed = [name for name in fields if name in COMPUTED_SQL]
    assert fields[: len(stored)] == tuple(stored) and len(computed) <= 1, fields
    columns = ", ".join(column_sql(name) for name in stored)
    joins = f"CROSS JOIN LATERAL (SELECT {columns}) r"
    if not computed:
        return f"SELECT row_to_json(r)::text FROM pipelines p {joins}"
    # A row with the computed field and one without; each row renders only the one it needs.
    (name,) = computed
    present, value = COMPUTED_SQL[name]
    joins += f" {STATS_SQL} CROSS JOIN LATERAL (SELECT {columns}, {value} AS {name}) rc"
    rendered = f"CASE WHEN {present} THEN row_to_json(rc)::text ELSE row_to_json(r)::text END"
    return f"SELECT {rendered} FROM pipelines p {joins}"


def stored(column: str, value):
    """Encode a value for its column; booleans become integers, as SQLite stores them."""
    value = encode(column, value)
    return int(value) if isinstance(value, bool) else value


def list_query(fields: Sequence[str], where: PipelineFilter) -> tuple[str, dict]:
    """Return the SQL and named parameters listing what `where` selects, by id."""
    conditions, parameters = [], {}
    if where.tags:
        # Every tag: containment on the GIN index over tags::jsonb (migration 8).
        conditions.append("p.tags::jsonb @> %(tags)s::jsonb")
        parameters["tags"] = json.dumps(list(dict.fromkeys(where.tags)))
    if where.name_prefix:
        # LIKE on the text_pattern_ops index; the prefix's own wildcards are escaped.
        conditions.append("p.name LIKE %(pattern)s")
        escaped = where.name_prefix.replace("\\", "\\\\")
        escaped = escaped.replace("%", "\\%").replace("_", "\\_")
        parameters["pattern"] = escaped + "%"
    filters = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    return f"{rendering_sql(tuple(fields))}{filters} {BY_ID}", parameters


class PostgresPipelineRows:
    """Pipelines in one Postgres database; callers hold the transaction for writes."""

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn

    def render_list(self, fields: Sequence[str], where: PipelineFilter = EVERY_PIPELINE) -> str:
        """Return the rows `where` selects rendered with `fields`, in id (creation) order."""
        rows = self.conn.execute(*list_query(fields, where))
        return "[" + ",".join(row[0] for row in rows) + "]"

    def stamp_and_due(self, now_micros: int) -> tuple[str, bool]:
        """Return the change stamp and whether a transition is due, in one statement."""
        counter, nonce, due = self.conn.execute(
            "SELECT counter, nonce, EXISTS (SELECT 1 FROM pipelines "
            "WHERE next_transition_at <= %s) FROM pipeline_changes",
            [now_micros],
        ).fetchone()
        return f"{counter}.{nonce}", due

    def change_stamp(self) -> str:
        """Return the change counter and its random nonce (moved by triggers; see migrations)."""
        counter, nonce = self.conn.execute("SELECT counter, nonce FROM pipeline_changes").fetchone()
        return f"{counter}.{nonce}"

    def render_one(self, name: str, fields: Sequence[str]) -> str | None:
        """Return one row rendered with `fields`, or None if the name is unknown."""
        row = self.conn.execute(
            f"{rendering_sql(tuple(fields))} WHERE p.name = %s", [name]
        ).fetchone()
        return None if row is None else row[0]

    def get(self, name: str) -> dict | None:
        """Return the stored record of a pipeline, or None."""
        cursor = self.conn.cursor(row_factory=dict_row)
        row = cursor.execute("SELECT * FROM pipelines WHERE name = %s", [name]).fetchone()
        return None if row is None else decode_row(row)

    def get_many(self, pipeline_ids: Sequence[str]) -> list[dict]:
        """Return the records with these ids, in id order."""
        if not pipeline_ids:
            return []
        cursor = self.conn.cursor(row_factory=dict_row)
        rows = cursor.execute(
            f"SELECT * FROM pipelines p WHERE id = ANY(%s) {BY_ID}", [list(pipeline_ids)]
        )
        return [decode_row(row) for row in rows]

    def names_and_ids(self) -> list[tuple[str, str]]:
        """Return (name, id) of every pipeline."""
        return [tuple(row) for row in self.conn.execute("SELECT name, id FROM pipelines")]

    def insert(self, record: dict) -> None:
        """Insert a complete record; a taken name raises NameTaken."""
        values = {column: stored(column, v) for column, v in record.items()}
        columns = ", ".join(values)
        marks = ", ".join(["%s"] * len(values))
        # ON CONFLICT rather than catching the violation: an error would abort the whole
        # transaction on Postgres, while the caller only wants to answer DuplicateName.
        cursor = self.conn.execute(
            f"INSERT INTO pipelines ({columns}) VALUES ({marks}) ON CONFLICT (name) DO NOTHING",
            list(values.values()),
        )
        if cursor.rowcount == 0:
            raise NameTaken()

    def update(self, pipeline_id: str, columns: dict) -> None:
        """Write the given columns of one row; a rename onto a taken name raises NameTaken."""
        if not columns:
            return
        if (
            "name" in columns
            and self.conn.execute(
                "SELECT 1 FROM pipelines WHERE name = %s AND id <> %s",
                [columns["name"], pipeline_id],
            ).fetchone()
        ):
            # Writers hold the advisory write lock, so nobody takes the name before the UPDATE.
            raise NameTaken()
        values = {column: stored(column, v) for column, v in columns.items()}
        assignments = ", ".join(f"{column} = %s" for column in values)
        try:
            self.conn.execute(
                f"UPDATE pipelines SET {assignments} WHERE id = %s", [*values.values(), pipeline_id]
            )
        except pg_errors.UniqueViolation as exc:
            raise NameTaken() from exc

    def delete(self, pipeline_id: str) -> None:
        """Delete a pipeline by id."""
        self.conn.execute("DELETE FROM pipelines WHERE id = %s", [pipeline_id])
