"""Map the compiler's ColumnType JSON to Arrow data types and relation schemas."""

from __future__ import annotations

import pyarrow as pa

from app.dataplane.relations import Relation

_SIMPLE = {
    "BOOLEAN": pa.bool_(),
    "TINYINT": pa.int8(),
    "SMALLINT": pa.int16(),
    "INTEGER": pa.int32(),
    "BIGINT": pa.int64(),
    "UTINYINT": pa.uint8(),
    "USMALLINT": pa.uint16(),
    "UINTEGER": pa.uint32(),
    "UBIGINT": pa.uint64(),
    "REAL": pa.float32(),
    "DOUBLE": pa.float64(),
    "CHAR": pa.string(),
    "VARCHAR": pa.string(),
    "BINARY": pa.binary(),
    "VARBINARY": pa.binary(),
    "DATE": pa.date32(),
    # Feldera's TIME has nanosecond and TIMESTAMP microsecond precision (lifecycle.md A.4).
    "TIME": pa.time64("ns"),
    "TIMESTAMP": pa.timestamp("us"),
    "TIMESTAMP_TZ": pa.timestamp("us", tz="UTC"),
    # Rendered like strings by upstream's ad-hoc formats (spec §4.3), so carried as text.
    "UUID": pa.string(),
    "VARIANT": pa.string(),
    "NULL": pa.null(),
}
# Decimal128 holds at most 38 digits, the largest precision Feldera accepts.
_MAX_DECIMAL_PRECISION = 38


def is_interval(sql_type: str | None) -> bool:
    """Tell whether a wire type name is one of the INTERVAL_* types."""
    return bool(sql_type) and sql_type.startswith("INTERVAL_")


def is_month_interval(sql_type: str | None) -> bool:
    """Tell whether an INTERVAL type counts months (YEAR, MONTH, YEAR TO MONTH)."""
    return sql_type in ("INTERVAL_YEAR", "INTERVAL_MONTH", "INTERVAL_YEAR_MONTH")


def row_fields(ctype: dict) -> list[dict]:
    """Return a ROW type's members; the compiler puts each member's type inline."""
    return ctype.get("fields") or []


def member_type(member: dict) -> dict:
    """Return a ROW member's ColumnType (inline keys, or a `columntype` key if present)."""
    if "columntype" in member:
        return member["columntype"]
    return {k: v for k, v in member.items() if k not in ("name", "case_sensitive")}


def arrow_type(ctype: dict) -> pa.DataType:
    """Return the Arrow type that holds values of a ColumnType."""
    sql_type = ctype.get("type")
    if sql_type is None or sql_type == "STRUCT":
        members = [(m["name"], member_type(m)) for m in row_fields(ctype)]
        return pa.struct(
            [pa.field(name, arrow_type(t), t.get("nullable", True)) for name, t in members]
        )
    if sql_type in _SIMPLE:
        return _SIMPLE[sql_type]
    if sql_type == "DECIMAL":
        precision = min(int(ctype.get("precision", _MAX_DECIMAL_PRECISION)), 38)
        scale = int(ctype.get("scale", 0))
        return pa.decimal128(max(precision, 1), scale)
    if sql_type == "ARRAY":
        return pa.list_(arrow_type(ctype["component"]))
    if sql_type == "MAP":
        return pa.map_(arrow_type(ctype["key"]), arrow_type(ctype["value"]))
    if is_interval(sql_type):
        return pa.month_day_nano_interval()
    raise ValueError(f"unsupported SQL type {sql_type}")


def arrow_schema(relation: Relation) -> pa.Schema:
    """Return the Arrow schema of a relation: canonical column names, declared types.

    Only table columns keep NOT NULL: ingestion enforces it, while a view's nullability is
    inferred by the simulated compiler and may be wrong for what the engine computes.
    """
    return pa.schema(
        [
            pa.field(c.name, arrow_type(c.ctype), c.nullable or not relation.is_table)
            for c in relation.columns
        ]
    )
