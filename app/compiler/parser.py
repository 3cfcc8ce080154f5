"""Parse Feldera DDL statements (tables, views, types, functions, ...) from tokens."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import Any

from app.compiler.lexer import SourceMap
from app.compiler.lexer import Token
from app.compiler.stream import TokenStream
from app.compiler.stream import canonical
from app.compiler.types import TypeParser

# Keywords that end a DEFAULT / LATENESS / WATERMARK expression inside a column definition.
_ATTRIBUTE_WORDS = (
    "NULL",
    "PRIMARY",
    "FOREIGN",
    "REFERENCES",
    "DEFAULT",
    "LATENESS",
    "WATERMARK",
    "INTERNED",
    "CONSTRAINT",
    "UNIQUE",
    "CHECK",
)
_QUERY_STARTS = ("SELECT", "WITH", "VALUES", "TABLE")


@dataclass
class Property:
    """One `'key' = 'value'` entry of a WITH clause."""

    key: str
    value: str
    key_position: dict
    value_position: dict
    value_start: int
    value_end: int
    key_start: int = 0
    key_end: int = 0

    def as_json(self) -> dict:
        """Render as the schema's PropertyValue."""
        return {
            "value": self.value,
            "key_position": self.key_position,
            "value_position": self.value_position,
        }


@dataclass
class Column:
    """A column definition of CREATE TABLE."""

    name: str
    case_sensitive: bool
    ctype: dict
    start: int  # the column name
    end: int  # the end of its type
    type_start: int = 0
    name_end: int = 0
    decl_end: int = 0  # the end of the whole declaration, attributes included
    primary_key: bool = False
    default: str | None = None
    lateness: str | None = None
    watermark: str | None = None
    interned: bool = False


@dataclass
class Statement:
    """A parsed statement; which attributes matter depends on `kind`."""

    kind: str  # table, view, declare, type, function, index, lateness, query
    tokens: list[Token]
    name: str = ""
    case_sensitive: bool = False
    written: str = ""
    name_token: Token | None = None
    columns: list[Column] = field(default_factory=list)
    primary_key: list[tuple[str, Token]] | None = None
    foreign_keys: list[dict] = field(default_factory=list)
    properties: dict[str, Property] | None = None
    view_kind: str = "normal"  # normal, materialized, local
    column_names: list[tuple[str, bool]] | None = None
    query_start: int = 0
    query_end: int = 0
    ctype: dict | None = None  # CREATE TYPE body or a function's return type
    params: list[tuple[str, dict]] = field(default_factory=list)
    has_body: bool = False
    references: list[Token] = field(default_factory=list)  # tables FOREIGN KEYs refer to
    target: Token | None = None  # CREATE INDEX ... ON <target>; LATENESS <target>.column
    problems: list = field(default_factory=list)  # found while parsing, reported on validation
    parsed: Any = None  # the query's ParsedQuery (views and raw queries)
    unsupported: str | None = None  # OR REPLACE / IF NOT EXISTS: parsed, then refused
    option: tuple[str, str] | None = None  # SET name = value

    @property
    def start(self) -> int:
        """Offset of the statement's first token."""
        return self.tokens[0].start

    @property
    def end(self) -> int:
        """Offset just past the statement's last token (the `;` is not part of it)."""
        return self.tokens[-1].end


