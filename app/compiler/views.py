"""Derive a query's output columns and the columns it reads, using sqlglot."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from sqlglot import exp

from app.compiler.fallback import fallback_query
from app.compiler.infer import FALLBACK_TYPE
from app.compiler.infer import TypeInferrer
from app.compiler.lexer import SourceMap
from app.compiler.messages import SEMANTIC_ERROR
from app.compiler.messages import SqlProblem
from app.compiler.query_parser import parse_query
from app.compiler.types import column_type
from app.compiler.types import with_nullable

_WINDOW_FUNCTIONS = ("TUMBLE", "HOP", "SESSION")
# Relations every program can read although they are not in the schema.
SYSTEM_RELATIONS = ("now", "error_view", "feldera_error_table")


@dataclass
class Source:
    """A relation visible in a FROM clause."""

    key: str  # the alias, or the relation name
    relation: str | None  # the declared table/view it reads, if any
    fields: list[dict]
    nullable: bool = False  # on the optional side of an outer join


@dataclass
class QueryResult:
    """What a query produces (`fields` None when unknown) and which columns it reads."""

    fields: list[dict] | None
    used: set[tuple[str | None, str]] = field(default_factory=set)
    problems: list[SqlProblem] = field(default_factory=list)


def canon(ident: exp.Expression | None) -> str:
    """Canonical name of a sqlglot identifier: quoted keeps case, unquoted folds to lower."""
    if isinstance(ident, exp.Identifier):
        return ident.this if ident.quoted else ident.this.lower()
    return "" if ident is None else ident.name.lower()


def quoted(ident: exp.Expression | None) -> bool:
    """Tell whether a sqlglot identifier was written in quotes."""
    return isinstance(ident, exp.Identifier) and bool(ident.quoted)


def analyze_query(
    source: SourceMap, start: int, end: int, relations: dict[str, list[dict]], user_types: dict
) -> QueryResult:
    """Analyse the query in source[start:end] against the relations declared so far."""
    tree, toks, problem = parse_query(source, start, end)
    if problem is not None:
        return QueryResult(None, problems=[problem])
    if tree is None:
        names, used = fallback_query(toks, relations)
        return QueryResult(names, used)
    analyzer = _Analyzer(relations, user_types, source, start)
    if isinstance(tree, exp.Insert):
        analyzer.insert_target(tree)
        return QueryResult(None, analyzer.used, analyzer.problems)
    fields = analyzer.fields_of(tree, {})
    return QueryResult(fields, analyzer.used, analyzer.problems)


def _uniquify(fields: list[dict]) -> list[dict]:
    """Rename repeated column names the way Calcite does: id, id0, id1, ..."""
    seen: set[str] = set()
    out = []
    for f in fields:
        name, n = f["name"], 0
        while name in seen:
            name, n = f"{f['name']}{n}", n + 1
        seen.add(name)
        out.append({**f, "name": name})
    return out


def _field(name: str, case_sensitive: bool, ctype: dict) -> dict:
    return {"name": name, "case_sensitive": case_sensitive, "columntype": ctype}


class _Analyzer:
    """Walks one query tree; collects used columns and unknown-relation problems."""

    def __init__(self, relations: dict, user_types: dict, source: SourceMap, offset: int):
        self.relations = relations
        self.user_types = user_types
        self.source = source
        self.offset = offset
        self.used: set[tuple[str | None, str]] = set()
        self.problems: list[SqlProblem] = []
        self.visited: set[int] = set()

    def fields_of(self, node: exp.Expression, ctes: dict) -> list[dict]:
        """Return the output fields of a query node."""
        self.visited.add(id(node))
        if isinstance(node, (exp.Subquery, exp.Paren)):
            return self.fields_of(node.this, ctes)
        ctes = self._ctes(node, ctes)
        if isinstance(node, exp.SetOperation):
            left = self.fields_of(node.left, ctes)
            right = self.fields_of(node.right, ctes)
            merged = []
            for i, f in enumerate(left):
                other = right[i]["columntype"]["nullable"] if i < len(right) else True
                nullable = f["columntype"]["nullable"] or other
                merged.append({**f, "columntype": with_nullable(f["columntype"], nullable)})
            return merged
        if isinstance(node, exp.Values):
            return self._values(node)
        if isinstance(node, exp.Select):
            return self._select(node, ctes)
        return []

    def insert_target(self, node: exp.Insert) -> None:
        """Check that an INSERT names a declared table."""
        target = node.this.this if isinstance(node.this, exp.Schema) else node.this
        if isinstance(target, exp.Table):
            self._lookup(target, {})

    def _ctes(self, node: exp.Expression, ctes: dict) -> dict:
        if not isinstance(node, exp.Query) or not node.ctes:
            return ctes
        ctes = dict(ctes)
        for cte in node.ctes:
            fields = self.fields_of(cte.this, ctes)
            ctes[canon(cte.args["alias"].this)] = self._rename(fields, cte.args["alias"])
        return ctes

    def _rename(self, fields: list[dict], alias: exp.Expression | None) -> list[dict]:
        columns = alias.args.get("columns") if isinstance(alias, exp.TableAlias) else None
        if not columns:
            return fields
        renamed = []
        for i, ident in enumerate(columns):
            ctype = fields[i]["columntype"] if i < len(fields) else FALLBACK_TYPE
            renamed.append(_field(canon(ident), quoted(ident), ctype))
        return renamed + fields[len(columns) :]

    def _values(self, node: exp.Values) -> list[dict]:
        inferrer = TypeInferrer(lambda _col: None, self.user_types, grouped=True)
        rows = [
            row.expressions if isinstance(row, exp.Tuple) else [row] for row in node.expressions
        ]
        fields = []
        for i, value in enumerate(rows[0] if rows else []):
            ctype = inferrer.infer(value) or FALLBACK_TYPE
            nullable = any(
                len(r) <= i or (inferrer.infer(r[i]) or FALLBACK_TYPE)["nullable"] for r in rows
            )
            fields.append(_field(f"EXPR${i}", True, with_nullable(ctype, nullable)))
        return fields

    def _select(self, node: exp.Select, ctes: dict) -> list[dict]:
        sources = self._sources(node, ctes)
        for col in node.find_all(exp.Column):
            if col.find_ancestor(exp.Select) is node and not isinstance(col.this, exp.Star):
                self._resolve(col, sources)
        # Subqueries in expressions (IN, EXISTS, scalar) only matter for the columns they read.
        for sub in node.find_all(exp.Select):
            if sub is not node and id(sub) not in self.visited:
                if sub.find_ancestor(exp.Select) is node:
                    self.fields_of(sub, ctes)
        inferrer = TypeInferrer(
            lambda col: self._column_type(col, sources),
            self.user_types,
            grouped=node.args.get("group") is not None,
        )
        fields: list[dict] = []
        for i, item in enumerate(node.expressions):
            fields.extend(self._projection(i, item, sources, inferrer))
        return _uniquify(fields)

    def _projection(self, i: int, item, sources: list[Source], inferrer) -> list[dict]:
        star_source = None
        if isinstance(item, exp.Column) and isinstance(item.this, exp.Star):
            star_source = canon(item.args.get("table"))
        if isinstance(item, exp.Star) or star_source is not None:
            chosen = [s for s in sources if star_source is None or s.key == star_source]
            out = []
            for src in chosen:
                for f in src.fields:
                    self._mark(src, f["name"])
                    ctype = with_nullable(
                        f["columntype"], f["columntype"]["nullable"] or src.nullable
                    )
                    out.append(_field(f["name"], f["case_sensitive"], ctype))
            return out
        ctype = inferrer.infer(item) or FALLBACK_TYPE
        if isinstance(item, exp.Alias):
            ident = item.args["alias"]
            return [_field(canon(ident), quoted(ident), ctype)]
        if isinstance(item, exp.Column):
            found = self._resolve(item, sources)
            if found is not None:
                return [_field(found[1]["name"], found[1]["case_sensitive"], ctype)]
            return [_field(canon(item.this), quoted(item.this), ctype)]
        return [_field(f"EXPR${i}", True, ctype)]

    def _sources(self, node: exp.Select, ctes: dict) -> list[Source]:
        from_ = node.args.get("from_") or node.args.get("from")
        items = [(from_.this, None)] if from_ is not None else []
        items += [(join.this, join) for join in node.args.get("joins") or []]
        sources: list[Source] = []
        for expr, join in items:
            src = self._source(expr, ctes, sources)
            side = (join.side or "").upper() if join is not None else ""
            if side in ("RIGHT", "FULL"):
                for earlier in sources:
                    earlier.nullable = True
            src.nullable = side in ("LEFT", "FULL")
            sources.append(src)
        return sources

    def _source(self, expr: exp.Expression, ctes: dict, earlier: list[Source]) -> Source:
        alias = expr.args.get("alias")
        key = canon(alias.this) if isinstance(alias, exp.TableAlias) and alias.this else ""
        relation, fields = None, []
        if isinstance(expr, exp.Table) and isinstance(expr.this, exp.Identifier):
            relation, fields = self._lookup(expr, ctes)
            key = key or canon(expr.this)
        elif isinstance(expr, exp.Table) and isinstance(expr.this, exp.Anonymous):
            fields = self._table_function(expr.this, ctes)
        elif isinstance(expr, exp.Subquery):
            fields = self.fields_of(expr.this, ctes)
        elif isinstance(expr, exp.Values):
            fields = self._values(expr)
        elif isinstance(expr, exp.Unnest):
            fields = self._unnest(expr, earlier)
        return Source(key, relation, self._rename(fields, alias))

    def _unnest(self, node: exp.Unnest, earlier: list[Source]) -> list[dict]:
        """Columns of UNNEST(array): its elements, plus an ordinal WITH ORDINALITY."""
        arg = node.expressions[0] if node.expressions else None
        found = self._resolve(arg, earlier) if isinstance(arg, exp.Column) else None
        container = found[1]["columntype"] if found else {}
        if container.get("type") == "MAP":
            types = [container["key"], container["value"]]
        else:
            types = [container.get("component", FALLBACK_TYPE)]
        fields = [_field(f"EXPR${i}", True, t) for i, t in enumerate(types)]
        offset = node.args.get("offset")
        if offset:
            # sqlglot moves the ordinality column's alias out of the alias list.
            name = canon(offset) if isinstance(offset, exp.Identifier) else "ordinality"
            fields.append(_field(name, quoted(offset), column_type(False, type="INTEGER")))
        return fields

    def _lookup(self, table: exp.Table, ctes: dict) -> tuple[str | None, list[dict]]:
        name = canon(table.this)
        if name in ctes:
            return None, ctes[name]
        if name in self.relations:
            return name, self.relations[name]
        if name in SYSTEM_RELATIONS:
            return None, []
        meta = table.this.meta
        start = self.offset + meta.get("start", 0)
        end = self.offset + meta.get("end", 0) + 1
        message = f"Object '{table.this.this}' not found"
        self.problems.append(SqlProblem(SEMANTIC_ERROR, message, start, end))
        return None, []

    def _table_function(self, call: exp.Anonymous, ctes: dict) -> list[dict]:
        """Columns of TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), ...)) and HOP/SESSION: t's + bounds."""
        inner = call.expressions[0] if call.expressions else None
        if not (isinstance(inner, exp.Anonymous) and inner.name.upper() in _WINDOW_FUNCTIONS):
            return []
        base = inner.expressions[0] if inner.expressions else None
        if not isinstance(base, (exp.Column, exp.Table)):
            return []
        relation, fields = self._lookup(exp.Table(this=base.this), ctes)
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
        bounds = [_field("window_start", False, bound), _field("window_end", False, bound)]
        return [*fields, *bounds]

    def _resolve(self, col: exp.Column, sources: list[Source]) -> tuple[Source, dict] | None:
        name = canon(col.this)
        qualifier = col.args.get("table")
        candidates = (
            sources if qualifier is None else [s for s in sources if s.key == canon(qualifier)]
        )
        for exact in (True, False):
            for src in candidates:
                for f in src.fields:
                    if f["name"] == name or (not exact and f["name"].lower() == name.lower()):
                        self._mark(src, f["name"])
                        return src, f
        self.used.add((None, name))
        return None

    def _mark(self, src: Source, column: str) -> None:
        # Columns of CTEs and subqueries were marked when their own query was analysed.
        if src.relation:
            self.used.add((src.relation, column))

    def _column_type(self, col: exp.Column, sources: list[Source]) -> dict | None:
        found = self._resolve(col, sources)
        if found is None:
            return None
        src, f = found
        return with_nullable(f["columntype"], f["columntype"]["nullable"] or src.nullable)
