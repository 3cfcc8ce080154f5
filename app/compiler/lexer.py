"""Position-tracking SQL lexer and statement splitter for the simulated compiler."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

# Longest operators first so that "<=" is not lexed as "<" then "=".
_OPERATORS = ("<>", "<=", ">=", "!=", "||", "::", "=>", "->")
_SINGLE = "()[]{},;.+-*/%<>=:?|^&~!@$#"


@dataclass(frozen=True)
class Token:
    """One lexical token; `start`/`end` are character offsets (end exclusive)."""

    kind: str  # "ident", "qident", "string", "number", "op"
    text: str  # the raw source text
    value: str  # identifier / string content without quotes
    start: int
    end: int

    def is_word(self, *words: str) -> bool:
        """Tell whether this is an unquoted identifier equal (ignoring case) to one of `words`."""
        return self.kind == "ident" and self.value.upper() in words

    def is_op(self, *ops: str) -> bool:
        """Tell whether this is one of the punctuation tokens `ops`."""
        return self.kind == "op" and self.text in ops


@dataclass(frozen=True)
class Comment:
    """A `--` line comment (text without the newline)."""

    text: str
    start: int
    end: int


class LexError(Exception):
    """Raised for an unterminated string, quoted identifier or block comment."""

    def __init__(self, message: str, start: int, end: int):
        super().__init__(message)
        self.message = message
        self.start = start
        self.end = end
        self.comments: list[Comment] = []  # comments seen before the error


class SourceMap:
    """Translate character offsets into 1-based line and column numbers."""

    def __init__(self, text: str):
        self.text = text
        self.line_starts = [0]
        for i, ch in enumerate(text):
            if ch == "\n":
                self.line_starts.append(i + 1)

    def line_col(self, offset: int) -> tuple[int, int]:
        """Return the 1-based (line, column) of a character offset."""
        line = bisect.bisect_right(self.line_starts, offset) - 1
        return line + 1, offset - self.line_starts[line] + 1

    def span(self, start: int, end: int) -> dict:
        """Return a SourcePosition dict for the characters [start, end) (end column inclusive)."""
        start_line, start_col = self.line_col(start)
        end_line, end_col = self.line_col(max(start, end - 1))
        return {
            "start_line_number": start_line,
            "start_column": start_col,
            "end_line_number": end_line,
            "end_column": end_col,
        }

    def line_text(self, line: int) -> str:
        """Return the text of a 1-based line without its newline."""
        begin = self.line_starts[line - 1]
        stop = self.line_starts[line] - 1 if line < len(self.line_starts) else len(self.text)
        return self.text[begin:stop]

    @property
    def line_count(self) -> int:
        """Number of lines in the source."""
        return len(self.line_starts)


def _quoted(text: str, i: int, quote: str) -> int:
    """Return the offset just past a quoted run starting at `i`; doubled quotes escape."""
    j = i + 1
    while j < len(text):
        if text[j] == quote:
            if j + 1 < len(text) and text[j + 1] == quote:
                j += 2
                continue
            return j + 1
        j += 1
    what = "string literal" if quote == "'" else "quoted identifier"
    raise LexError(f"Lexical error: unterminated {what}", i, len(text))


def tokenize(text: str) -> tuple[list[Token], list[Comment]]:
    """Split SQL text into tokens and line comments; raise LexError on unterminated input."""
    tokens: list[Token] = []
    comments: list[Comment] = []
    try:
        _scan(text, tokens, comments)
    except LexError as err:
        err.comments = comments
        raise
    return tokens, comments


def _scan(text: str, tokens: list[Token], comments: list[Comment]) -> None:
    """Append the tokens and comments of `text` to the given lists."""
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif text.startswith("--", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            comments.append(Comment(text[i:j].rstrip("\r"), i, j))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                raise LexError("Lexical error: unterminated comment", i, n)
            i = j + 2
        elif ch in "'\"`":
            j = _quoted(text, i, ch)
            raw = text[i:j]
            value = raw[1:-1].replace(ch * 2, ch)
            tokens.append(Token("string" if ch == "'" else "qident", raw, value, i, j))
            i = j
        elif ch.isdigit() or (ch == "." and i + 1 < n and text[i + 1].isdigit()):
            j = i
            while j < n and (text[j].isdigit() or text[j] == "."):
                j += 1
            if j < n and text[j] in "eE":
                k = j + 1 + (j + 1 < n and text[j + 1] in "+-")
                if k < n and text[k].isdigit():
                    j = k
                    while j < n and text[j].isdigit():
                        j += 1
            tokens.append(Token("number", text[i:j], text[i:j], i, j))
            i = j
        elif ch.isalpha() or ch == "_":
            j = i
            while j < n and (text[j].isalnum() or text[j] in "_$"):
                j += 1
            tokens.append(Token("ident", text[i:j], text[i:j], i, j))
            i = j
        else:
            op = next((o for o in _OPERATORS if text.startswith(o, i)), ch)
            if op not in _OPERATORS and op not in _SINGLE:
                raise LexError(f'Lexical error: unexpected character "{ch}"', i, i + 1)
            tokens.append(Token("op", op, op, i, i + len(op)))
            i += len(op)


def split_statements(tokens: list[Token]) -> list[list[Token]]:
    """Split a token list on top-level semicolons, dropping empty statements."""
    statements: list[list[Token]] = []
    current: list[Token] = []
    depth = 0
    for tok in tokens:
        if tok.is_op("(", "[", "{"):
            depth += 1
        elif tok.is_op(")", "]", "}"):
            depth = max(0, depth - 1)
        if tok.is_op(";") and depth == 0:
            if current:
                statements.append(current)
            current = []
            continue
        current.append(tok)
    if current:
        statements.append(current)
    return statements