class StatementParser:
    """Parse one statement; semantic problems go to `problems`, syntax errors are raised."""

    def __init__(self, tokens: list[Token], source: SourceMap, user_types: dict, problems: list):
        self.s = TokenStream(tokens, source)
        self.source = source
        self.tokens = tokens
        self.types = TypeParser(self.s, user_types, problems)

    def parse(self) -> Statement:
        """Dispatch on the leading keywords."""
        first = self.s.peek()
        if first.is_word("CREATE"):
            self.s.pos += 1
            or_replace = self.s.word("OR")
            if or_replace:
                self.s.expect_word("REPLACE")
            stmt = self._create()
            if or_replace:
                stmt.unsupported = "OR REPLACE not supported"
            return stmt
        if first.is_word("SET"):
            return self._set()
        if first.is_word("DECLARE"):
            self.s.pos += 1
            self.s.expect_word("RECURSIVE")
            self.s.expect_word("VIEW")
            return self._declare()
        if first.is_word("LATENESS"):
            return self._lateness()
        if first.is_word("INSERT", *_QUERY_STARTS) or first.is_op("("):
            return self._query_statement("query")
        raise self.s.error(first, "CREATE, DECLARE, LATENESS, INSERT or a query")

    def _create(self) -> Statement:
        tok = self.s.next("TABLE, VIEW, TYPE, FUNCTION or INDEX")
        if tok.is_word("TABLE"):
            return self._table()
        if tok.is_word("MATERIALIZED", "LOCAL"):
            self.s.expect_word("VIEW")
            return self._view(tok.value.lower())
        if tok.is_word("VIEW"):
            return self._view("normal")
        if tok.is_word("TYPE"):
            return self._type()
        if tok.is_word("FUNCTION", "AGGREGATE"):
            return self._function()
        if tok.is_word("INDEX"):
            return self._index()
        raise self.s.error(tok, "TABLE, VIEW, TYPE, FUNCTION or INDEX")

    def _named(self, kind: str) -> Statement:
        if_not_exists = self.s.words("IF", "NOT", "EXISTS")
        tok = self.s.identifier("a name")
        name, case_sensitive = canonical(tok)
        stmt = Statement(kind, self.tokens, name, case_sensitive, tok.text, tok)
        if if_not_exists:
            stmt.unsupported = "IF NOT EXISTS not supported"
        return stmt

    def _set(self) -> Statement:
        """SET option = value (Calcite's SqlSetOption); the compiler reads some options."""
        self.s.pos += 1
        name = self.s.identifier("an option name")
        self.s.expect_op("=")
        value = self.s.next("a value")
        stmt = Statement("set", self.tokens)
        stmt.option = (name.value, value.value)
        return self._finish(stmt)

    def _finish(self, stmt: Statement) -> Statement:
        if not self.s.at_end():
            raise self.s.error(self.s.peek(), "end of statement")
        return stmt

    def _table(self) -> Statement:
        stmt = self._named("table")
        self.s.expect_op("(")
        while True:
            self._table_element(stmt)
            if self.s.op(")"):
                break
            if not self.s.op(","):
                raise self.s.error(self.s.peek(), '"," or ")"')
        stmt.properties = self._with()
        return self._finish(stmt)

    def _table_element(self, stmt: Statement) -> None:
        if self.s.word("CONSTRAINT"):
            self.s.identifier("a constraint name")
        tok = self.s.peek()
        if tok is not None and tok.is_word("PRIMARY"):
            self.s.pos += 1
            self.s.expect_word("KEY")
            stmt.primary_key = self._name_list()
        elif tok is not None and tok.is_word("FOREIGN"):
            self.s.pos += 1
            self.s.expect_word("KEY")
            columns = [name for name, _ in self._name_list()]
            stmt.foreign_keys.append(self._references(stmt, columns))
        elif tok is not None and tok.is_word("UNIQUE", "CHECK") and self._next_is_paren():
            self.s.pos += 1
            self.s.skip_balanced()
        else:
            stmt.columns.append(self._column(stmt))

    def _next_is_paren(self) -> bool:
        following = self.s.peek(1)
        return following is not None and following.is_op("(")

    def _name_list(self) -> list[tuple[str, Token]]:
        self.s.expect_op("(")
        names = []
        while True:
            tok = self.s.identifier("a column name")
            names.append((canonical(tok)[0], tok))
            if self.s.op(")"):
                return names
            self.s.expect_op(",")

    def _references(self, stmt: Statement, columns: list[str]) -> dict:
        self.s.expect_word("REFERENCES")
        refers_token = self.s.identifier("a table name")
        stmt.references.append(refers_token)
        refers = canonical(refers_token)[0]
        to_columns = [name for name, _ in self._name_list()] if self._peek_paren() else []
        return {"source": stmt.name, "columns": columns, "refers": refers, "tocolumns": to_columns}

    def _peek_paren(self) -> bool:
        tok = self.s.peek()
        return tok is not None and tok.is_op("(")

    def _column(self, stmt: Statement) -> Column:
        name_tok = self.s.identifier("a column name")
        name, case_sensitive = canonical(name_tok)
        type_start = self.s.peek().start if self.s.peek() is not None else name_tok.end
        ctype = self.types.parse()
        col = Column(name, case_sensitive, ctype, name_tok.start, self.s.tokens[self.s.pos - 1].end)
        col.type_start, col.name_end = type_start, name_tok.end
        while (tok := self.s.peek()) is not None and not tok.is_op(",", ")"):
            if self.s.words("NOT", "NULL"):
                col.ctype = {**col.ctype, "nullable": False}
            elif self.s.word("NULL"):
                col.ctype = {**col.ctype, "nullable": True}
            elif self.s.word("INTERNED"):
                col.interned = True
            elif self.s.word("UNIQUE"):
                pass
            elif self.s.words("PRIMARY", "KEY"):
                col.primary_key = True
            elif self.s.words("FOREIGN", "KEY") or tok.is_word("REFERENCES"):
                stmt.foreign_keys.append(self._references(stmt, [name]))
            elif self.s.word("CONSTRAINT"):
                self.s.identifier("a constraint name")
            elif self.s.word("CHECK"):
                self.s.skip_balanced()
            elif self.s.word("DEFAULT", "LATENESS", "WATERMARK"):
                start, end = self.s.take_expression(_ATTRIBUTE_WORDS)
                setattr(col, tok.value.lower(), self.source.text[start:end])
            else:
                raise self.s.error(tok, '"," or ")" or a column attribute')
        col.decl_end = self.s.tokens[self.s.pos - 1].end
        return col

    def _with(self) -> dict[str, Property] | None:
        if not self.s.word("WITH"):
            return None
        self.s.expect_op("(")
        props: dict[str, Property] = {}
        while True:
            key = self.s.next("a property name")
            if key.kind not in ("string", "ident", "qident"):
                raise self.s.error(key, "a quoted property name")
            self.s.expect_op("=")
            value = self.s.next("a property value")
            if value.kind != "string":
                raise self.s.error(value, "a string literal")
            props[key.value] = Property(
                key.value,
                value.value,
                self.source.span(key.start, key.end),
                self.source.span(value.start, value.end),
                value.start,
                value.end,
                key.start,
                key.end,
            )
            if self.s.op(")"):
                return props
            self.s.expect_op(",")

    def _view(self, view_kind: str) -> Statement:
        stmt = self._named("view")
        stmt.view_kind = view_kind
        if self._peek_paren():
            stmt.column_names = [canonical(tok) for _, tok in self._name_list()]
        stmt.properties = self._with()
        self.s.expect_word("AS")
        return self._query_rest(stmt)

    def _query_statement(self, kind: str) -> Statement:
        return self._query_rest(Statement(kind, self.tokens))

    def _query_rest(self, stmt: Statement) -> Statement:
        first = self.s.peek()
        if first is None or not (first.is_word(*_QUERY_STARTS, "INSERT") or first.is_op("(")):
            raise self.s.error(first, "SELECT, WITH, VALUES or (")
        stmt.query_start = first.start
        stmt.query_end = self.tokens[-1].end
        self.s.pos = len(self.tokens)
        return stmt

    def _declare(self) -> Statement:
        stmt = self._named("declare")
        self.s.expect_op("(")
        while True:
            tok = self.s.identifier("a column name")
            name, case_sensitive = canonical(tok)
            ctype = self.types.parse_with_nullability()
            stmt.columns.append(Column(name, case_sensitive, ctype, tok.start, tok.end))
            if self.s.op(")"):
                return self._finish(stmt)
            self.s.expect_op(",")

    def _type(self) -> Statement:
        stmt = self._named("type")
        self.s.expect_word("AS")
        if self._peek_paren():
            # CREATE TYPE t AS (a INT, ...) declares a ROW with those members.
            stmt.ctype = self.types.parse_row()
        else:
            stmt.ctype = self.types.parse()
        return self._finish(stmt)

    def _function(self) -> Statement:
        stmt = self._named("function")
        self.s.expect_op("(")
        while not self.s.op(")"):
            if stmt.params:
                self.s.expect_op(",")
            param, _ = canonical(self.s.identifier("a parameter name"))
            stmt.params.append((param, self.types.parse_with_nullability()))
        self.s.expect_word("RETURNS")
        stmt.ctype = self.types.parse_with_nullability()
        if self.s.word("AS"):
            stmt.has_body = True
            self.s.pos = len(self.tokens)
            if self.tokens[-1].is_word("AS"):
                raise self.s.error(None, "a function body")
        return self._finish(stmt)

    def _index(self) -> Statement:
        stmt = self._named("index")
        self.s.expect_word("ON")
        stmt.target = self.s.identifier("a table or view name")
        stmt.primary_key = self._name_list()  # the indexed columns
        return self._finish(stmt)

    def _lateness(self) -> Statement:
        """LATENESS view.column expression: remember the view named."""
        stmt = Statement("lateness", self.tokens)
        self.s.pos += 1
        first = self.s.identifier("a view name")
        if self.s.pos >= 3 and self.tokens[self.s.pos - 2].is_op("."):
            stmt.target = self.tokens[self.s.pos - 3]
        else:
            stmt.target = first
        self.s.pos = len(self.tokens)
        return stmt
