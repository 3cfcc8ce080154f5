"""The `Duplicate column` check: a view's output columns must have distinct names (spec §1.5)."""

from __future__ import annotations

from sqlglot import exp

from app.compiler.messages import SqlProblem
from app.compiler.parser import Statement
from app.compiler.scope import canon
from app.compiler.spans import Spans

DUPLICATE_COLUMN = "Duplicate column"


def _first_select(tree: exp.Expression | None) -> exp.Select | None:
    """The SELECT whose list names a query's columns (the leftmost operand of a set operation)."""
    while isinstance(tree, (exp.Subquery, exp.Paren, exp.SetOperation)):
        tree = tree.this if not isinstance(tree, exp.SetOperation) else tree.left
    return tree if isinstance(tree, exp.Select) else None


def _name(item: exp.Expression) -> str | None:
    """The column name Calcite derives for a select item (None: a generated EXPR$n)."""
    if isinstance(item, exp.Alias):
        return canon(item.args["alias"])
    if isinstance(item, exp.Column) and not isinstance(item.this, exp.Star):
        return canon(item.this)
    return None


def duplicate_columns(stmt: Statement) -> list[SqlProblem]:
    """Report every select item that repeats an earlier item's column name.

    Views naming their columns explicitly, and select lists with a `*`, are not checked:
    only names written in the select list are known to clash.
    """
    parsed = stmt.parsed
    select = _first_select(parsed.tree if parsed is not None else None)
    if select is None or stmt.column_names:
        return []
    items = select.expressions
    if any(isinstance(i, exp.Star) or isinstance(i.this, exp.Star) for i in items):
        return []
    spans = Spans(parsed.tokens, parsed.offset)
    seen: set[str] = set()
    problems = []
    for item in items:
        name = _name(item)
        if name is None:
            continue
        if name in seen:
            text = (
                f"View '{stmt.name}' contains two columns with the same name '{name}'\n"
                "You can allow this behavior using the --lenient compiler flag"
            )
            problems.append(SqlProblem(DUPLICATE_COLUMN, text, *spans.of(item)))
        seen.add(name)
    return problems
