"""JSON value → cell converters per ColumnType and JSON flavor (spec §2.1, §2.2)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from app.dataplane import scalars
from app.dataplane.arrow_types import member_type
from app.dataplane.arrow_types import row_fields
from app.dataplane.cells import CellError
from app.dataplane.cells import invalid_type
from app.dataplane.cells import variant_text
from app.dataplane.text_values import text_converter

JsonConverter = Callable[[object], object]
_MS_PER_DAY = 86_400_000
_NUMBER_TYPES = (int, float, Decimal)


def _integer(sql_type: str) -> JsonConverter:
    name = scalars.INTEGER_RANGES[sql_type][2]

    def convert(value: object) -> int:
        if type(value) is int:
            return scalars.check_integer(value, sql_type)
        raise invalid_type(value, name)

    return convert


def _float(sql_type: str) -> JsonConverter:
    name = scalars.FLOAT_NAMES[sql_type]

    def convert(value: object) -> float:
        if isinstance(value, _NUMBER_TYPES) and not isinstance(value, bool):
            return scalars.check_float(float(value), sql_type)
        raise invalid_type(value, name)

    return convert


def _decimal(ctype: dict) -> JsonConverter:
    precision, scale = scalars.decimal_shape(ctype)
    expected = expected_text(ctype)

    def convert(value: object) -> str:
        if isinstance(value, str):
            return scalars.parse_decimal_text(value, precision, scale)
        if isinstance(value, bool) or not isinstance(value, _NUMBER_TYPES):
            raise invalid_type(value, expected)
        number = value if isinstance(value, Decimal) else Decimal(repr(value))
        return scalars.decimal_cell(number, precision, scale)

    return convert


def _typed(kind: type, expected: str, then: Callable[[object], object] = lambda v: v):
    def convert(value: object) -> object:
        if type(value) is kind:
            return then(value)
        raise invalid_type(value, expected)

    return convert


def _epoch_millis(value: object) -> int:
    """pandas sends TIMESTAMP as integer milliseconds since the epoch."""
    if type(value) is int:
        return value * 1000
    raise invalid_type(value, "i64 milliseconds since the epoch")


def _pandas_date(value: object) -> int:
    """pandas sends `YYYY-MM-DD`; a date column of Python dates arrives as epoch milliseconds."""
    if type(value) is int:
        return value // _MS_PER_DAY
    return _date_text(value)


def _text(parse: Callable[[str], object]) -> JsonConverter:
    return _typed(str, "a string", parse)


def _binary(value: object) -> str:
    if not isinstance(value, list):
        raise invalid_type(value, "a sequence of bytes")
    for byte in value:
        if type(byte) is not int:
            raise invalid_type(byte, "u8")
        if not 0 <= byte <= 255:
            raise CellError(f"invalid value: integer `{byte}`, expected u8")
    return bytes(value).hex()


def _array(ctype: dict, flavor: str) -> JsonConverter:
    element = json_converter(ctype["component"], flavor)

    def convert(value: object) -> list:
        if isinstance(value, list):
            return [element(v) for v in value]
        raise invalid_type(value, "a sequence")

    return convert


def _map(ctype: dict, flavor: str) -> JsonConverter:
    key_type = ctype["key"]
    key = (lambda k: k) if key_type.get("type") in ("CHAR", "VARCHAR") else text_converter(key_type)
    value_of = json_converter(ctype["value"], flavor)

    def convert(value: object) -> list:
        if not isinstance(value, dict):
            raise invalid_type(value, "a map")
        pairs = [[key(k), value_of(v)] for k, v in value.items()]
        pairs.sort(key=lambda pair: pair[0])
        return pairs

    return convert


def _row(ctype: dict, flavor: str) -> JsonConverter:
    members = row_fields(ctype)
    names = [m["name"] for m in members]
    folded = {m["name"].lower(): i for i, m in enumerate(members) if not m.get("case_sensitive")}
    converters = [json_converter(member_type(m), flavor) for m in members]

    def convert(value: object) -> list:
        if isinstance(value, list):
            if len(value) < len(members):
                raise CellError(
                    f"invalid length {len(value)}, expected a sequence of {len(members)} elements"
                )
            return [c(v) for c, v in zip(converters, value, strict=False)]
        if not isinstance(value, dict):
            raise invalid_type(value, "a map")
        cells: list = [None] * len(members)
        for k, v in value.items():
            i = names.index(k) if k in names else folded.get(k.lower())
            if i is not None:
                cells[i] = converters[i](v)
        for i, m in enumerate(members):
            if cells[i] is None and not member_type(m).get("nullable", True):
                converters[i](None)  # raises serde's null error for a missing NOT NULL member
        return cells

    return convert


_EXPECTED = {
    "CHAR": "a string",
    "VARCHAR": "a string",
    "BOOLEAN": "a boolean",
    "DATE": "a string",
    "TIME": "a string",
    "TIMESTAMP": "a string",
    "TIMESTAMP_TZ": "a string",
    "UUID": "a string",
    "VARIANT": "any valid JSON",
    "BINARY": "a sequence of bytes",
    "VARBINARY": "a sequence of bytes",
    "ARRAY": "a sequence",
    "MAP": "a map",
}


_date_text = _text(text_converter({"type": "DATE"}))


def expected_text(ctype: dict, flavor: str = "default") -> str:
    """Return serde's `expected ...` wording for a ColumnType."""
    sql_type = ctype.get("type")
    if sql_type in scalars.INTEGER_RANGES:
        return scalars.INTEGER_RANGES[sql_type][2]
    if sql_type in scalars.FLOAT_NAMES:
        return scalars.FLOAT_NAMES[sql_type]
    if sql_type == "DECIMAL":
        return "a DECIMAL({}, {}) number or string".format(*scalars.decimal_shape(ctype))
    if flavor == "pandas" and sql_type in ("TIMESTAMP", "TIMESTAMP_TZ"):
        return "i64 milliseconds since the epoch"
    return _EXPECTED.get(sql_type, "a map")


