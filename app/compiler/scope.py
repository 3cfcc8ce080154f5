"""Name resolution inside one query: FROM sources, nested scopes, Calcite's messages."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from sqlglot import exp

from app.compiler.messages import SqlProblem
from app.compiler.messages import validation_error
from app.compiler.spans import Spans
from app.compiler.types import with_nullable

# Words Calcite reads as time units or keywords where sqlglot may see a column name.
NOT_COLUMNS = {
    "year", "quarter", "month", "week", "day", "hour", "minute", "second", "millisecond",
    "microsecond", "nanosecond", "epoch", "dow", "doy", "isodow", "isoyear", "decade",
    "century", "millennium", "sql_tsi_year", "sql_tsi_quarter", "sql_tsi_month",
    "sql_tsi_week", "sql_tsi_day", "sql_tsi_hour", "sql_tsi_minute", "sql_tsi_second",
    "map", "array", "row", "current_timestamp", "current_date", "current_time",
    "localtimestamp", "localtime", "default",
}  # fmt: skip


def canon(ident: exp.Expression | None) -> str:
    """Canonical name of a sqlglot identifier: quoted keeps case, unquoted folds to lower."""
    if isinstance(ident, exp.Identifier):
        return ident.this if ident.quoted else ident.this.lower()
    return "" if ident is None else ident.name.lower()


def quoted(ident: exp.Expression | None) -> bool:
    """Tell whether a sqlglot identifier was written in quotes."""
    return isinstance(ident, exp.Identifier) and bool(ident.quoted)


@dataclass
class Source:
    """A relation visible in a FROM clause; `known` is False when its columns are a guess."""

    key: str  # the alias, or the relation name
    relation: str | None  # the declared table/view it reads, if any
    fields: list[dict]
    known: bool = True
    nullable: bool = False  # on the optional side of an outer join
    _exact: dict | None = None
    _folded: dict | None = None

    def find(self, name: str) -> dict | None:
        """Return the field called exactly `name`."""
        if self._exact is None:
            self._exact = {}
            for f in self.fields:
                self._exact.setdefault(f["name"], f)
        return self._exact.get(name)

    def find_folded(self, name: str) -> dict | None:
        """Return a field whose name equals `name` ignoring case (for "did you mean")."""
        if self._folded is None:
            self._folded = {}
            for f in self.fields:
                self._folded.setdefault(f["name"].lower(), f)
        return self._folded.get(name.lower())

    def column_type(self, f: dict) -> dict:
        """Type of one of this source's fields, nullable on the outer side of a join."""
        return with_nullable(f["columntype"], f["columntype"]["nullable"] or self.nullable)


@dataclass
class Scope:
    """The sources of one SELECT, inside the scope of the query that contains it."""

    sources: list[Source]
    parent: Scope | None = None
    aliases: set[str] = field(default_factory=set)  # select-list aliases
    shared: set[str] = field(default_factory=set)  # columns merged by JOIN ... USING

    def chain(self):
        """Yield this scope and its enclosing scopes, innermost first."""
        scope: Scope | None = self
        while scope is not None:
            yield scope
            scope = scope.parent

    def complete(self) -> bool:
        """Tell whether every column visible here is known, so a miss is a real error."""
        return all(src.known for scope in self.chain() for src in scope.sources)

    def source(self, key: str) -> Source | None:
        """Return the innermost source with this alias."""
        for scope in self.chain():
            for src in scope.sources:
                if src.key == key:
                    return src
        return None


class Resolver:
    """Resolve column references in a scope, raising Calcite's errors when sure."""

    def __init__(self, spans: Spans, used: set):
        self.spans = spans
        self.used = used

    def resolve(self, col: exp.Column, scope: Scope) -> tuple[Source, dict] | None:
        """Return (source, field) of a column reference; None when it cannot be known."""
        if col.args.get("db") is not None or isinstance(col.this, exp.Star):
            # catalog-qualified names (or ROW fields) and t.* are left alone; any part may
            # name a column, so all count as read.
            for part in ("catalog", "db", "table"):
                if col.args.get(part) is not None:
                    self.used.add((None, canon(col.args[part])))
            return None
        qualifier = col.args.get("table")
        if qualifier is None:
            return self._unqualified(col, scope)
        return self._qualified(col, canon(qualifier), scope)

    def _unqualified(self, col: exp.Column, scope: Scope) -> tuple[Source, dict] | None:
        name = canon(col.this)
        for level in scope.chain():
            found = [(src, f) for src in level.sources if (f := src.find(name)) is not None]
            if len(found) > 1 and name not in level.shared and all(s.known for s, _ in found):
                raise validation_error(f"Column '{name}' is ambiguous", *self.spans.of(col))
            if found:
                # JOIN ... USING (c) reads c on both sides.
                for src, f in found if name in level.shared else found[:1]:
                    self._mark(src, f)
                return found[0]
            if name in level.aliases:
                return None
        self.used.add((None, name))
        if name in NOT_COLUMNS or not scope.complete():
            return None
        text = f"Column '{name}' not found in any table"
        hint = next(
            (f for s in scope.chain() for src in s.sources if (f := src.find_folded(name))),
            None,
        )
        if hint is not None:
            text += f"; did you mean '{hint['name']}'?"
        raise validation_error(text, *self.spans.of(col.this))

    def _qualified(self, col: exp.Column, key: str, scope: Scope) -> tuple[Source, dict] | None:
        name = canon(col.this)
        src = scope.source(key)
        if src is None:
            # `r.f` may read field f of a ROW column r.
            if self._is_column(key, scope) or not scope.complete():
                self.used.add((None, key))
                return None
            raise validation_error(f"Table '{key}' not found", *self.spans.of(col.args["table"]))
        f = src.find(name)
        if f is not None:
            self._mark(src, f)
            return src, f
        if not src.known:
            return None
        text = f"Column '{name}' not found in table '{key}'"
        hint = src.find_folded(name)
        if hint is not None:
            text += f"; did you mean '{hint['name']}'?"
        raise validation_error(text, *self.spans.of(col.this))

    @staticmethod
    def _is_column(name: str, scope: Scope) -> bool:
        return any(src.find(name) for s in scope.chain() for src in s.sources)

    def _mark(self, src: Source, f: dict) -> None:
        # Columns of CTEs and subqueries were marked when their own query was analysed.
        if src.relation:
            self.used.add((src.relation, f["name"]))


def unknown_relation(name: str, known: dict, start: int, end: int) -> SqlProblem:
    """Build Calcite's "Object '<name>' not found" (with a did-you-mean on a case mismatch)."""
    text = f"Object '{name}' not found"
    match = next((k for k in known if k.lower() == name.lower()), None)
    if match is not None:
        text += f"; did you mean '{match}'?"
    return validation_error(text, start, end)
