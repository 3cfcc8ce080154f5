"""Parse SQL type syntax into the compiler's ColumnType JSON (Calcite-style, wire names)."""

from __future__ import annotations

from app.compiler.lexer import LexError
from app.compiler.lexer import SourceMap
from app.compiler.lexer import tokenize
from app.compiler.messages import SqlProblem
from app.compiler.messages import validation_error
from app.compiler.stream import TokenStream
from app.compiler.stream import canonical

# Types without precision or scale, by every spelling the parser accepts.
_PLAIN = {
    "BOOLEAN": "BOOLEAN",
    "BOOL": "BOOLEAN",
    "TINYINT": "TINYINT",
    "SMALLINT": "SMALLINT",
    "INT": "INTEGER",
    "INTEGER": "INTEGER",
    "BIGINT": "BIGINT",
    "UTINYINT": "UTINYINT",
    "USMALLINT": "USMALLINT",
    "UINT": "UINTEGER",
    "UINTEGER": "UINTEGER",
    "UBIGINT": "UBIGINT",
    "REAL": "REAL",
    "FLOAT4": "REAL",
    "FLOAT": "DOUBLE",
    "FLOAT8": "DOUBLE",
    "DOUBLE": "DOUBLE",
    "DATE": "DATE",
    "UUID": "UUID",
    "VARIANT": "VARIANT",
}
_UNSIGNED = {
    "TINYINT": "UTINYINT",
    "SMALLINT": "USMALLINT",
    "INTEGER": "UINTEGER",
    "BIGINT": "UBIGINT",
}
# Sized types: wire name and the precision used when none is written.
_SIZED = {
    "CHAR": ("CHAR", 1),
    "CHARACTER": ("CHAR", 1),
    "VARCHAR": ("VARCHAR", -1),
    "STRING": ("VARCHAR", -1),
    "TEXT": ("VARCHAR", -1),
    "BINARY": ("BINARY", 1),
    "VARBINARY": ("VARBINARY", -1),
    "BYTEA": ("VARBINARY", -1),
    "BYTES": ("VARBINARY", -1),
    "TIME": ("TIME", 9),
    "TIMESTAMP": ("TIMESTAMP", 6),
    "TIMESTAMP_TZ": ("TIMESTAMP_TZ", 6),
}
_DECIMALS = ("DECIMAL", "NUMERIC", "DEC")
# Spec §1.8: a bare DECIMAL is DECIMAL(38, 0), with a warning.
DEFAULT_DECIMAL = (38, 0)
_UNITS = ("YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND")
_INTERVALS = {
    "YEAR",
    "YEAR_MONTH",
    "MONTH",
    "DAY",
    "DAY_HOUR",
    "DAY_MINUTE",
    "DAY_SECOND",
    "HOUR",
    "HOUR_MINUTE",
    "HOUR_SECOND",
    "MINUTE",
    "MINUTE_SECOND",
    "SECOND",
}


def column_type(nullable: bool, **keys: object) -> dict:
    """Build a ColumnType dict with its keys in alphabetical order, omitting None values."""
    keys["nullable"] = nullable
    return {k: keys[k] for k in sorted(keys) if keys[k] is not None}


def with_nullable(ctype: dict, nullable: bool) -> dict:
    """Return a copy of `ctype` with a different nullability."""
    return {**ctype, "nullable": nullable}


def type_label(ctype: dict) -> str:
    """Return the SQL name of a ColumnType, for messages ("ROW" for structs)."""
    return ctype.get("type", "ROW")


def relation_field(name: str, case_sensitive: bool, ctype: dict) -> dict:
    """Build a relation's Field entry (the schema's `unused` flag is added by its owner)."""
    return {"name": name, "case_sensitive": case_sensitive, "columntype": ctype}


def nested_field(name: str, case_sensitive: bool, ctype: dict) -> dict:
    """Build a ROW member: Calcite puts the member's type keys inline next to its name."""
    return {"name": name, "case_sensitive": case_sensitive, **ctype}


