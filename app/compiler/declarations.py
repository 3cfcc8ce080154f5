"""Checks on declarations the compiler reports without stopping (spec §1.5, §1.8)."""

from __future__ import annotations

from app.compiler.messages import COMPILATION_ERROR
from app.compiler.messages import DUPLICATE_DECLARATION
from app.compiler.messages import DUPLICATE_NAME
from app.compiler.messages import NO_SUCH_COLUMN
from app.compiler.messages import NULLABLE_KEY_ERROR
from app.compiler.messages import SqlProblem
from app.compiler.parser import Column
from app.compiler.parser import Statement
from app.compiler.stream import canonical
from app.compiler.types import type_label


def duplicate_declaration(stmt: Statement, previous: Statement) -> list[SqlProblem]:
    """The two entries of a relation declared twice: this statement, then the first one."""
    return [
        SqlProblem(DUPLICATE_DECLARATION, f"'{stmt.name}' already defined", stmt.start, stmt.end),
        SqlProblem(
            DUPLICATE_DECLARATION, "Location of previous definition", previous.start, previous.end
        ),
    ]


def table_column_problems(stmt: Statement) -> tuple[list[SqlProblem], list[str]]:
    """Problems in a CREATE TABLE column list, and the table's primary key."""
    problems: list[SqlProblem] = []
    names: dict[str, Column] = {}
    for col in stmt.columns:
        earlier = names.get(col.name)
        if earlier is not None:
            text = f"Column with name '{col.name}' already defined"
            problems.append(SqlProblem(DUPLICATE_NAME, text, col.start, col.name_end))
            problems.append(
                SqlProblem(DUPLICATE_NAME, "Previous definition", earlier.start, earlier.decl_end)
            )
        names.setdefault(col.name, col)
    key = [(c.name, None) for c in stmt.columns if c.primary_key]
    key += stmt.primary_key or []
    unique: dict[str, tuple] = {}
    for name, tok in key:
        unique.setdefault(name, (name, tok))
    for name, tok in unique.values():
        col = names.get(name)
        if col is None:
            text = f"Key field '{name}' does not correspond to a column"
            problems.append(SqlProblem(NO_SUCH_COLUMN, text, tok.start, tok.end))
        elif col.ctype["nullable"]:
            label = type_label(col.ctype)
            text = f"PRIMARY KEY column '{name}' has type {label}, which is nullable"
            problems.append(SqlProblem(NULLABLE_KEY_ERROR, text, col.type_start, col.end))
    return problems, list(unique)


def foreign_key_warnings(stmt: Statement, known: dict) -> list[SqlProblem]:
    """Warn about FOREIGN KEYs that refer to tables not declared (before this one)."""
    warnings = []
    for tok in stmt.references:
        name = canonical(tok)[0]
        if name not in known and name != stmt.name:
            text = (
                f"Table '{name}', referred in FOREIGN KEY constraint of table '{stmt.name}', "
                "does not exist"
            )
            warnings.append(SqlProblem("Table not found", text, tok.start, tok.end, warning=True))
    return warnings


def materialized_view_warning(stmt: Statement) -> list[SqlProblem]:
    """Warn about the 'materialized' WITH property on a view (it only works on tables)."""
    prop = (stmt.properties or {}).get("materialized")
    if prop is None:
        return []
    text = (
        "The 'materialized' property for views is not used, please use "
        "'CREATE MATERIALIZED VIEW' instead"
    )
    kind = "Materialized property not used"
    return [SqlProblem(kind, text, prop.value_start, prop.value_end, warning=True)]


def lateness_warning(stmt: Statement, known: dict) -> list[SqlProblem]:
    """Warn about a LATENESS statement naming a view that does not exist."""
    if stmt.target is None:
        return []
    name = canonical(stmt.target)[0]
    if name in known:
        return []
    text = f"View '{name}' used in LATENESS statement not found"
    return [SqlProblem("No such view", text, stmt.start, stmt.end, warning=True)]


# WITH properties the compiler knows; any other key stops compilation (spec §1.5).
TABLE_PROPERTIES = ("connectors", "materialized", "append_only", "skip_unused_columns")
VIEW_PROPERTIES = ("connectors", "materialized", "emit_final")
_BOOLEAN_PROPERTIES = ("materialized", "append_only", "skip_unused_columns")


def check_properties(stmt: Statement, kind: str) -> None:
    """Raise the first unknown property key, or a non-boolean value of a boolean property."""
    known = TABLE_PROPERTIES if kind == "table" else VIEW_PROPERTIES
    for prop in (stmt.properties or {}).values():
        if prop.key not in known:
            text = f"Unknown {kind} property '{prop.key}'"
            raise SqlProblem(COMPILATION_ERROR, text, prop.key_start, prop.key_end)
    if kind != "table":
        return
    for prop in (stmt.properties or {}).values():
        if prop.key in _BOOLEAN_PROPERTIES and prop.value.strip().lower() not in ("true", "false"):
            text = f"Expected a boolean value for property '{prop.key}'"
            raise SqlProblem(COMPILATION_ERROR, text, prop.value_start, prop.value_end)