def _base(ctype: dict, flavor: str) -> JsonConverter:
    sql_type = ctype.get("type")
    pandas = flavor == "pandas"
    if sql_type in scalars.INTEGER_RANGES:
        return _integer(sql_type)
    if sql_type in scalars.FLOAT_NAMES:
        return _float(sql_type)
    if sql_type == "DECIMAL":
        return _decimal(ctype)
    if sql_type in ("CHAR", "VARCHAR"):
        return _typed(str, "a string")
    if sql_type == "BOOLEAN":
        return _typed(bool, "a boolean")
    if sql_type in ("TIMESTAMP", "TIMESTAMP_TZ"):
        return _epoch_millis if pandas else _text(text_converter(ctype))
    if sql_type == "DATE":
        return _pandas_date if pandas else _text(text_converter(ctype))
    if sql_type in ("TIME", "UUID"):
        return _text(text_converter(ctype))
    if sql_type == "VARIANT":
        return variant_text
    if sql_type in ("BINARY", "VARBINARY"):
        return _binary
    if sql_type == "ARRAY":
        return _array(ctype, flavor)
    if sql_type == "MAP":
        return _map(ctype, flavor)
    if sql_type is None or sql_type == "STRUCT":
        return _row(ctype, flavor)
    return text_converter(ctype)  # raises for types that cannot be ingested (INTERVAL, NULL)


def json_converter(ctype: dict, flavor: str = "default") -> JsonConverter:
    """Return a function turning one JSON value (None for null) into a cell of this type."""
    convert = _base(ctype, flavor)
    if ctype.get("nullable", True):
        return lambda value: None if value is None else convert(value)
    expected = expected_text(ctype, flavor)

    def not_null(value: object) -> object:
        if value is None:
            raise invalid_type(None, expected)
        return convert(value)

    return not_null


_FAST_TYPES = {"CHAR": str, "VARCHAR": str, "BOOLEAN": bool, "DOUBLE": float}
_FAST_TYPES.update({name: int for name in scalars.INTEGER_RANGES})


def bulk_json_converter(ctype: dict, flavor: str = "default"):
    """Return a function converting a whole column of JSON values, or None if any is bad.

    Well-formed columns of common types are checked with C-level passes instead of one call
    per value; on any doubt the caller falls back to per-row decoding for exact errors.
    """
    convert = json_converter(ctype, flavor)
    sql_type = ctype.get("type")
    fast = _FAST_TYPES.get(sql_type)
    nullable = ctype.get("nullable", True)

    def bulk(column: list) -> list | None:
        if fast is not None:
            present = [v for v in column if v is not None] if None in column else column
            if (nullable or len(present) == len(column)) and all(type(v) is fast for v in present):
                if fast is not int or not present:
                    return column
                low, high, _ = scalars.INTEGER_RANGES[sql_type]
                if low <= min(present) and max(present) <= high:
                    return column
        try:
            return [convert(v) for v in column]
        except CellError:
            return None

    return bulk
