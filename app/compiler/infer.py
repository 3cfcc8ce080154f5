"""Best-effort result types of sqlglot expressions, as ColumnType dicts."""

from __future__ import annotations

from collections.abc import Callable

from sqlglot import exp

from app.compiler.types import column_type
from app.compiler.types import parse_type_text
from app.compiler.types import with_nullable

# Used when a view column's type cannot be worked out.
FALLBACK_TYPE = column_type(True, precision=-1, type="VARCHAR")
_VARCHAR = FALLBACK_TYPE
_DTYPE_SPELLING = {
    "FLOAT": "REAL",  # sqlglot's FLOAT is single precision: Calcite's REAL
    "TEXT": "VARCHAR",
    "NVARCHAR": "VARCHAR",
    "NCHAR": "CHAR",
    "TIMESTAMPTZ": "TIMESTAMP_TZ",
    "UINT": "UINTEGER",
    "INT": "INTEGER",
    "BIGDECIMAL": "DECIMAL",
}
_PRESERVING = (exp.Upper, exp.Lower, exp.Trim, exp.Substring, exp.Initcap, exp.Concat)
_RANKING = (exp.RowNumber, exp.Rank, exp.DenseRank, exp.Count)

Resolver = Callable[[exp.Column], dict | None]


def type_text(dt: exp.Expression | None, user_types: dict) -> str:
    """Spell a sqlglot DataType in the SQL `types.TypeParser` reads ("" when it has no shape)."""
    if not isinstance(dt, exp.DataType):
        return ""
    if isinstance(dt.this, exp.Interval):
        unit = dt.this.args.get("unit")
        return "INTERVAL " + unit.sql() if unit is not None else ""
    kind = dt.this.name
    parts = [type_text(e, user_types) for e in dt.expressions if isinstance(e, exp.DataType)]
    if kind == "ARRAY":
        return parts[0] + " ARRAY" if len(parts) == 1 else ""
    if kind == "MAP":
        return f"MAP<{parts[0]}, {parts[1]}>" if len(parts) == 2 else ""
    if kind == "STRUCT":
        members = [
            f"{c.this.sql()} {type_text(c.args.get('kind'), user_types)}"
            for c in dt.expressions
            if isinstance(c, exp.ColumnDef)
        ]
        return "ROW(" + ", ".join(members) + ")"
    if kind == "USERDEFINED":
        name = str(dt.args.get("kind"))
        name = name if name in user_types else name.lower()
        return '"' + name + '"'
    params = [p.this.name for p in dt.expressions if isinstance(p, exp.DataTypeParam)]
    suffix = "(" + ", ".join(params) + ")" if params else ""
    return _DTYPE_SPELLING.get(kind, kind) + suffix


_OPERATORS = {exp.Add: "+", exp.Sub: "-", exp.Mul: "*", exp.Div: "/", exp.Mod: "%"}
_INT_DIGITS = {"TINYINT": 3, "SMALLINT": 5, "INTEGER": 10, "BIGINT": 19}
_MAX_PRECISION = 38


def _as_decimal(ctype: dict) -> tuple[int, int] | None:
    """Precision and scale of an exact numeric type (integers count as DECIMAL(n, 0))."""
    if ctype.get("type") == "DECIMAL":
        return ctype["precision"], ctype["scale"]
    digits = _INT_DIGITS.get(ctype.get("type"))
    return None if digits is None else (digits, 0)


def numeric_result(op: str, left: dict, right: dict) -> dict | None:
    """Result type of `left op right` by Calcite's numeric rules; None for non-numbers."""
    a, b = left.get("type"), right.get("type")
    if a in _INT_DIGITS and b in _INT_DIGITS:
        return column_type(False, type=max(a, b, key=_INT_DIGITS.__getitem__))
    numbers = (*_INT_DIGITS, "DECIMAL", "REAL", "DOUBLE")
    if a not in numbers or b not in numbers:
        return None
    if "DOUBLE" in (a, b) or "REAL" in (a, b):
        return column_type(False, type="DOUBLE" if "DOUBLE" in (a, b) else "REAL")
    (p1, s1), (p2, s2) = _as_decimal(left), _as_decimal(right)
    if op in ("+", "-"):
        scale = max(s1, s2)
        precision = max(p1 - s1, p2 - s2) + scale + 1
    elif op == "*":
        scale, precision = s1 + s2, p1 + p2
    else:
        return None  # DECIMAL division and modulo follow rules not worth imitating here
    precision = min(precision, _MAX_PRECISION)
    return column_type(False, precision=precision, scale=min(scale, precision), type="DECIMAL")


