"""Scalar rules shared by the JSON and text decoders: integer ranges, decimals, floats, UUIDs."""

from __future__ import annotations

import math
import re
import struct
import uuid
from decimal import ROUND_HALF_UP
from decimal import Decimal
from decimal import InvalidOperation

from app.dataplane.cells import CellError

# (lowest, highest, serde's name) per integer wire type.
INTEGER_RANGES = {
    "TINYINT": (-(2**7), 2**7 - 1, "i8"),
    "SMALLINT": (-(2**15), 2**15 - 1, "i16"),
    "INTEGER": (-(2**31), 2**31 - 1, "i32"),
    "BIGINT": (-(2**63), 2**63 - 1, "i64"),
    "UTINYINT": (0, 2**8 - 1, "u8"),
    "USMALLINT": (0, 2**16 - 1, "u16"),
    "UINTEGER": (0, 2**32 - 1, "u32"),
    "UBIGINT": (0, 2**64 - 1, "u64"),
}
FLOAT_NAMES = {"REAL": "f32", "DOUBLE": "f64"}
_F32_MAX = 3.4028234663852886e38
_DECIMAL_TEXT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_FLOAT_TEXT = re.compile(r"[+-]?((\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|inf|infinity|nan)", re.IGNORECASE)


def check_integer(value: int, sql_type: str) -> int:
    """Return `value` if it fits the integer type, else raise serde's `invalid value`."""
    low, high, name = INTEGER_RANGES[sql_type]
    if low <= value <= high:
        return value
    raise CellError(f"invalid value: integer `{value}`, expected {name}")


def check_float(value: float, sql_type: str) -> float:
    """Return `value` as a float; a REAL is rounded to single precision, or refused if too big.

    Rounding here keeps a REAL cell equal to what Arrow's float32 gives back.
    """
    if sql_type != "REAL":
        return value
    if math.isfinite(value) and abs(value) > _F32_MAX:
        raise CellError(f"invalid value: floating point `{value}`, expected f32")
    return struct.unpack("f", struct.pack("f", value))[0]


def parse_integer_text(text: str, sql_type: str) -> int:
    """Parse an integer the way Rust's `from_str` does (optional sign, ASCII digits only)."""
    if not text:
        raise CellError("cannot parse integer from empty string")
    digits = text[1:] if text[0] in "+-" else text
    if not (digits.isascii() and digits.isdigit()):
        raise CellError("invalid digit found in string")
    if len(digits.lstrip("0")) > 20:  # beyond any 64-bit integer (and Python's digit limit)
        raise CellError(
            f"number too {'small' if text[0] == '-' else 'large'} to fit in target type"
        )
    value = int(text)
    low, high, _ = INTEGER_RANGES[sql_type]
    if value > high:
        raise CellError("number too large to fit in target type")
    if value < low:
        raise CellError("number too small to fit in target type")
    return value


def parse_float_text(text: str, sql_type: str) -> float:
    """Parse a float the way Rust's `from_str` does (no spaces or underscores)."""
    if _FLOAT_TEXT.fullmatch(text) is None:
        raise CellError("invalid float literal")
    return check_float(float(text), sql_type)


def decimal_cell(value: Decimal, precision: int, scale: int) -> str:
    """Round `value` to `scale` digits and check it fits DECIMAL(precision, scale)."""
    if not value.is_finite():
        raise CellError(f"invalid value: `{value}`, expected DECIMAL({precision}, {scale})")
    try:
        rounded = value.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        rounded = None
    if rounded is None or (rounded != 0 and rounded.adjusted() >= precision - scale):
        raise CellError(f"invalid value: `{value}`, expected DECIMAL({precision}, {scale})")
    if rounded == 0:
        rounded = abs(rounded)  # no "-0.00"
    return format(rounded, "f")


def parse_decimal_text(text: str, precision: int, scale: int) -> str:
    """Parse decimal text (`12.3`, `-1e2`) into a DECIMAL cell."""
    if _DECIMAL_TEXT.fullmatch(text) is None:
        raise CellError(f"invalid decimal: `{text}`")
    return decimal_cell(Decimal(text), precision, scale)


def decimal_shape(ctype: dict) -> tuple[int, int]:
    """Return (precision, scale) of a DECIMAL ColumnType."""
    return int(ctype.get("precision", 38)), int(ctype.get("scale", 0))


def parse_uuid_text(text: str) -> str:
    """Return the canonical (lower-case, hyphenated) spelling of a UUID."""
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise CellError(f"invalid value: string {text!r}, expected a UUID") from None
