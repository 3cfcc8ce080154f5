"""serde's wording, shared by every parser here that imitates it: values, lists, positions."""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any


def rust_float(value: float) -> str:
    """Print an f64 as serde does: Rust's shortest digits, never an exponent, always a point."""
    text = format(Decimal(repr(value)), "f")
    return text if "." in text else text + ".0"


def rust_debug_str(value: str) -> str:
    """Quote a string the way Rust's `{:?}` does."""
    out = []
    for char in value:
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif char in "\n\r\t":
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{{{ord(char):x}}}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def describe_value(value: Any) -> str:
    """Describe a parsed JSON value like serde's `Unexpected` (`integer `5``, `map`, ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean `{'true' if value else 'false'}`"
    if isinstance(value, int):
        return f"integer `{value}`"
    if isinstance(value, (float, Decimal)):
        # Exact JSON parsing yields Decimal where serde would have read an f64.
        return f"floating point `{rust_float(float(value))}`"
    if isinstance(value, str):
        return f"string {rust_debug_str(value)}"
    return "sequence" if isinstance(value, list) else "map"


def one_of(names: Iterable[str]) -> str:
    """serde's list of alternatives: `a`, `a` or `b`, or one of `a`, `b`, `c`."""
    quoted = [f"`{name}`" for name in names]
    if len(quoted) <= 2:
        return " or ".join(quoted)
    return "one of " + ", ".join(quoted)


def serde_position(text: str, offset: int) -> tuple[int, int]:
    """serde_json's (line, column) of an offset: the column counts bytes consumed on the line."""
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, len(text[line_start:offset].encode())
