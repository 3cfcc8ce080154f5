"""Evaluate a column's DEFAULT (SQL text from the schema) into a cell, for literal defaults."""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from app.dataplane.cells import CellError
from app.dataplane.text_values import text_converter

# A DEFAULT the data plane cannot evaluate (an expression, a function call) is left NULL.
NO_DEFAULT = object()


def _literal_text(node: exp.Expression) -> str | None:
    """Return the text of a literal (optionally negated or cast), else None."""
    if isinstance(node, exp.Paren):
        return _literal_text(node.this)
    if isinstance(node, exp.Neg):
        inner = _literal_text(node.this)
        return None if inner is None else "-" + inner
    if isinstance(node, exp.Cast):
        return _literal_text(node.this)
    if isinstance(node, exp.Literal):
        return node.this
    if isinstance(node, exp.Boolean):
        return "true" if node.this else "false"
    return None


def default_cell(default_sql: str | None, ctype: dict) -> object:
    """Return the cell a missing column takes: its literal DEFAULT, else NO_DEFAULT."""
    if default_sql is None:
        return NO_DEFAULT
    try:
        node = sqlglot.parse_one(default_sql)
    except SqlglotError:
        return NO_DEFAULT
    if isinstance(node, exp.Null):
        return None
    text = _literal_text(node)
    if text is None:
        return NO_DEFAULT
    try:
        return text_converter(ctype)(text)
    except CellError:
        return NO_DEFAULT
