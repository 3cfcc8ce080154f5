"""UDF stub generation: the `udf_stubs` Rust text for body-less CREATE FUNCTIONs."""

from __future__ import annotations

STUBS_HEADER = """\
// Compiler-generated file.
// This file contains stubs for user-defined functions declared in the SQL program.
// Each stub defines a function prototype that must be implemented in `udf.rs`.
// Copy these stubs to `udf.rs`, replacing their bodies with the actual UDF implementation.
// See detailed documentation in https://docs.feldera.com/sql/udf.

#![allow(non_snake_case)]

use feldera_sqllib::*;
use crate::*;
"""

_RUST_TYPES = {
    "BOOLEAN": "bool",
    "TINYINT": "i8",
    "SMALLINT": "i16",
    "INTEGER": "i32",
    "BIGINT": "i64",
    "UTINYINT": "u8",
    "USMALLINT": "u16",
    "UINTEGER": "u32",
    "UBIGINT": "u64",
    "REAL": "F32",
    "DOUBLE": "F64",
    "CHAR": "SqlString",
    "VARCHAR": "SqlString",
    "BINARY": "ByteArray",
    "VARBINARY": "ByteArray",
    "DATE": "Date",
    "TIME": "Time",
    "TIMESTAMP": "Timestamp",
    "UUID": "Uuid",
    "VARIANT": "Variant",
}


def rust_type(ctype: dict) -> str:
    """Return the Rust type sqllib uses for a ColumnType (Option<...> when nullable)."""
    kind = ctype.get("type")
    if kind == "DECIMAL":
        base = f"SqlDecimal<{ctype['precision']}, {ctype['scale']}>"
    elif kind == "ARRAY":
        base = f"Array<{rust_type(ctype['component'])}>"
    elif kind == "MAP":
        base = f"Map<{rust_type(ctype['key'])}, {rust_type(ctype['value'])}>"
    elif kind is None:
        base = (
            "Tup"
            + str(len(ctype.get("fields", [])))
            + "<"
            + ", ".join(rust_type(f) for f in ctype.get("fields", []))
            + ">"
        )
    elif kind.startswith("INTERVAL_"):
        base = (
            "LongInterval"
            if kind in ("INTERVAL_YEAR", "INTERVAL_YEAR_MONTH", "INTERVAL_MONTH")
            else "ShortInterval"
        )
    else:
        base = _RUST_TYPES.get(kind, "SqlString")
    return f"Option<{base}>" if ctype["nullable"] else base


def stub(name: str, params: list[tuple[str, dict]], returns: dict) -> str:
    """Return the Rust stub for one body-less CREATE FUNCTION (a blank line follows it)."""
    args = ", ".join(f"{p}: {rust_type(t)}" for p, t in params)
    call = ",\n        ".join(p for p, _ in params)
    return (
        f"pub fn {name}({args}) -> Result<{rust_type(returns)}, Box<dyn std::error::Error>> {{\n"
        f"    udf::{name}(\n        {call})\n}}\n\n"
    )
