"""Checks Calcite makes on expressions: function signatures, operand types, conditions, GROUP BY.

Each check reports only what it is sure of: an expression whose types are not all known
passes, so a valid program never fails here.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from app.compiler.functions import AGGREGATES
from app.compiler.functions import is_builtin
from app.compiler.infer import TypeInferrer
from app.compiler.messages import validation_error
from app.compiler.scope import Resolver
from app.compiler.scope import Scope
from app.compiler.scope import canon
from app.compiler.spans import Spans

_NUMERIC = {
    "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT",
    "DECIMAL", "REAL", "DOUBLE",
}  # fmt: skip
_FAMILIES = {
    **dict.fromkeys(_NUMERIC, "NUMERIC"),
    "CHAR": "CHARACTER",
    "VARCHAR": "CHARACTER",
    "BINARY": "BINARY",
    "VARBINARY": "BINARY",
    "DATE": "DATE",
    "TIME": "TIME",
    "TIMESTAMP": "TIMESTAMP",
    "BOOLEAN": "BOOLEAN",
    "NULL": "NULL",
    "ARRAY": "ARRAY",
    "MAP": "MAP",
}
# Calcite's allowed signatures of the arithmetic operators, as its message lists them.
_ARITHMETIC = {
    exp.Add: ("+", ("<NUMERIC> + <NUMERIC>", "<DATETIME_INTERVAL> + <DATETIME_INTERVAL>",
                    "<DATETIME> + <DATETIME_INTERVAL>", "<DATETIME_INTERVAL> + <DATETIME>")),
    exp.Sub: ("-", ("<NUMERIC> - <NUMERIC>", "<DATETIME_INTERVAL> - <DATETIME_INTERVAL>",
                    "<DATETIME> - <DATETIME_INTERVAL>")),
    exp.Mul: ("*", ("<NUMERIC> * <NUMERIC>", "<DATETIME_INTERVAL> * <NUMERIC>",
                    "<NUMERIC> * <DATETIME_INTERVAL>")),
    exp.Div: ("/", ("<NUMERIC> / <NUMERIC>", "<DATETIME_INTERVAL> / <NUMERIC>")),
}  # fmt: skip
_COMPARISONS = {exp.EQ: "=", exp.NEQ: "<>", exp.LT: "<", exp.GT: ">", exp.LTE: "<=", exp.GTE: ">="}
# Types a condition cannot have (BOOLEAN and NULL can; anything unknown is let through).
_NOT_CONDITIONS = {*_NUMERIC, "CHAR", "VARCHAR", "BINARY", "VARBINARY", "DATE", "TIME"}


def family(ctype: dict | None) -> str | None:
    """Calcite's type family name of a ColumnType (None when not modelled)."""
    if ctype is None:
        return None
    kind = ctype.get("type") or ""
    if kind.startswith("INTERVAL_"):
        months = kind in ("INTERVAL_YEAR", "INTERVAL_YEAR_MONTH", "INTERVAL_MONTH")
        return "INTERVAL_YEAR_MONTH" if months else "INTERVAL_DAY_TIME"
    return _FAMILIES.get(kind)


def type_name(ctype: dict | None) -> str | None:
    """Calcite's spelling of a type in messages (None where it is not sure)."""
    kind = (ctype or {}).get("type")
    if kind in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "REAL", "DOUBLE", "BOOLEAN", "DATE"):
        return kind
    if kind == "DECIMAL":
        return f"DECIMAL({ctype['precision']}, {ctype['scale']})"
    if kind in ("CHAR", "BINARY"):
        return f"{kind}({ctype['precision']})"
    if kind in ("VARCHAR", "VARBINARY") and ctype.get("precision") == -1:
        return kind
    return None


