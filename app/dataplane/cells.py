"""Cells: the JSON-safe canonical form in which the data plane holds one column value.

One form per ColumnType, chosen so rows can be stored as JSON text, compared by their text,
and turned into Arrow arrays without per-value work in Python for the common types:

| SQL type | cell |
|---|---|
| integers | int |
| REAL, DOUBLE | float |
| DECIMAL(p, s) | str with exactly s fraction digits (`"12.30"`) |
| BOOLEAN | bool |
| CHAR, VARCHAR, UUID | str (UUIDs lower-case, hyphenated) |
| VARIANT | str: compact JSON text, object keys sorted |
| BINARY, VARBINARY | str: lower-case hex |
| DATE / TIME / TIMESTAMP | int: days / nanoseconds since midnight / microseconds (epoch) |
| INTERVAL_* | int: months (year-month intervals) or microseconds |
| ARRAY | list of cells |
| MAP | list of [key, value] pairs, sorted by key |
| ROW | list of member cells in member order |

NULL is None everywhere.
"""

from __future__ import annotations

import json

from app.serde_text import describe_value


class CellError(ValueError):
    """A value that does not fit a column, with serde-style wording."""


def variant_text(value: object) -> str:
    """Return the canonical JSON text of a VARIANT value."""
    return json.dumps(_plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _plain(value: object) -> object:
    """Turn Decimal numbers (from exact JSON parsing) back into int/float for json.dumps."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if type(value).__name__ == "Decimal":
        integral = value == value.to_integral_value()
        return int(value) if integral and "E" not in str(value) else float(value)
    return value


def invalid_type(value: object, expected: str) -> CellError:
    """Build serde's `invalid type: <what>, expected <expected>` error."""
    return CellError(f"invalid type: {describe_value(value)}, expected {expected}")
