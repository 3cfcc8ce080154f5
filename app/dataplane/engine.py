"""Evaluate a program over one state of its tables with DataFusion; answer ad-hoc SQL.

A Snapshot registers the tables' Arrow data once and computes views lazily, only when a
query, another view or a caller needs them, so a query over a table never pays for views.
Snapshots are immutable in what they answer; phase B caches them per (pipeline, data version).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field

import pyarrow as pa
import pyarrow.types as pt
from datafusion import SessionContext

from app.dataplane.arrow_types import arrow_schema
from app.dataplane.engine_errors import ViewError
from app.dataplane.engine_errors import engine_text
from app.dataplane.identifiers import quote_identifier
from app.dataplane.program_views import Program
from app.dataplane.relations import Relation
from app.dataplane.statements import AdhocResult
from app.dataplane.statements import collect_adhoc
from app.dataplane.statements import plan_adhoc

# Ad-hoc plans a snapshot keeps, by SQL text.
MAX_PLANS = 64


def register(ctx: SessionContext, name: str, table: pa.Table) -> None:
    """Register an Arrow table under a canonical name (replacing any previous one)."""
    quoted = quote_identifier(name)
    if ctx.table_exist(quoted):
        ctx.deregister_table(quoted)
    batches = table.to_batches() or [pa.RecordBatch.from_pylist([], schema=table.schema)]
    ctx.register_record_batches(quoted, [batches])


def _family(kind: pa.DataType) -> str:
    """A coarse type family: casts within one keep meaning, across families they invent it."""
    for name, test in (
        ("number", lambda k: pt.is_integer(k) or pt.is_floating(k) or pt.is_decimal(k)),
        ("text", lambda k: pt.is_string(k) or pt.is_large_string(k) or pt.is_string_view(k)),
        ("bytes", lambda k: pt.is_binary(k) or pt.is_large_binary(k) or pt.is_binary_view(k)),
        ("timestamp", pt.is_timestamp),
        ("date", pt.is_date),
        ("time", pt.is_time),
        ("list", lambda k: pt.is_list(k) or pt.is_large_list(k) or pt.is_list_view(k)),
    ):
        if test(kind):
            return name
    return str(kind)


def conform(result: pa.Table, relation: Relation | None) -> pa.Table:
    """Give a view result the schema's column names and, within a type family, its types.

    The simulated compiler guesses VARCHAR for expressions it cannot type, so a result is
    never cast across families (a timestamp stays a timestamp rather than becoming text).
    """
    if relation is None or result.num_columns != len(relation.columns):
        return result
    arrays, fields = [], []
    for column, target in zip(result.columns, arrow_schema(relation), strict=True):
        if column.type != target.type and _family(column.type) != _family(target.type):
            target = pa.field(target.name, column.type)
        elif column.type != target.type:
            try:
                column = column.cast(target.type)
            except pa.ArrowException:
                target = pa.field(target.name, column.type)
        arrays.append(column)
        fields.append(target)
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


@dataclass
class Snapshot:
    """A program over one state of its tables."""

    program: Program
    tables: Mapping[str, pa.Table]
    _views: dict[str, pa.Table] = field(default_factory=dict)
    _errors: dict[str, ViewError] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self._plans: dict[str, list] = {}
        # Views are evaluated in one context (local views included) ...
        self._program_ctx = SessionContext()
        # ... and ad-hoc queries run in another, which sees only tables and output views.
        self._adhoc_ctx = SessionContext()
        self._table_data: dict[str, pa.Table] = {}
        for relation in self.program.catalog.tables:
            table = self.tables.get(relation.name)
            if table is None:
                table = arrow_schema(relation).empty_table()
            self._table_data[relation.name] = table
            register(self._program_ctx, relation.name, table)
            register(self._adhoc_ctx, relation.name, table)
        for relation in self.program.catalog.views:
            # Placeholders with the schema's types, until a query needs the real rows.
            register(self._adhoc_ctx, relation.name, arrow_schema(relation).empty_table())

    def relation(self, name: str) -> pa.Table:
        """Return a table's or view's current rows (computing the view); raise ViewError."""
        if name in self._table_data:
            return self._table_data[name]
        return self.view(name)

    def view(self, name: str) -> pa.Table:
        """Return a view's rows, evaluating it (and what it reads) once; raise ViewError."""
        with self._lock:
            return self._view(name, ())

    def view_errors(self) -> dict[str, str]:
        """Return the views found unevaluable so far, with their error texts."""
        return {name: err.text for name, err in self._errors.items()}

    def _view(self, name: str, stack: tuple[str, ...]) -> pa.Table:
        if name in self._views:
            return self._views[name]
        if name in self._errors:
            raise self._errors[name]
        prepared = self.program.views.get(name)
        if prepared is None:
            raise ViewError(name, "the program does not define it")
        try:
            if name in stack:
                raise ViewError(name, "it reads itself")
            if prepared.problem is not None:
                raise ViewError(name, prepared.problem)
            for read in sorted(prepared.translation.reads):
                if read in self.program.views and read not in self._views:
                    try:
                        self._view(read, (*stack, name))
                    except ViewError as err:
                        reason = f"it reads view `{read}`, which cannot be evaluated"
                        raise ViewError(name, reason) from err
            try:
                result = self._program_ctx.sql(prepared.translation.sql).to_arrow_table()
            except Exception as err:  # DataFusion raises plain exceptions of several types
                raise ViewError(name, engine_text(err)) from None
        except ViewError as err:
            self._errors[name] = err
            raise
        result = conform(result, prepared.relation)
        self._views[name] = result
        register(self._program_ctx, name, result)
        if prepared.relation is not None:
            register(self._adhoc_ctx, name, result)
        return result

    def query(self, sql: str) -> AdhocResult:
        """Run ad-hoc SQL as upstream's `/query` does; raise DataplaneError (AdHocQueryError).

        Planning may evaluate views, so it holds the snapshot's lock; execution does not.
        """
        with self._lock:
            planned = self._plans.get(sql)
            if planned is None:
                planned = plan_adhoc(self, sql)
                # The snapshot never changes, so a plan stays right (dashboards repeat their
                # queries); execution still runs each time (NOW() and random() included).
                if len(self._plans) >= MAX_PLANS:
                    self._plans.pop(next(iter(self._plans)))
                self._plans[sql] = planned
        return collect_adhoc(planned)

    # Used by statements.run_adhoc.
    @property
    def adhoc_ctx(self) -> SessionContext:
        """The context ad-hoc statements are planned in."""
        return self._adhoc_ctx

    def pending_views(self, names: set[str]) -> set[str]:
        """Return which of `names` are views not evaluated yet."""
        return {n for n in names if n in self.program.views and n not in self._views}

    def materialize_views(self, names: set[str]) -> None:
        """Evaluate the named views so ad-hoc plans read their real rows; raise ViewError."""
        for name in sorted(self.pending_views(names)):
            self._view(name, ())