def _is_call(node: exp.Expression, name: str) -> bool:
    """Tell whether `node` is a call of a function sqlglot does not model, such as NOW()."""
    return isinstance(node, exp.Anonymous) and node.name.upper() == name


def _literal(node: exp.Literal) -> dict:
    text = node.name
    if node.is_string:
        return column_type(False, precision=len(text), type="CHAR")
    if "e" in text.lower():
        return column_type(False, type="DOUBLE")
    if "." in text:
        whole, _, frac = text.partition(".")
        digits = len(whole.lstrip("-")) + len(frac)
        return column_type(False, precision=max(digits, 1), scale=len(frac), type="DECIMAL")
    return column_type(False, type="INTEGER" if abs(int(text)) < 2**31 else "BIGINT")


class TypeInferrer:
    """Infer expression types within one SELECT; `resolve` finds a column's type.

    Types are computed bottom-up with an explicit stack and remembered per node, so an
    expression tree as deep as `a+a+...+a` with 40,000 terms costs linear time and no
    recursion. Subqueries are not entered (their type is unknown here).
    """

    def __init__(
        self, resolve: Resolver, user_types: dict, grouped: bool, functions: dict | None = None
    ):
        self.resolve = resolve
        self.user_types = user_types
        self.grouped = grouped
        self.functions = functions or {}
        self.memo: dict[int, dict | None] = {}

    def infer(self, node: exp.Expression) -> dict | None:
        """Return the ColumnType of `node`, or None when unknown."""
        memo = self.memo
        if id(node) in memo:
            return memo[id(node)]
        stack: list[tuple[exp.Expression, bool]] = [(node, False)]
        while stack:
            current, children_done = stack.pop()
            if id(current) in memo:
                continue
            if children_done or isinstance(current, exp.Query):
                memo[id(current)] = None if isinstance(current, exp.Query) else self._rule(current)
                continue
            stack.append((current, True))
            for child in current.iter_expressions():
                if id(child) not in memo:
                    stack.append((child, False))
        return memo[id(node)]

    def _rule(self, node: exp.Expression) -> dict | None:
        """Type of one node, its operands' types being known already."""
        if isinstance(node, (exp.Alias, exp.Paren)):
            return self.infer(node.this)
        if isinstance(node, exp.Column):
            return self.resolve(node)
        if isinstance(node, exp.Literal):
            return _literal(node)
        if isinstance(node, exp.Boolean):
            return column_type(False, type="BOOLEAN")
        if isinstance(node, exp.Null):
            return column_type(True, type="NULL")
        if isinstance(node, (exp.Cast, exp.TryCast)):
            return self._cast(node)
        if isinstance(node, exp.Window):
            return self._window(node)
        if isinstance(node, _RANKING):
            return column_type(False, type="BIGINT")
        if isinstance(node, (exp.Sum, exp.Min, exp.Max, exp.Avg)):
            arg = self.infer(node.this)
            return None if arg is None else self._aggregate(arg)
        if isinstance(node, exp.ArrayAgg):
            arg = self.infer(node.this)
            return (
                None if arg is None else column_type(not self.grouped, component=arg, type="ARRAY")
            )
        if isinstance(node, (exp.Is, exp.Exists)):
            return column_type(False, type="BOOLEAN")
        if isinstance(node, (exp.Predicate, exp.Connector, exp.Not)):
            return column_type(self._any_nullable(node), type="BOOLEAN")
        if isinstance(node, exp.Anonymous) and node.name.lower() in self.functions:
            return self.functions[node.name.lower()]
        return self._scalar(node)

    def _scalar(self, node: exp.Expression) -> dict | None:
        if isinstance(node, exp.DPipe) or isinstance(node, _PRESERVING):
            return with_nullable(_VARCHAR, self._any_nullable(node))
        if isinstance(node, (exp.Length, exp.Extract)):
            wire = "INTEGER" if isinstance(node, exp.Length) else "BIGINT"
            return column_type(self._any_nullable(node), type=wire)
        if isinstance(node, exp.CurrentTimestamp) or _is_call(node, "NOW"):
            return column_type(False, precision=6, type="TIMESTAMP")
        if isinstance(node, exp.CurrentDate):
            return column_type(False, type="DATE")
        if isinstance(node, exp.Interval):
            unit = node.args.get("unit")
            parsed = parse_type_text("INTERVAL " + unit.sql(), {}) if unit else None
            return None if parsed is None else with_nullable(parsed, False)
        if isinstance(node, exp.Neg):
            return self.infer(node.this)
        if isinstance(node, (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Mod)):
            return self._arithmetic(node)
        if isinstance(node, exp.Coalesce):
            return self._first_of([node.this, *node.expressions], all_nullable=True)
        if isinstance(node, exp.Case):
            branches = [i.args.get("true") for i in node.args.get("ifs", [])]
            default = node.args.get("default")
            found = self._first_of([*branches, default] if default else branches)
            if found is not None and default is None:
                return with_nullable(found, True)  # no ELSE: unmatched rows give NULL
            return found
        if isinstance(node, exp.Filter):
            return self.infer(node.this)
        if isinstance(node, exp.HexString):
            return column_type(False, precision=len(node.this) // 2, type="BINARY")
        if isinstance(node, exp.Bracket):
            return self._element(self.infer(node.this))
        if isinstance(node, exp.Array):
            element = self.infer(node.expressions[0]) if node.expressions else None
            return None if element is None else column_type(False, component=element, type="ARRAY")
        return None

    @staticmethod
    def _element(container: dict | None) -> dict | None:
        """Type of `container[index]`: NULL when the index or key is missing."""
        kind = (container or {}).get("type")
        if kind == "MAP":
            return with_nullable(container["value"], True)
        if kind == "ARRAY":
            return with_nullable(container["component"], True)
        return column_type(True, type="VARIANT") if kind == "VARIANT" else None

    def _cast(self, node: exp.Cast) -> dict | None:
        target = parse_type_text(type_text(node.args["to"], self.user_types), self.user_types)
        if target is None:
            return None
        if isinstance(node, exp.TryCast):
            return target
        inner = self.infer(node.this)
        # CAST keeps the operand's nullability; unknown operands are assumed nullable.
        return with_nullable(target, True if inner is None else inner["nullable"])

    def _window(self, node: exp.Window) -> dict | None:
        inner = node.this
        if isinstance(inner, _RANKING):
            return column_type(False, type="BIGINT")
        found = self.infer(inner.this) if isinstance(inner, exp.Func) and inner.this else None
        return None if found is None else with_nullable(found, True)

    def _aggregate(self, arg: dict) -> dict:
        # Without GROUP BY an aggregate over empty input is NULL.
        return with_nullable(arg, True) if not self.grouped else arg

    def _arithmetic(self, node: exp.Binary) -> dict | None:
        left, right = self.infer(node.this), self.infer(node.expression)
        if left is None or right is None:
            return None
        nullable = left["nullable"] or right["nullable"]
        kinds = (left.get("type"), right.get("type"))
        for base, other in (kinds, kinds[::-1]):
            if base in ("TIMESTAMP", "DATE") and (other or "").startswith("INTERVAL"):
                chosen = left if kinds[0] == base else right
                return with_nullable(chosen, nullable)
        found = numeric_result(_OPERATORS[type(node)], left, right)
        return None if found is None else with_nullable(found, nullable)

    def _first_of(self, nodes: list, all_nullable: bool = False) -> dict | None:
        types = [self.infer(n) for n in nodes if n is not None]
        known = [t for t in types if t is not None and t.get("type") != "NULL"]
        if not known:
            return None
        if all_nullable:
            nullable = all(t is None or t["nullable"] for t in types)
        else:
            nullable = any(t is None or t["nullable"] for t in types)
        return with_nullable(known[0], nullable)

    def _any_nullable(self, node: exp.Expression) -> bool:
        operands = [c for c in node.iter_expressions() if not isinstance(c, exp.DataType)]
        for operand in operands:
            found = self.infer(operand)
            if found is None or found["nullable"]:
                return True
        return False
