"""Validate a parsed query against the program and derive its output columns."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from sqlglot import exp

from app.compiler.budget import Budget
from app.compiler.checks import ExpressionChecker
from app.compiler.checks import check_grouping
from app.compiler.fallback import fallback_query
from app.compiler.infer import FALLBACK_TYPE
from app.compiler.infer import TypeInferrer
from app.compiler.query_parser import ParsedQuery
from app.compiler.scope import Resolver
from app.compiler.scope import Scope
from app.compiler.scope import Source
from app.compiler.scope import canon
from app.compiler.scope import quoted
from app.compiler.scope import unknown_relation
from app.compiler.spans import Spans
from app.compiler.stream import canonical
from app.compiler.types import column_type
from app.compiler.types import relation_field
from app.compiler.types import with_nullable

_WINDOW_FUNCTIONS = ("TUMBLE", "HOP", "SESSION")
# Relations every program can read although they are not in the schema.
SYSTEM_RELATIONS = ("now", "error_view", "feldera_error_table")
# Clauses of a SELECT whose expressions read columns, in the order Calcite validates them.
_CLAUSES = ("where", "group", "having", "expressions", "qualify", "windows", "order")


@dataclass
class Catalog:
    """What a query may refer to: relations, user types and functions declared so far."""

    relations: dict[str, list[dict]]
    user_types: dict
    functions: dict[str, tuple[int, dict]] = field(default_factory=dict)  # name: (arity, type)


@dataclass
class QueryResult:
    """What a query produces (`fields` None when unknown) and which columns it reads."""

    fields: list[dict] | None
    used: set[tuple[str | None, str]] = field(default_factory=set)
    reads: list[str] = field(default_factory=list)  # relations read, once per reference


def analyze_query(parsed: ParsedQuery, catalog: Catalog, budget: Budget) -> QueryResult:
    """Validate a parsed query (raising SqlProblem) and return its columns."""
    if parsed.tree is None:
        names, used = fallback_query(parsed.tokens, catalog.relations)
        # How often each relation is read is unknown here: count every mention twice.
        mentioned = [canonical(t)[0] for t in parsed.tokens if t.kind in ("ident", "qident")]
        reads = [name for name in mentioned if name in catalog.relations] * 2
        return QueryResult(names, used, reads)
    analyzer = _Analyzer(catalog, Spans(parsed.tokens, parsed.offset), budget)
    analyzer.used |= _hidden_columns(parsed.tokens)
    if isinstance(parsed.tree, exp.Insert):
        analyzer.insert_target(parsed.tree)
        return QueryResult(None, analyzer.used)
    fields = analyzer.fields_of(parsed.tree, {}, None)
    return QueryResult(fields, analyzer.used, analyzer.reads)


def _hidden_columns(tokens: list) -> set[tuple[str | None, str]]:
    """Names inside MATCH_CONDITION (...), which the parser never sees: all count as read."""
    hidden: set[tuple[str | None, str]] = set()
    depth, inside = 0, False
    for tok in tokens:
        inside = inside or tok.is_word("MATCH_CONDITION")
        if not inside:
            continue
        depth += tok.is_op("(") - tok.is_op(")")
        if tok.kind in ("ident", "qident"):
            hidden.add((None, canonical(tok)[0]))
        inside = depth > 0 or tok.is_word("MATCH_CONDITION")
    return hidden


def _uniquify(fields: list[dict]) -> list[dict]:
    """Rename repeated column names the way Calcite does: id, id0, id1, ..."""
    seen: set[str] = set()
    counters: dict[str, int] = {}
    out = []
    for f in fields:
        name = f["name"]
        while name in seen:
            n = counters.get(f["name"], 0)
            counters[f["name"]] = n + 1
            name = f"{f['name']}{n}"
        seen.add(name)
        out.append({**f, "name": name})
    return out


def _set_operands(node: exp.SetOperation) -> list[exp.Expression]:
    """The operands of a chain of UNION/INTERSECT/EXCEPT, left to right, without recursion."""
    operands, stack = [], [node]
    while stack:
        current = stack.pop()
        if isinstance(current, exp.SetOperation) and not current.ctes:
            stack.extend([current.right, current.left])
        else:
            operands.append(current)
    return operands


class _Analyzer:
    """Walks one query tree; resolves names, checks expressions, collects used columns."""

    def __init__(self, catalog: Catalog, spans: Spans, budget: Budget):
        self.catalog = catalog
        self.spans = spans
        self.budget = budget
        self.used: set[tuple[str | None, str]] = set()
        self.resolver = Resolver(spans, self.used)
        self.reads: list[str] = []
        self.cte_reads: dict[int, list[str]] = {}  # id of a CTE's fields: what its body reads

    def fields_of(self, node: exp.Expression, ctes: dict, outer: Scope | None) -> list[dict]:
        """Validate a query node and return its output fields."""
        self.budget.check()
        while isinstance(node, (exp.Subquery, exp.Paren)):
            node = node.this
        ctes = self._ctes(node, ctes, outer)
        if isinstance(node, exp.SetOperation):
            operands = _set_operands(node)
            merged = self.fields_of(operands[0], ctes, outer)
            for other in operands[1:]:
                right = self.fields_of(other, ctes, outer)
                merged = [
                    {**f, "columntype": _union_type(f, right[i] if i < len(right) else None)}
                    for i, f in enumerate(merged)
                ]
            return merged
        if isinstance(node, exp.Values):
            return self._values(node)
        if isinstance(node, exp.Select):
            return self._select(node, ctes, outer)
        return []

    def insert_target(self, node: exp.Insert) -> None:
        """Check that an INSERT names a declared table."""
        target = node.this.this if isinstance(node.this, exp.Schema) else node.this
        if isinstance(target, exp.Table):
            self._lookup(target, {})

    def _ctes(self, node: exp.Expression, ctes: dict, outer: Scope | None) -> dict:
        if not isinstance(node, exp.Query) or not node.ctes:
            return ctes
        ctes = dict(ctes)
        for cte in node.ctes:
            # Calcite inlines a CTE wherever it is used: its reads count once per use.
            outer_reads, self.reads = self.reads, []
            fields = self.fields_of(cte.this, ctes, outer)
            renamed = self._rename(fields, cte.args["alias"])
            self.cte_reads[id(renamed)], self.reads = self.reads, outer_reads
            ctes[canon(cte.args["alias"].this)] = renamed
        return ctes

    def _rename(self, fields: list[dict], alias: exp.Expression | None) -> list[dict]:
        columns = alias.args.get("columns") if isinstance(alias, exp.TableAlias) else None
        if not columns:
            return fields
        renamed = []
        for i, ident in enumerate(columns):
            ctype = fields[i]["columntype"] if i < len(fields) else FALLBACK_TYPE
            renamed.append(relation_field(canon(ident), quoted(ident), ctype))
        return renamed + fields[len(columns) :]

    def _values(self, node: exp.Values) -> list[dict]:
        inferrer = TypeInferrer(lambda _col: None, self.catalog.user_types, grouped=True)
        rows = [
            row.expressions if isinstance(row, exp.Tuple) else [row] for row in node.expressions
        ]
        fields = []
        for i, value in enumerate(rows[0] if rows else []):
            ctype = inferrer.infer(value) or FALLBACK_TYPE
            nullable = any(
                len(r) <= i or (inferrer.infer(r[i]) or FALLBACK_TYPE)["nullable"] for r in rows
            )
            fields.append(relation_field(f"EXPR${i}", True, with_nullable(ctype, nullable)))
        return fields

    def _select(self, node: exp.Select, ctes: dict, outer: Scope | None) -> list[dict]:
        scope = self._scope(node, ctes, outer)
        inferrer = TypeInferrer(
            lambda col: self._column_type(col, scope),
            self.catalog.user_types,
            grouped=node.args.get("group") is not None,
            functions={name: ctype for name, (_, ctype) in self.catalog.functions.items()},
        )
        checker = ExpressionChecker(self.catalog.functions, inferrer, self.spans)
        for join in node.args.get("joins") or []:
            if join.args.get("on") is not None:
                self._clause(join.args["on"], scope, ctes, checker)
        for key in _CLAUSES:
            value = node.args.get(key)
            for item in value if isinstance(value, list) else [value]:
                if item is not None:
                    self._clause(item, scope, ctes, checker)
            if key == "where" and value is not None:
                checker.condition("WHERE", value.this)
            if key == "having" and value is not None:
                checker.condition("HAVING", value.this)
        check_grouping(node, scope, self.resolver, self.spans)
        fields: list[dict] = []
        for i, item in enumerate(node.expressions):
            fields.extend(self._projection(i, item, scope, inferrer))
        return _uniquify(fields)

    def _scope(self, node: exp.Select, ctes: dict, outer: Scope | None) -> Scope:
        aliases = {canon(e.args["alias"]) for e in node.expressions if isinstance(e, exp.Alias)}
        scope = Scope(self._sources(node, ctes, outer), outer, aliases)
        for join in node.args.get("joins") or []:
            scope.shared.update(canon(ident) for ident in join.args.get("using") or [])
            if join.method and join.method.upper() == "NATURAL":
                scope.shared.update(f["name"] for src in scope.sources for f in src.fields)
        return scope

    def _clause(self, expr: exp.Expression, scope: Scope, ctes: dict, checker) -> None:
        """Resolve every column of one clause, validate its subqueries, check its calls."""
        for count, sub in enumerate(expr.dfs(prune=lambda n: isinstance(n, exp.Query))):
            if count % 4096 == 4095:
                self.budget.check()
            if isinstance(sub, exp.Query):
                self.fields_of(sub, ctes, scope)
            elif isinstance(sub, exp.Column):
                self.resolver.resolve(sub, scope)
        checker.check(expr)

    def _projection(self, i: int, item, scope: Scope, inferrer) -> list[dict]:
        star_source = None
        if isinstance(item, exp.Column) and isinstance(item.this, exp.Star):
            star_source = canon(item.args.get("table"))
        if isinstance(item, exp.Star) or star_source is not None:
            chosen = [s for s in scope.sources if star_source is None or s.key == star_source]
            out = []
            for src in chosen:
                for f in src.fields:
                    if src.relation:
                        self.used.add((src.relation, f["name"]))
                    out.append(relation_field(f["name"], f["case_sensitive"], src.column_type(f)))
            return out
        ctype = inferrer.infer(item) or FALLBACK_TYPE
        if isinstance(item, exp.Alias):
            ident = item.args["alias"]
            return [relation_field(canon(ident), quoted(ident), ctype)]
        if isinstance(item, exp.Column):
            found = self.resolver.resolve(item, scope)
            if found is not None:
                return [relation_field(found[1]["name"], found[1]["case_sensitive"], ctype)]
            return [relation_field(canon(item.this), quoted(item.this), ctype)]
        return [relation_field(f"EXPR${i}", True, ctype)]

    def _sources(self, node: exp.Select, ctes: dict, outer: Scope | None) -> list[Source]:
        from_ = node.args.get("from_") or node.args.get("from")
        items = [(from_.this, None)] if from_ is not None else []
        items += [(join.this, join) for join in node.args.get("joins") or []]
        sources: list[Source] = []
        for expr, join in items:
            src = self._source(expr, ctes, sources, outer)
            side = (join.side or "").upper() if join is not None else ""
            if side in ("RIGHT", "FULL"):
                for earlier in sources:
                    earlier.nullable = True
            src.nullable = side in ("LEFT", "FULL")
            sources.append(src)
        return sources

    def _source(
        self, expr: exp.Expression, ctes: dict, earlier: list[Source], outer: Scope | None
    ) -> Source:
        alias = expr.args.get("alias")
        key = canon(alias.this) if isinstance(alias, exp.TableAlias) and alias.this else ""
        relation, fields, known = None, [], False
        if isinstance(expr, exp.Table) and isinstance(expr.this, exp.Identifier):
            relation, fields, known = self._lookup(expr, ctes)
            key = key or canon(expr.this)
        elif isinstance(expr, exp.Table) and isinstance(expr.this, exp.Anonymous):
            fields, known = self._table_function(expr.this, ctes)
        elif isinstance(expr, exp.Subquery):
            fields, known = self.fields_of(expr.this, ctes, outer), True
        elif isinstance(expr, exp.Values):
            fields, known = self._values(expr), True
        elif isinstance(expr, exp.Unnest):
            fields = self._unnest(expr, Scope(earlier, outer))
        src = Source(key, relation, self._rename(fields, alias), known=known)
        if isinstance(alias, exp.TableAlias) and alias.args.get("columns"):
            src.known = known and len(alias.args["columns"]) == len(fields)
        return src

    def _unnest(self, node: exp.Unnest, scope: Scope) -> list[dict]:
        """Columns of UNNEST(array): its elements, plus an ordinal WITH ORDINALITY."""
        arg = node.expressions[0] if node.expressions else None
        found = self.resolver.resolve(arg, scope) if isinstance(arg, exp.Column) else None
        container = found[1]["columntype"] if found else {}
        if container.get("type") == "MAP":
            types = [container["key"], container["value"]]
        else:
            types = [container.get("component", FALLBACK_TYPE)]
        fields = [relation_field(f"EXPR${i}", True, t) for i, t in enumerate(types)]
        offset = node.args.get("offset")
        if offset:
            # sqlglot moves the ordinality column's alias out of the alias list.
            name = canon(offset) if isinstance(offset, exp.Identifier) else "ordinality"
            fields.append(relation_field(name, quoted(offset), column_type(False, type="INTEGER")))
        return fields

    def _lookup(self, table: exp.Table, ctes: dict) -> tuple[str | None, list[dict], bool]:
        """Return (declared relation, fields, known) of a table name; unknown names raise."""
        name = canon(table.this)
        if table.args.get("db") is not None:
            return None, [], False  # schema-qualified names are left alone
        if name in ctes:
            self.reads.extend(self.cte_reads.get(id(ctes[name]), []))
            return None, ctes[name], True
        if name in self.catalog.relations:
            self.reads.append(name)
            return name, self.catalog.relations[name], True
        if name in SYSTEM_RELATIONS:
            return None, [], False
        raise unknown_relation(name, self.catalog.relations, *self.spans.of(table.this))

    def _table_function(self, call: exp.Anonymous, ctes: dict) -> tuple[list[dict], bool]:
        """Columns of TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), ...)) and HOP/SESSION: t's + bounds."""
        inner = call.expressions[0] if call.expressions else None
        if not (isinstance(inner, exp.Anonymous) and inner.name.upper() in _WINDOW_FUNCTIONS):
            return [], False
        base = inner.expressions[0] if inner.expressions else None
        if not isinstance(base, (exp.Column, exp.Table)):
            return [], False
        relation, fields, known = self._lookup(exp.Table(this=base.this), ctes)
        # The window function passes every column through; count them all as read.
        self.used.update((relation, f["name"]) for f in fields if relation)
        bound = column_type(False, precision=6, type="TIMESTAMP")
        for arg in inner.expressions[1:]:
            if (
                isinstance(arg, exp.Anonymous)
                and arg.name.upper() == "DESCRIPTOR"
                and arg.expressions
            ):
                wanted = canon(arg.expressions[0].this)
                for f in fields:
                    if f["name"] == wanted:
                        bound = with_nullable(f["columntype"], False)
                        self.used.add((relation, wanted))
        bounds = [
            relation_field("window_start", False, bound),
            relation_field("window_end", False, bound),
        ]
        return [*fields, *bounds], known

    def _column_type(self, col: exp.Column, scope: Scope) -> dict | None:
        found = self.resolver.resolve(col, scope)
        return None if found is None else found[0].column_type(found[1])


def _union_type(left: dict, right: dict | None) -> dict:
    other = right["columntype"]["nullable"] if right is not None else True
    return with_nullable(left["columntype"], left["columntype"]["nullable"] or other)