def postorder(root: exp.Expression) -> Iterator[exp.Expression]:
    """Yield nodes operands first, left to right, without entering subqueries or recursing."""
    stack: list[tuple[exp.Expression, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded or (isinstance(node, exp.Query) and node is not root):
            yield node
            continue
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(list(node.iter_expressions())))


class ExpressionChecker:
    """Function-signature and operand-type checks over the expressions of one SELECT."""

    def __init__(self, functions: dict, inferrer: TypeInferrer, spans: Spans):
        self.functions = functions
        self.inferrer = inferrer
        self.spans = spans

    def check(self, expr: exp.Expression) -> None:
        """Raise the first error Calcite would find in `expr`."""
        for node in postorder(expr):
            if isinstance(node, exp.Anonymous):
                self._call(node)
            elif type(node) in _ARITHMETIC:
                self._arithmetic(node)
            elif type(node) in _COMPARISONS:
                self._comparison(node)

    def condition(self, clause: str, expr: exp.Expression) -> None:
        """Refuse a WHERE/HAVING expression whose type is surely not BOOLEAN."""
        ctype = self.inferrer.infer(expr)
        if ctype is not None and ctype.get("type") in _NOT_CONDITIONS:
            raise validation_error(f"{clause} clause must be a condition", *self.spans.of(expr))

    def _call(self, node: exp.Anonymous) -> None:
        name = node.name.lower()
        args = node.expressions
        declared = self.functions.get(name)
        if declared is not None and declared[0] == len(args):
            return
        if declared is None and is_builtin(name):
            return
        families = [family(self.inferrer.infer(a)) for a in args]
        if None in families:
            return
        shown = ", ".join(f"<{f}>" for f in families)
        text = f"No match found for function signature {name}({shown})"
        raise validation_error(text, *self.spans.of(node))

    def _arithmetic(self, node: exp.Binary) -> None:
        op, forms = _ARITHMETIC[type(node)]
        left, right = self.inferrer.infer(node.this), self.inferrer.infer(node.expression)
        kinds = {family(left), family(right)}
        if not ("BOOLEAN" in kinds or kinds == {"BINARY", "NUMERIC"}):
            return
        self._cannot_apply(node, op, left, right, "\n".join(f"'{f}'" for f in forms))

    def _comparison(self, node: exp.Binary) -> None:
        op = _COMPARISONS[type(node)]
        left, right = self.inferrer.infer(node.this), self.inferrer.infer(node.expression)
        if {family(left), family(right)} != {"DATE", "BOOLEAN"}:
            return
        self._cannot_apply(node, op, left, right, f"'<COMPARABLE_TYPE> {op} <COMPARABLE_TYPE>'")

    def _cannot_apply(self, node, op: str, left, right, forms: str) -> None:
        names = (type_name(left), type_name(right))
        if None in names:
            return
        text = (
            f"Cannot apply '{op}' to arguments of type '<{names[0]}> {op} <{names[1]}>'. "
            f"Supported form(s): {forms}"
        )
        raise validation_error(text, *self.spans.of(node))


def _is_aggregate(node: exp.Expression) -> bool:
    if isinstance(node, exp.AggFunc):
        return True
    return isinstance(node, exp.Anonymous) and node.name.upper() in AGGREGATES


def _walk(expr: exp.Expression, prune) -> Iterator[exp.Expression]:
    """Pre-order, left to right, not entering pruned nodes (which are yielded)."""
    return expr.dfs(prune=prune)


def check_grouping(node: exp.Select, scope: Scope, resolver: Resolver, spans: Spans) -> None:
    """Raise "Expression '<x>' is not being grouped" for a plain column outside GROUP BY."""
    group, having = node.args.get("group"), node.args.get("having")
    items = [*node.expressions, *([having.this] if having is not None else [])]
    below_query = lambda n: isinstance(n, exp.Query)  # noqa: E731
    stars = any(isinstance(i, exp.Star) or isinstance(i.this, exp.Star) for i in node.expressions)
    if stars or any(isinstance(n, exp.Window) for i in items for n in _walk(i, below_query)):
        return  # window functions and SELECT * are not modelled here
    aggregated = group is not None or having is not None
    aggregated = aggregated or any(_is_aggregate(n) for i in items for n in _walk(i, below_query))
    if not aggregated or _complex_grouping(group):
        return
    grouped = set()
    for g in group.expressions if group is not None else []:
        found = resolver.resolve(g, scope) if isinstance(g, exp.Column) else None
        if found is None:
            return  # an expression, an ordinal or an alias: not modelled here
        grouped.add((id(found[0]), found[1]["name"]))
    local = {id(src) for src in scope.sources}
    skip = lambda n: isinstance(n, exp.Query) or _is_aggregate(n)  # noqa: E731
    for item in items:
        for sub in _walk(item, skip):
            if not isinstance(sub, exp.Column) or isinstance(sub.this, exp.Star):
                continue
            found = resolver.resolve(sub, scope)
            if found is None or id(found[0]) not in local:
                continue
            if (id(found[0]), found[1]["name"]) not in grouped:
                qualifier = sub.args.get("table")
                shown = (
                    canon(sub.this)
                    if qualifier is None
                    else f"{canon(qualifier)}.{canon(sub.this)}"
                )
                raise validation_error(f"Expression '{shown}' is not being grouped", *spans.of(sub))


def _complex_grouping(group: exp.Group | None) -> bool:
    if group is None:
        return False
    return any(group.args.get(k) for k in ("rollup", "cube", "grouping_sets", "all"))
