"""Print a parsed query the way Calcite's `SqlNode.toString()` does, for the raw-SELECT message.

Calcite prints each clause on its own line, quotes every identifier in backticks (with
unquoted names already lower-cased), upper-cases keywords and built-in functions, and
adds parentheses only where precedence needs them. Constructs this printer does not model
give None, and the caller falls back to the statement's own text.
"""

from __future__ import annotations

from sqlglot import exp

from app.compiler.scope import canon

# Calcite's operator precedences (higher binds tighter).
_BINARY = {
    exp.Or: ("OR", 1), exp.And: ("AND", 2),
    exp.EQ: ("=", 4), exp.NEQ: ("<>", 4), exp.LT: ("<", 4), exp.GT: (">", 4),
    exp.LTE: ("<=", 4), exp.GTE: (">=", 4), exp.Like: ("LIKE", 4),
    exp.Add: ("+", 5), exp.Sub: ("-", 5), exp.DPipe: ("||", 5),
    exp.Mul: ("*", 6), exp.Div: ("/", 6), exp.Mod: ("%", 6),
}  # fmt: skip


class Unsupported(Exception):
    """A construct the printer does not model."""


def _ident(node: exp.Expression) -> str:
    return f"`{canon(node)}`"


def _precedence(node: exp.Expression) -> int:
    while isinstance(node, exp.Paren):
        node = node.this
    if type(node) in _BINARY:
        return _BINARY[type(node)][1]
    if isinstance(node, exp.Not):
        return 3
    return 9


def expression(node: exp.Expression) -> str:
    """Print one expression."""
    while isinstance(node, exp.Paren):
        node = node.this
    if type(node) in _BINARY:
        op, prec = _BINARY[type(node)]
        left, right = expression(node.this), expression(node.expression)
        if _precedence(node.this) < prec:
            left = f"({left})"
        if _precedence(node.expression) <= prec and not isinstance(node, (exp.And, exp.Or)):
            right = f"({right})"
        elif _precedence(node.expression) < prec:
            right = f"({right})"
        return f"{left} {op} {right}"
    if isinstance(node, exp.Not):
        inner = expression(node.this)
        return f"NOT {inner}" if _precedence(node.this) > 3 else f"NOT ({inner})"
    if isinstance(node, exp.Neg):
        return f"- {expression(node.this)}"
    if isinstance(node, exp.Column):
        if isinstance(node.this, exp.Star):
            return f"{_ident(node.args['table'])}.*" if node.args.get("table") else "*"
        parts = [node.args.get(k) for k in ("catalog", "db", "table")]
        return ".".join(_ident(p) for p in [*parts, node.this] if p is not None)
    if isinstance(node, exp.Star):
        return "*"
    if isinstance(node, exp.Literal):
        return node.this if not node.is_string else "'" + node.this.replace("'", "''") + "'"
    if isinstance(node, exp.Boolean):
        return "TRUE" if node.this else "FALSE"
    if isinstance(node, exp.Null):
        return "NULL"
    if isinstance(node, exp.Alias):
        return f"{expression(node.this)} AS {_ident(node.args['alias'])}"
    if isinstance(node, exp.Is):
        return f"{expression(node.this)} IS {expression(node.expression)}"
    if isinstance(node, exp.Cast):
        return f"CAST({expression(node.this)} AS {node.to.sql().upper()})"
    if isinstance(node, exp.Anonymous):
        args = ", ".join(expression(a) for a in node.expressions)
        return f"`{node.name.lower()}`({args})"
    if isinstance(node, exp.Count) and isinstance(node.this, exp.Star):
        return "COUNT(*)"
    if isinstance(node, exp.Func) and not node.args.get("distinct"):
        args = [a for a in node.args.values() if isinstance(a, exp.Expression)]
        if len(args) == len([v for v in node.args.values() if v is not None]):
            return f"{node.sql_name()}({', '.join(expression(a) for a in args)})"
    raise Unsupported(type(node).__name__)


def _source(node: exp.Expression) -> str:
    if not isinstance(node, exp.Table) or not isinstance(node.this, exp.Identifier):
        raise Unsupported("FROM item")
    parts = [node.args.get(k) for k in ("catalog", "db")]
    text = ".".join(_ident(p) for p in [*parts, node.this] if p is not None)
    alias = node.args.get("alias")
    if isinstance(alias, exp.TableAlias) and alias.this is not None:
        if alias.args.get("columns"):
            raise Unsupported("column aliases")
        text += f" AS {_ident(alias.this)}"
    return text


def _join(join: exp.Join) -> str:
    if join.args.get("using") or join.method:
        raise Unsupported("join")
    side, kind = (join.side or "").upper(), (join.kind or "").upper()
    on = join.args.get("on")
    if on is None:
        if kind == "CROSS" or not (side or kind):
            word = "CROSS JOIN" if kind == "CROSS" else ","
            return f"\n{word} {_source(join.this)}" if word != "," else f",\n{_source(join.this)}"
        raise Unsupported("join")
    word = f"{side} JOIN" if side else "INNER JOIN"
    return f"\n{word} {_source(join.this)} ON {expression(on)}"


def select(node: exp.Select) -> str:
    """Print a SELECT statement."""
    if node.args.get("with") or node.args.get("distinct") and node.args["distinct"].args.get("on"):
        raise Unsupported("clause")
    words = "SELECT DISTINCT " if node.args.get("distinct") else "SELECT "
    out = words + ", ".join(expression(e) for e in node.expressions)
    from_ = node.args.get("from_") or node.args.get("from")
    if from_ is not None:
        out += "\nFROM " + _source(from_.this)
        out += "".join(_join(j) for j in node.args.get("joins") or [])
    if node.args.get("where") is not None:
        out += "\nWHERE " + expression(node.args["where"].this)
    if node.args.get("group") is not None:
        out += "\nGROUP BY " + ", ".join(expression(e) for e in node.args["group"].expressions)
    if node.args.get("having") is not None:
        out += "\nHAVING " + expression(node.args["having"].this)
    if node.args.get("order") is not None:
        keys = []
        for key in node.args["order"].expressions:
            keys.append(expression(key.this) + (" DESC" if key.args.get("desc") else ""))
        out += "\nORDER BY " + ", ".join(keys)
    limit = node.args.get("limit")
    if limit is not None:
        out += f"\nFETCH NEXT {expression(limit.expression)} ROWS ONLY"
    for key in ("qualify", "windows", "offset", "laterals", "pivots"):
        if node.args.get(key):
            raise Unsupported(key)
    return out


def unparse(tree: exp.Expression | None) -> str | None:
    """Calcite's text of a raw query statement, or None when it is not modelled."""
    if not isinstance(tree, exp.Select):
        return None
    try:
        return select(tree)
    except Unsupported:
        return None
