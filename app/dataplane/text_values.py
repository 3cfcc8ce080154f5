"""Text → cell converters: CSV fields, map keys and DEFAULT literals (default SQL spellings)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from app.dataplane import scalars
from app.dataplane import temporal
from app.dataplane.arrow_types import is_interval
from app.dataplane.cells import CellError
from app.dataplane.cells import variant_text

TextConverter = Callable[[str], object]
_STRINGS = ("CHAR", "VARCHAR")


def _temporal(parse: Callable[[str], int], what: str) -> TextConverter:
    def convert(text: str) -> int:
        try:
            return parse(text)
        except temporal.TemporalError as err:
            raise CellError(f"invalid {what} '{text}': {err}") from None

    return convert


def _boolean(text: str) -> bool:
    if text == "true":
        return True
    if text == "false":
        return False
    raise CellError("provided string was not `true` or `false`")


def _variant(text: str) -> str:
    try:
        return variant_text(json.loads(text))
    except ValueError as err:
        raise CellError(f"invalid VARIANT JSON: {err}") from None


def _unsupported(sql_type: str) -> TextConverter:
    def convert(text: str) -> object:
        raise CellError(f"values of type {sql_type} cannot be written as text")

    return convert


def text_converter(ctype: dict) -> TextConverter:
    """Return a function parsing one non-empty text value of this ColumnType into a cell."""
    sql_type = ctype.get("type")
    if sql_type in scalars.INTEGER_RANGES:
        return lambda text: scalars.parse_integer_text(text, sql_type)
    if sql_type in scalars.FLOAT_NAMES:
        return lambda text: scalars.parse_float_text(text, sql_type)
    if sql_type == "DECIMAL":
        precision, scale = scalars.decimal_shape(ctype)
        return lambda text: scalars.parse_decimal_text(text, precision, scale)
    if sql_type in _STRINGS:
        return str
    if sql_type == "BOOLEAN":
        return _boolean
    if sql_type == "DATE":
        return _temporal(temporal.parse_date, "date")
    if sql_type == "TIME":
        return _temporal(temporal.parse_time, "time")
    if sql_type in ("TIMESTAMP", "TIMESTAMP_TZ"):
        return _temporal(temporal.parse_timestamp, "timestamp")
    if sql_type == "UUID":
        return scalars.parse_uuid_text
    if sql_type == "VARIANT":
        return _variant
    if sql_type in ("BINARY", "VARBINARY"):
        # The csv crate hands a byte field its raw bytes.
        return lambda text: text.encode().hex()
    if is_interval(sql_type) or sql_type in ("ARRAY", "MAP", "NULL") or sql_type is None:
        return _unsupported(sql_type or "ROW")
    raise CellError(f"unsupported SQL type {sql_type}")


def empty_field_cell(ctype: dict) -> object:
    """Return what an empty CSV field means: NULL, '' for NOT NULL strings, else an error."""
    if ctype.get("nullable", True):
        return None
    if ctype.get("type") in _STRINGS:
        return ""
    raise CellError("cannot parse an empty field as a NOT NULL value")


_INTEGERS = re.compile(r"[+-]?[0-9]+(?:\n[+-]?[0-9]+)*")


def bulk_text_converter(ctype: dict):
    """Return a function converting a column of CSV fields, or None if any field is bad.

    Integer and string columns take C-level paths; on any doubt the caller falls back to
    per-record decoding, which reports exact errors.
    """
    convert = text_converter(ctype)
    sql_type = ctype.get("type")
    try:
        empty = empty_field_cell(ctype)
    except CellError:
        empty = CellError

    def bulk(column: tuple) -> list | None:
        has_empty = "" in column
        if has_empty and empty is CellError:
            return None
        if sql_type in _STRINGS:
            return [empty if v == "" else v for v in column] if has_empty else list(column)
        if sql_type in scalars.INTEGER_RANGES and not has_empty:
            if not column or _INTEGERS.fullmatch("\n".join(column)) is None:
                return None
            if max(map(len, column)) > 21:  # let the per-record path word the overflow
                return None
            values = list(map(int, column))
            low, high, _ = scalars.INTEGER_RANGES[sql_type]
            return values if low <= min(values) and max(values) <= high else None
        try:
            return [empty if v == "" else convert(v) for v in column]
        except CellError:
            return None

    return bulk
