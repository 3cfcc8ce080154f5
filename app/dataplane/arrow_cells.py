"""Convert between rows of cells and Arrow tables, column by column."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

import pyarrow as pa

from app.dataplane.arrow_types import arrow_schema
from app.dataplane.arrow_types import arrow_type
from app.dataplane.arrow_types import is_interval
from app.dataplane.arrow_types import is_month_interval
from app.dataplane.arrow_types import member_type
from app.dataplane.arrow_types import row_fields
from app.dataplane.cells import variant_text
from app.dataplane.gcpause import gc_paused
from app.dataplane.relations import Relation
from app.dataplane.scalars import decimal_cell
from app.dataplane.scalars import decimal_shape
from app.dataplane.scalars import parse_uuid_text

_EPOCH = datetime.datetime(1970, 1, 1)
_EPOCH_ORDINAL = _EPOCH.toordinal()
# Types whose cells pyarrow takes as they are (ints for DATE/TIME/TIMESTAMP included).
_DIRECT = {"BOOLEAN", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT"}
_DIRECT |= {"UINTEGER", "UBIGINT", "REAL", "DOUBLE", "CHAR", "VARCHAR", "UUID", "VARIANT"}
_DIRECT |= {"DATE", "TIME", "TIMESTAMP", "TIMESTAMP_TZ", "NULL"}


def _python_value(ctype: dict) -> Callable[[object], object]:
    """Return cell → a Python value pyarrow accepts inside nested types."""
    sql_type = ctype.get("type")
    if sql_type is None or sql_type == "STRUCT":
        members = [(m["name"], _python_value(member_type(m))) for m in row_fields(ctype)]
        return lambda c: {name: f(v) for (name, f), v in zip(members, c, strict=True)}
    if sql_type == "ARRAY":
        element = _python_value(ctype["component"])
        return lambda c: [None if v is None else element(v) for v in c]
    if sql_type == "MAP":
        key, value = _python_value(ctype["key"]), _python_value(ctype["value"])
        return lambda c: [(key(k), None if v is None else value(v)) for k, v in c]
    if sql_type == "DECIMAL":
        return Decimal
    if sql_type in ("BINARY", "VARBINARY"):
        return bytes.fromhex
    if sql_type == "DATE":
        return lambda c: datetime.date.fromordinal(c + _EPOCH_ORDINAL)
    if sql_type == "TIME":
        return lambda c: (_EPOCH + datetime.timedelta(microseconds=c // 1000)).time()
    if sql_type in ("TIMESTAMP", "TIMESTAMP_TZ"):
        return lambda c: _EPOCH + datetime.timedelta(microseconds=c)
    if is_interval(sql_type):
        return _interval(sql_type)
    return lambda c: c


def _interval(sql_type: str) -> Callable[[int], tuple]:
    if is_month_interval(sql_type):
        return lambda c: (c, 0, 0)
    return lambda c: (0, 0, c * 1000)


def _nullable(convert: Callable[[object], object]) -> Callable[[object], object]:
    return lambda c: None if c is None else convert(c)


def column_array(ctype: dict, cells: list | tuple) -> pa.Array:
    """Build one Arrow column from a column of cells."""
    target = arrow_type(ctype)
    sql_type = ctype.get("type")
    if sql_type in _DIRECT:
        return pa.array(cells, target)
    if sql_type == "DECIMAL":
        return pa.array(cells, pa.string()).cast(target)
    convert = _nullable(_python_value(ctype))
    return pa.array([convert(c) for c in cells], target)


def rows_to_arrow(relation: Relation, rows: list[tuple]) -> pa.Table:
    """Build a relation's Arrow table from rows of cells (one entry per copy)."""
    schema = arrow_schema(relation)
    with gc_paused():
        columns = list(zip(*rows, strict=True)) if rows else [()] * len(relation.columns)
        arrays = [
            column_array(c.ctype, col) for c, col in zip(relation.columns, columns, strict=True)
        ]
    return pa.Table.from_arrays(arrays, schema=schema)


def contents_to_arrow(relation: Relation, contents: dict) -> pa.Table:
    """Build the Arrow table of a table's contents, repeating each row by its weight."""
    with gc_paused():
        entries = list(contents.values())
        table = rows_to_arrow(relation, [row for row, _ in entries])
        if any(weight != 1 for _, weight in entries):
            copies = [i for i, (_, weight) in enumerate(entries) for _ in range(weight)]
            table = table.take(pa.array(copies, pa.int64()))
    return table


def _cell_of(ctype: dict) -> Callable[[object], object]:
    """Return Python value (from Arrow's to_pylist) → cell."""
    sql_type = ctype.get("type")
    if sql_type is None or sql_type == "STRUCT":
        members = [(m["name"], _nullable(_cell_of(member_type(m)))) for m in row_fields(ctype)]
        return lambda v: [f(v.get(name)) for name, f in members]
    if sql_type == "ARRAY":
        element = _nullable(_cell_of(ctype["component"]))
        return lambda v: [element(x) for x in v]
    if sql_type == "MAP":
        key, value = _cell_of(ctype["key"]), _nullable(_cell_of(ctype["value"]))
        return lambda v: sorted(([key(k), value(x)] for k, x in v), key=lambda p: p[0])
    if sql_type == "DECIMAL":
        precision, scale = decimal_shape(ctype)
        return lambda v: decimal_cell(Decimal(v), precision, scale)
    if sql_type in ("BINARY", "VARBINARY"):
        return bytes.hex
    if sql_type == "DATE":
        return lambda v: v.toordinal() - _EPOCH_ORDINAL
    if sql_type == "TIME":
        return lambda v: ((v.hour * 60 + v.minute) * 60 + v.second) * 10**9 + v.microsecond * 1000
    if sql_type in ("TIMESTAMP", "TIMESTAMP_TZ"):
        return lambda v: (v.replace(tzinfo=None) - _EPOCH) // datetime.timedelta(microseconds=1)
    if sql_type == "UUID":
        return lambda v: parse_uuid_text(str(v))
    if sql_type == "VARIANT":
        return lambda v: v if isinstance(v, str) else variant_text(v)
    if sql_type in ("REAL", "DOUBLE"):
        return float
    if is_interval(sql_type):
        if is_month_interval(sql_type):
            return lambda v: v.months
        return lambda v: (v.days * 86_400_000_000_000 + v.nanoseconds) // 1000
    return lambda v: v


def arrow_to_rows(relation: Relation, table: pa.Table) -> list[tuple]:
    """Turn an Arrow table (already cast to the relation's schema) into rows of cells."""
    with gc_paused():
        return _arrow_to_rows(relation, table)


def _arrow_to_rows(relation: Relation, table: pa.Table) -> list[tuple]:
    columns = []
    for column, chunked in zip(relation.columns, table.columns, strict=True):
        sql_type = column.ctype.get("type")
        if sql_type in ("DATE", "TIME", "TIMESTAMP", "TIMESTAMP_TZ"):
            # Integers directly: exact to the nanosecond, and no datetime objects.
            ints = chunked.cast(pa.int32() if sql_type == "DATE" else pa.int64())
            columns.append(ints.to_pylist())
            continue
        convert = _nullable(_cell_of(column.ctype))
        columns.append([convert(v) for v in chunked.to_pylist()])
    return list(zip(*columns, strict=True)) if columns else []
