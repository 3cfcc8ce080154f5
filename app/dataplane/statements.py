"""Run one ad-hoc request (spec §4.2): plan statements in order, then execute; map errors."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import TYPE_CHECKING

import pyarrow as pa
from datafusion import DataFrame
from datafusion import SQLOptions

from app.compiler.lexer import LexError
from app.compiler.lexer import split_statements
from app.compiler.lexer import tokenize
from app.dataplane.arrow_types import arrow_schema
from app.dataplane.engine_errors import ViewError
from app.dataplane.engine_errors import adhoc_error
from app.dataplane.engine_errors import engine_text
from app.dataplane.engine_errors import non_materialized_error
from app.dataplane.errors import DataplaneError
from app.dataplane.errors import adhoc_query_error
from app.dataplane.identifiers import canonical_name
from app.dataplane.relations import Relation

if TYPE_CHECKING:
    from app.dataplane.engine import Snapshot

FINAL_ONLY = (
    "only the final statement in a multi-statement ad-hoc query may return a result set; "
    "move SELECTs to the end or split into separate requests"
)
_INSERT_REFUSED = "Error during planning: DML not supported: Insert Into"
_SCAN = "TableScan: "


@dataclass
class AdhocResult:
    """The result set of the last statement, and the rows INSERTs add (for the store)."""

    table: pa.Table
    inserts: list[tuple[Relation, pa.Table]] = field(default_factory=list)


def _options(allow_dml: bool) -> SQLOptions:
    """No DDL and no SET statements, as upstream's plan check; DML only for INSERT."""
    options = SQLOptions().with_allow_ddl(False).with_allow_statements(False)
    return options.with_allow_dml(allow_dml)


def split_sql(sql: str) -> list[str]:
    """Split a request into statements on top-level semicolons (quotes respected)."""
    try:
        tokens, _ = tokenize(sql)
    except LexError:
        return [sql] if sql.strip() else []  # DataFusion reports the tokenizer error
    return [sql[s[0].start : s[-1].end] for s in split_statements(tokens)]


def _mentioned(sql: str) -> set[str]:
    """Canonical spellings of the identifiers in a statement (a superset of relations read)."""
    try:
        tokens, _ = tokenize(sql)
    except LexError:
        return set()
    names = set()
    for tok in tokens:
        if tok.kind == "ident":
            names.add(tok.value.lower())
        elif tok.kind == "qident":
            names.add(tok.value)
    return names


def _scanned(frame: DataFrame) -> set[str]:
    """Relations a planned statement reads (the unoptimized plan shows subqueries too)."""
    lines = (line.strip() for line in frame.logical_plan().display_indent().splitlines())
    return {line[len(_SCAN) :] for line in lines if line.startswith(_SCAN)}


def _plan(snapshot: Snapshot, sql: str, allow_dml: bool) -> DataFrame:
    """Plan a statement over real rows of every view it reads; raise on planning errors."""
    ctx = snapshot.adhoc_ctx
    try:
        frame = ctx.sql_with_options(sql, _options(allow_dml))
    except Exception as err:
        # A placeholder view's types may not fit: evaluate what the text names, plan again.
        if engine_text(err) == _INSERT_REFUSED or not snapshot.pending_views(_mentioned(sql)):
            raise
        snapshot.materialize_views(_mentioned(sql))
        return ctx.sql_with_options(sql, _options(allow_dml))
    if snapshot.pending_views(_scanned(frame)):
        snapshot.materialize_views(_scanned(frame))
        frame = ctx.sql_with_options(sql, _options(allow_dml))
    return frame


def _check_materialized(snapshot: Snapshot, frame: DataFrame) -> None:
    for name in sorted(_scanned(frame)):
        relation = snapshot.program.catalog.relation(name)
        if relation is not None and not relation.materialized:
            raise non_materialized_error(name)


def _collect(frame: DataFrame) -> pa.Table:
    try:
        return frame.to_arrow_table()
    except Exception as err:  # execution errors keep DataFusion's text
        raise adhoc_error(err, planning=False) from None


@dataclass
class Planned:
    """One planned statement: a query, or the source rows of an INSERT into `target`."""

    frame: DataFrame
    target: Relation | None = None


def _plan_insert(snapshot: Snapshot, sql: str) -> Planned:
    """Plan an INSERT: the rows it adds are computed later, without changing the snapshot."""
    frame = _plan(snapshot, sql, allow_dml=True)
    plan = frame.logical_plan()
    written = str(plan.to_variant().table_name())
    catalog = snapshot.program.catalog
    relation = catalog.relation(canonical_name(written)[0]) or catalog.relation(written)
    if relation is None or not relation.is_table:
        text = f"Error during planning: only tables can be inserted into, not `{written}`"
        raise adhoc_query_error(text)
    source = snapshot.adhoc_ctx.create_dataframe_from_logical_plan(plan.inputs()[0])
    _check_materialized(snapshot, source)
    return Planned(source, relation)


def _inserted_rows(relation: Relation, rows: pa.Table) -> pa.Table:
    """Name the rows as the table's columns and enforce NOT NULL."""
    # DataFusion already cast the values to the table's types; only names and nulls remain.
    schema = pa.schema([pa.field(f.name, f.type) for f in arrow_schema(relation)])
    columns = [c.cast(f.type) for c, f in zip(rows.columns, schema, strict=True)]
    rows = pa.Table.from_arrays(columns, schema=schema)
    for column in relation.columns:
        if not column.nullable and rows.column(column.name).null_count:
            text = (
                f"Execution error: Invalid batch column at '{column.name}' has null but schema "
                "specifies non-nullable"
            )
            raise adhoc_query_error(text)
    return rows


def plan_adhoc(snapshot: Snapshot, sql: str) -> list[Planned]:
    """Plan a request's statements; only the last may return rows (spec §4.2)."""
    statements = split_sql(sql)
    if not statements:
        raise adhoc_query_error("no SQL statements were provided")
    planned = []
    for index, statement in enumerate(statements):
        try:
            try:
                frame = _plan(snapshot, statement, allow_dml=False)
            except Exception as err:
                if engine_text(err) != _INSERT_REFUSED:
                    raise
                planned.append(_plan_insert(snapshot, statement))
                continue
        except Exception as err:
            raise _as_adhoc(err) from None
        if index < len(statements) - 1:
            raise adhoc_query_error(FINAL_ONLY)
        _check_materialized(snapshot, frame)
        planned.append(Planned(frame))
    return planned


def collect_adhoc(planned: list[Planned]) -> AdhocResult:
    """Execute planned statements: the last result set, and the rows INSERTs add."""
    result = AdhocResult(pa.table({}))
    for statement in planned:
        rows = _collect(statement.frame)
        if statement.target is None:
            result.table = rows
            continue
        rows = _inserted_rows(statement.target, rows)
        result.inserts.append((statement.target, rows))
        result.table = pa.table({"count": pa.array([rows.num_rows], pa.uint64())})
    return result


def _as_adhoc(err: Exception) -> DataplaneError:
    """Map planning failures (DataFusion texts, unevaluable views) to AdHocQueryError."""
    if isinstance(err, DataplaneError):
        return err
    if isinstance(err, ViewError):
        return adhoc_query_error(f"Execution error: {err.text}")
    return adhoc_error(err)