class TypeParser:
    """Parse type syntax from a token stream, resolving user types declared so far."""

    def __init__(self, stream: TokenStream, user_types: dict[str, dict], problems: list):
        self.s = stream
        self.user_types = user_types
        self.problems = problems

    def parse(self) -> dict:
        """Parse a type with postfix ARRAY/MULTISET wrappers; the result is nullable."""
        ctype = self._base()
        while True:
            element_nullable = True
            if self._element_not_null():
                element_nullable = False
            if not self.s.word("ARRAY", "MULTISET"):
                return ctype
            ctype = column_type(
                True, component=with_nullable(ctype, element_nullable), type="ARRAY"
            )

    def parse_with_nullability(self) -> dict:
        """Parse a type followed by an optional NOT NULL / NULL."""
        ctype = self.parse()
        if self.s.words("NOT", "NULL"):
            return with_nullable(ctype, False)
        self.s.word("NULL")
        return ctype

    def _element_not_null(self) -> bool:
        """Consume "NOT NULL" only when ARRAY follows, i.e. it qualifies the element type."""
        a, b, c = self.s.peek(), self.s.peek(1), self.s.peek(2)
        if a and b and c and a.is_word("NOT") and b.is_word("NULL") and c.is_word("ARRAY"):
            self.s.pos += 2
            return True
        return False

    def _numbers(self) -> list[int]:
        """Parse an optional "(n [, m])" suffix."""
        if not self.s.op("("):
            return []
        values = []
        while True:
            tok = self.s.next("a number")
            if tok.kind != "number" or not tok.value.lstrip("-").isdigit():
                raise self.s.error(tok, "an integer")
            values.append(int(tok.value))
            if self.s.op(")"):
                return values
            self.s.expect_op(",")

    def _base(self) -> dict:
        tok = self.s.next("a type")
        if tok.kind == "qident":
            return self._user_type(tok)
        if tok.kind != "ident":
            raise self.s.error(tok, "a type")
        word = tok.value.upper()
        if word in ("ROW", "STRUCT"):
            return self.parse_row()
        if word == "ARRAY" and self.s.op("<"):
            inner = TypeParser(self.s, self.user_types, self.problems).parse_with_nullability()
            self.s.expect_op(">")
            return column_type(True, component=inner, type="ARRAY")
        if word == "MAP":
            self.s.expect_op("<")
            key = self.parse_with_nullability()
            self.s.expect_op(",")
            value = self.parse_with_nullability()
            self.s.expect_op(">")
            return column_type(True, key=key, type="MAP", value=value)
        if word == "INTERVAL":
            return self._interval()
        if word == "DOUBLE":
            self.s.word("PRECISION")
        if word in ("CHAR", "CHARACTER") and self.s.word("VARYING"):
            word = "VARCHAR"
        if word in _DECIMALS:
            nums = self._numbers()
            if not nums:
                nums = list(DEFAULT_DECIMAL)
                self.problems.append(_unspecified_decimal(tok))
            return column_type(
                True, precision=nums[0], scale=nums[1] if len(nums) > 1 else 0, type="DECIMAL"
            )
        if word in _SIZED:
            wire, default = _SIZED[word]
            nums = self._numbers()
            if word in ("TIME", "TIMESTAMP") and self._time_zone():
                wire = "TIMESTAMP_TZ" if word == "TIMESTAMP" else wire
            return column_type(True, precision=nums[0] if nums else default, type=wire)
        if word in _PLAIN:
            wire = _PLAIN[word]
            if wire in _UNSIGNED and self.s.word("UNSIGNED"):
                wire = _UNSIGNED[wire]
            return column_type(True, type=wire)
        return self._user_type(tok)

    def _time_zone(self) -> bool:
        """Consume WITH [LOCAL] TIME ZONE / WITHOUT TIME ZONE; tell whether a zone was asked for."""
        if self.s.word("WITHOUT"):
            self.s.expect_word("TIME")
            self.s.expect_word("ZONE")
            return False
        if self.s.peek() is not None and self.s.peek().is_word("WITH"):
            following = self.s.peek(1)
            if following is not None and following.is_word("LOCAL", "TIME"):
                self.s.pos += 1
                self.s.word("LOCAL")
                self.s.expect_word("TIME")
                self.s.expect_word("ZONE")
                return True
        return False

    def parse_row(self) -> dict:
        """Parse ROW members: "(name type, ...)" or "<name type, ...>"."""
        close = ")" if self.s.op("(") else ">"
        if close == ">":
            self.s.expect_op("<")
        fields = []
        while not self.s.op(close):
            if fields:
                self.s.expect_op(",")
            name, case_sensitive = canonical(self.s.identifier("a field name"))
            ctype = self.parse_with_nullability()
            fields.append(nested_field(name, case_sensitive, ctype))
        return column_type(True, fields=fields)

    def _interval(self) -> dict:
        start = self.s.next("an interval unit")
        if not start.is_word(*_UNITS):
            raise self.s.error(start, "YEAR, MONTH, DAY, HOUR, MINUTE or SECOND")
        unit = start.value.upper()
        lead = self._numbers()
        if self.s.word("TO"):
            end = self.s.next("an interval unit")
            if not end.is_word(*_UNITS):
                raise self.s.error(end, "an interval unit")
            unit += "_" + end.value.upper()
            self._numbers()
        if unit not in _INTERVALS:
            raise self.s.error(start, "a valid interval qualifier")
        # Calcite reports the leading-field precision (default 2) and fractional seconds (6).
        return column_type(True, precision=lead[0] if lead else 2, scale=6, type="INTERVAL_" + unit)

    def _user_type(self, tok) -> dict:
        name, _ = canonical(tok)
        if name in self.user_types:
            return with_nullable(self.user_types[name], True)
        # Calcite's unknownIdentifier, raised when the statement is validated.
        self.problems.append(validation_error(f"Unknown identifier '{name}'", tok.start, tok.end))
        return column_type(True, precision=-1, type="VARCHAR")


def _unspecified_decimal(tok) -> SqlProblem:
    text = (
        "DECIMAL/NUMERIC type used without specifying precision and scale.\n"
        "This is interpreted as DECIMAL(38, 0)"
    )
    kind = "DECIMAL precision and scale unspecified"
    return SqlProblem(kind, text, tok.start, tok.end, warning=True)


def parse_type_text(text: str, user_types: dict[str, dict]) -> dict | None:
    """Parse a standalone type string (e.g. a CAST target); None when it is not understood."""
    try:
        tokens, _ = tokenize(text)
        stream = TokenStream(tokens, SourceMap(text))
        problems: list = []
        ctype = TypeParser(stream, user_types, problems).parse()
    except (LexError, SqlProblem):
        return None
    errors = [p for p in problems if not p.warning]
    return ctype if stream.at_end() and not errors else None
