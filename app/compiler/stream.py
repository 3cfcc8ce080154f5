"""A cursor over one statement's tokens with Calcite-style error reporting."""

from __future__ import annotations

from app.compiler.lexer import SourceMap
from app.compiler.lexer import Token
from app.compiler.messages import SqlProblem
from app.compiler.messages import encountered


def canonical(tok: Token) -> tuple[str, bool]:
    """Return (name, case_sensitive): unquoted identifiers fold to lower case."""
    if tok.kind == "qident":
        return tok.value, True
    return tok.value.lower(), False


class TokenStream:
    """Sequential access to a statement's tokens."""

    def __init__(self, tokens: list[Token], source: SourceMap):
        self.tokens = tokens
        self.source = source
        self.pos = 0

    def peek(self, ahead: int = 0) -> Token | None:
        """Return the token `ahead` positions on, or None past the end."""
        i = self.pos + ahead
        return self.tokens[i] if i < len(self.tokens) else None

    def at_end(self) -> bool:
        """Tell whether every token has been consumed."""
        return self.pos >= len(self.tokens)

    def next(self, expected: str = "more input") -> Token:
        """Consume and return the next token; running out is a parse error."""
        tok = self.peek()
        if tok is None:
            raise self.error(None, expected)
        self.pos += 1
        return tok

    def error(self, tok: Token | None, expected: str = "") -> SqlProblem:
        """Build a parse error at `tok` (None: end of statement)."""
        if tok is None and self.tokens:
            # Report end of statement right after its last token, not at the end of the program.
            last = self.tokens[-1]
            line, col = self.source.line_col(last.end - 1)
            text = f'Encountered "<EOF>" at line {line}, column {col}.'
            if expected:
                text += f"\nWas expecting: {expected}"
            return SqlProblem("Error parsing SQL", text, last.start, last.end)
        return encountered(self.source, tok, expected)

    def word(self, *words: str) -> bool:
        """Consume the next token if it is one of the keywords `words`."""
        tok = self.peek()
        if tok is not None and tok.is_word(*words):
            self.pos += 1
            return True
        return False

    def words(self, *sequence: str) -> bool:
        """Consume a keyword sequence such as NOT NULL if it appears next, entirely."""
        for i, word in enumerate(sequence):
            tok = self.peek(i)
            if tok is None or not tok.is_word(word):
                return False
        self.pos += len(sequence)
        return True

    def op(self, *ops: str) -> bool:
        """Consume the next token if it is one of the punctuation tokens `ops`."""
        tok = self.peek()
        if tok is not None and tok.is_op(*ops):
            self.pos += 1
            return True
        return False

    def expect_word(self, word: str) -> Token:
        """Consume the keyword `word` or raise a parse error."""
        tok = self.peek()
        if tok is None or not tok.is_word(word):
            raise self.error(tok, f'"{word}"')
        self.pos += 1
        return tok

    def expect_op(self, op: str) -> Token:
        """Consume the punctuation `op` or raise a parse error."""
        tok = self.peek()
        if tok is None or not tok.is_op(op):
            raise self.error(tok, f'"{op}"')
        self.pos += 1
        return tok

    def identifier(self, what: str = "an identifier") -> Token:
        """Consume a (possibly dotted) identifier and return its last part."""
        tok = self.peek()
        if tok is None or tok.kind not in ("ident", "qident"):
            raise self.error(tok, what)
        self.pos += 1
        while self.op("."):
            tok = self.identifier(what)
        return tok

    def skip_balanced(self) -> None:
        """Consume a parenthesised group starting at the current "(" token."""
        self.expect_op("(")
        depth = 1
        while depth:
            tok = self.peek()
            if tok is None:
                raise self.error(None, '")"')
            self.pos += 1
            if tok.is_op("(", "[", "{"):
                depth += 1
            elif tok.is_op(")", "]", "}"):
                depth -= 1

    def take_expression(self, stop_words: tuple[str, ...]) -> tuple[int, int]:
        """Consume an expression up to a top-level "," / ")" or a stop keyword; return its span."""
        start = self.pos
        depth = 0
        while (tok := self.peek()) is not None:
            if depth == 0 and (
                tok.is_op(",", ")") or (self.pos > start and _stops(self, stop_words))
            ):
                break
            if tok.is_op("(", "[", "{"):
                depth += 1
            elif tok.is_op(")", "]", "}"):
                depth -= 1
            self.pos += 1
        if self.pos == start:
            raise self.error(self.peek(), "an expression")
        return self.tokens[start].start, self.tokens[self.pos - 1].end


def _stops(stream: TokenStream, stop_words: tuple[str, ...]) -> bool:
    """Tell whether the next tokens begin a column attribute ("NOT NULL" counts, "NOT x" not)."""
    tok = stream.peek()
    if tok is None or tok.kind != "ident":
        return False
    word = tok.value.upper()
    if word == "NOT":
        following = stream.peek(1)
        return following is not None and following.is_word("NULL")
    return word in stop_words
