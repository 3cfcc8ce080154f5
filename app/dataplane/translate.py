"""Translate a Feldera (Calcite) SQL query into SQL DataFusion evaluates the same way."""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot import parser
from sqlglot.errors import SqlglotError

from app.compiler.query_parser import Feldera
from app.dataplane.windows import WindowError
from app.dataplane.windows import rewrite_windows

# Seconds per unit, for TIMESTAMPDIFF.
_UNIT_SECONDS = {
    "MICROSECOND": 1e-6,
    "MILLISECOND": 1e-3,
    "SECOND": 1,
    "MINUTE": 60,
    "HOUR": 3600,
    "DAY": 86400,
    "WEEK": 604800,
}
# Types DataFusion lacks, carried the way arrow_types stores them.
_TYPE_MAP = {
    exp.DataType.Type.VARIANT: "VARCHAR",
    exp.DataType.Type.UUID: "VARCHAR",
    exp.DataType.Type.JSON: "VARCHAR",
    exp.DataType.Type.VARBINARY: "BYTEA",
    exp.DataType.Type.BINARY: "BYTEA",
}
_RENAMED_AGGREGATES = {"EVERY": "bool_and", "SOME": "bool_or"}


class TranslationError(ValueError):
    """A query pipeline-store's engine cannot evaluate."""


def _anonymous(name: str):
    return lambda args: exp.Anonymous(this=name, expressions=args)


class _Source(Feldera):
    """Feldera's dialect as the compiler parses it, with SQL's 1-based arrays and NULLs high."""

    INDEX_OFFSET = 1
    NULL_ORDERING = "nulls_are_large"

    class Parser(parser.Parser):
        # Calcite argument orders differ from sqlglot's defaults: keep them as written.
        FUNCTIONS = {
            **parser.Parser.FUNCTIONS,
            "TIMESTAMPDIFF": _anonymous("TIMESTAMPDIFF"),
            "TIMESTAMPADD": _anonymous("TIMESTAMPADD"),
            "DATE_TRUNC": _anonymous("DATE_TRUNC"),
        }


def _unit(node: exp.Expression) -> str:
    return node.name.upper()


def _date_trunc(unit: str, value: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this="date_trunc", expressions=[exp.Literal.string(unit.lower()), value])


def _interval_of(count: exp.Expression, unit: str) -> exp.Expression:
    text = exp.Concat(
        expressions=[exp.cast(count, "VARCHAR"), exp.Literal.string(f" {unit.lower()}")]
    )
    return exp.cast(text, "INTERVAL")


def _timestampdiff(args: list[exp.Expression]) -> exp.Expression:
    unit = _unit(args[0])
    if unit not in _UNIT_SECONDS:
        raise TranslationError(f"TIMESTAMPDIFF with unit {unit} is not supported")
    seconds = exp.Sub(
        this=exp.Extract(this=exp.var("EPOCH"), expression=args[2]),
        expression=exp.Extract(this=exp.var("EPOCH"), expression=args[1]),
    )
    ratio = exp.Div(
        this=exp.Paren(this=seconds), expression=exp.Literal.number(_UNIT_SECONDS[unit])
    )
    return exp.cast(exp.Anonymous(this="trunc", expressions=[ratio]), "BIGINT")


def _ceil_to(value: exp.Expression, unit: str) -> exp.Expression:
    floor = _date_trunc(unit, value)
    bumped = exp.Add(this=floor.copy(), expression=_interval_of(exp.Literal.number(1), unit))
    return exp.Case(
        ifs=[exp.If(this=exp.EQ(this=floor, expression=value.copy()), true=value.copy())],
        default=bumped,
    )


def _arg_extreme(node: exp.Expression, descending: bool) -> exp.Expression:
    ordered = exp.Ordered(this=node.expression, desc=descending, nulls_first=False)
    return exp.FirstValue(this=exp.Order(this=node.this, expressions=[ordered]))


def _rewrite(node: exp.Expression) -> exp.Expression:
    """Rewrite one node whose Feldera meaning DataFusion spells differently."""
    if isinstance(node, exp.Anonymous):
        name = node.name.upper()
        args = node.expressions
        if name == "TIMESTAMPDIFF" and len(args) == 3:
            return _timestampdiff(args)
        if name == "TIMESTAMPADD" and len(args) == 3:
            return exp.Add(this=args[2], expression=_interval_of(args[1], _unit(args[0])))
        if name == "DATE_TRUNC" and len(args) == 2 and not args[0].is_string:
            return exp.cast(_date_trunc(_unit(args[1]), args[0]), "DATE")
        if name in _RENAMED_AGGREGATES:
            return exp.Anonymous(this=_RENAMED_AGGREGATES[name], expressions=args)
    if isinstance(node, exp.Floor) and node.args.get("to") is not None:
        return _date_trunc(_unit(node.args["to"]), node.this)
    if isinstance(node, exp.Ceil) and node.args.get("to") is not None:
        return _ceil_to(node.this, _unit(node.args["to"]))
    if isinstance(node, exp.TimestampTrunc):
        return _date_trunc(_unit(node.args["unit"]), node.this)
    if isinstance(node, exp.ArgMax):
        return _arg_extreme(node, True)
    if isinstance(node, exp.ArgMin):
        return _arg_extreme(node, False)
    if isinstance(node, exp.DataType) and node.this in _TYPE_MAP:
        return exp.DataType.build(_TYPE_MAP[node.this])
    return node


def _canonical_identifiers(tree: exp.Expression) -> None:
    """Quote every identifier in its canonical case, so DataFusion reads Feldera's names."""
    for ident in tree.find_all(exp.Identifier):
        if not ident.quoted:
            ident.set("this", ident.this.lower())
            ident.set("quoted", True)


def _name_expressions(tree: exp.Expression) -> None:
    """Alias unnamed result columns Calcite-style (`EXPR$i`): DataFusion wants unique names."""
    select = tree
    while isinstance(select, exp.SetOperation):
        select = select.this
    if not isinstance(select, exp.Select):
        return
    for i, projection in enumerate(select.expressions):
        if not isinstance(projection, (exp.Alias, exp.Column, exp.Star)):
            projection.replace(exp.alias_(projection.copy(), f"EXPR${i}", quoted=True))


@dataclass(frozen=True)
class Translation:
    """DataFusion SQL for a query, and the relations (canonical names) it reads."""

    sql: str
    reads: frozenset[str]


def translate_query(sql: str) -> Translation:
    """Translate a Feldera query; raise TranslationError."""
    try:
        text = rewrite_windows(sql)
        tree = sqlglot.parse_one(text, read=_Source)
    except (WindowError, SqlglotError) as err:
        raise TranslationError(f"cannot parse the query: {err}") from None
    if not isinstance(tree, exp.Query):
        raise TranslationError("the definition is not a query")
    tree = tree.transform(_rewrite)
    _canonical_identifiers(tree)
    _name_expressions(tree)
    ctes = {cte.alias for cte in tree.find_all(exp.CTE)}
    reads = frozenset(t.name for t in tree.find_all(exp.Table) if t.name not in ctes)
    try:
        return Translation(tree.sql(dialect="postgres"), reads)
    except SqlglotError as err:
        raise TranslationError(f"cannot translate the query: {err}") from None
