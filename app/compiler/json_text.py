"""A JSON parser that keeps every value's offsets and fails with Jackson's messages.

The compiler reads the `'connectors'` property with Jackson (`readTree`), so malformed JSON
is reported with Jackson's parser text and location. Like `readTree`, text after the first
value is not looked at (the manager's serde_json does look, see `serde_check`).
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import Any

_WHITESPACE = " \t\n\r"
_VALUE_LIST = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
_SOURCE = "[Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled)"
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_KEYWORDS = {"true": True, "false": False, "null": None}


@dataclass
class Key:
    """An object member's name and the offsets of its quoted token."""

    name: str
    start: int
    end: int


@dataclass
class Node:
    """A JSON value: `kind` is object, array, string, number, boolean or null.

    `value` is the Python value for scalars, a list of Nodes for arrays and a list of
    (Key, Node) pairs for objects; `start`/`end` are offsets in the text (end exclusive).
    """

    kind: str
    value: Any
    start: int
    end: int
    text: str = field(default="", repr=False)  # the number's literal text

    def member(self, name: str) -> tuple[Key, Node] | None:
        """Return the last member called `name` of an object (Jackson keeps the last)."""
        found = None
        for key, value in self.value if self.kind == "object" else []:
            if key.name == name:
                found = (key, value)
        return found


class JsonError(Exception):
    """Jackson's parse failure: its original message and the offset it points at."""

    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.message = message
        self.offset = offset


def _describe(ch: str) -> str:
    """Jackson's `_getCharDesc`: printable characters quoted, control characters by code."""
    code = ord(ch)
    if code < 32:
        return f"(CTRL-CHAR, code {code})"
    return f"'{ch}' (code {code})"


def line_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset (Jackson counts characters)."""
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.pos = 0

    def fail(self, message: str, offset: int | None = None) -> JsonError:
        return JsonError(message, self.pos if offset is None else offset)

    def unexpected(self, comment: str) -> JsonError:
        # Jackson has consumed the character it complains about.
        shown = _describe(self.text[self.pos])
        return self.fail(f"Unexpected character ({shown}): {comment}", self.pos + 1)

    def skip_ws(self) -> str | None:
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch in _WHITESPACE:
                self.pos += 1
            elif ord(ch) < 32:
                raise self.fail(
                    f"Illegal character ({_describe(ch)}): only regular white space "
                    "(\\r, \\n, \\t) is allowed between tokens",
                    self.pos + 1,
                )
            else:
                return ch
        return None

    def eof_in(self, container: Node) -> JsonError:
        line, column = line_column(self.text, container.start)
        marker = "Array" if container.kind == "array" else "Object"
        return self.fail(
            f"Unexpected end-of-input: expected close marker for {marker} "
            f"(start marker at {_SOURCE}; line: {line}, column: {column}])"
        )

    def value(self, inside: Node | None) -> Node:
        ch = self.skip_ws()
        if ch is None:
            if inside is not None:
                raise self.eof_in(inside)
            raise self.fail("No content to map due to end-of-input")
        if ch == "{":
            return self.object()
        if ch == "[":
            return self.array()
        if ch == '"':
            start = self.pos
            return Node("string", self.string(), start, self.pos)
        if ch == "-" or ch.isdigit():
            return self.number()
        if ch in "]},":
            raise self.unexpected("expected a value")
        if ch.isalpha() or ch in "_$":
            return self.keyword()
        raise self.unexpected(f"expected a valid value {_VALUE_LIST}")

    def keyword(self) -> Node:
        start = self.pos
        end = start
        while end < len(self.text) and (self.text[end].isalnum() or self.text[end] in "_$"):
            end += 1
        word = self.text[start:end]
        if word in _KEYWORDS:
            self.pos = end
            value = _KEYWORDS[word]
            return Node("null" if value is None else "boolean", value, start, end)
        raise self.fail(f"Unrecognized token '{word}': was expecting {_VALUE_LIST}", end)

    def number(self) -> Node:
        start = self.pos
        text = self.text
        i = start + (text[start] == "-")
        if i >= len(text) or not text[i].isdigit():
            if i >= len(text):
                raise self.fail("Unexpected end-of-input in numeric value", i)
            raise self.fail(
                f"Unexpected character ({_describe(text[i])}) in numeric value: expected digit "
                "(0-9) to follow minus sign, for valid numeric value",
                i + 1,
            )
        if text[i] == "0" and i + 1 < len(text) and text[i + 1].isdigit():
            raise self.fail("Invalid numeric value: Leading zeroes not allowed", i + 2)
        while i < len(text) and text[i].isdigit():
            i += 1
        floating = False
        if i < len(text) and text[i] == ".":
            floating = True
            i += 1
            if i >= len(text) or not text[i].isdigit():
                shown = _describe(text[i]) if i < len(text) else "EOF"
                raise self.fail(
                    f"Unexpected character ({shown}) in numeric value: Decimal point not "
                    "followed by a digit",
                    i + 1,
                )
            while i < len(text) and text[i].isdigit():
                i += 1
        if i < len(text) and text[i] in "eE":
            j = i + 1 + (i + 1 < len(text) and text[i + 1] in "+-")
            if j < len(text) and text[j].isdigit():
                floating = True
                i = j
                while i < len(text) and text[i].isdigit():
                    i += 1
        literal = text[start:i]
        self.pos = i
        value = float(literal) if floating else int(literal)
        return Node("number", value, start, i, literal)

    def string(self) -> str:
        text = self.text
        i = self.pos + 1
        out = []
        while True:
            if i >= len(text):
                raise self.fail(
                    "Unexpected end-of-input: was expecting closing quote for a String value",
                    len(text),
                )
            ch = text[i]
            if ch == '"':
                self.pos = i + 1
                return "".join(out)
            if ch == "\\":
                i += 1
                if i >= len(text):
                    raise self.fail("Unexpected end-of-input in character escape sequence", i)
                esc = text[i]
                if esc == "u":
                    digits = text[i + 1 : i + 5]
                    if len(digits) < 4 or any(c not in "0123456789abcdefABCDEF" for c in digits):
                        raise self.fail(
                            "Unexpected character in character escape sequence: expected a "
                            "hex-digit for character escape sequence",
                            i + 2,
                        )
                    out.append(chr(int(digits, 16)))
                    i += 5
                    continue
                if esc not in _ESCAPES:
                    raise self.fail(f"Unrecognized character escape {_describe(esc)}", i + 1)
                out.append(_ESCAPES[esc])
                i += 1
                continue
            if ord(ch) < 32:
                raise self.fail(
                    f"Illegal unquoted character ({_describe(ch)}): has to be escaped using "
                    "backslash to be included in string value",
                    i + 1,
                )
            out.append(ch)
            i += 1

    def array(self) -> Node:
        node = Node("array", [], self.pos, self.pos)
        self.pos += 1
        ch = self.skip_ws()
        if ch == "]":
            self.pos += 1
            node.end = self.pos
            return node
        while True:
            node.value.append(self.value(node))
            ch = self.skip_ws()
            if ch is None:
                raise self.eof_in(node)
            self.pos += 1
            if ch == "]":
                node.end = self.pos
                return node
            if ch != ",":
                self.pos -= 1
                raise self.unexpected("was expecting comma to separate Array entries")

    def object(self) -> Node:
        node = Node("object", [], self.pos, self.pos)
        self.pos += 1
        ch = self.skip_ws()
        if ch == "}":
            self.pos += 1
            node.end = self.pos
            return node
        while True:
            ch = self.skip_ws()
            if ch is None:
                raise self.eof_in(node)
            if ch != '"':
                raise self.unexpected("was expecting double-quote to start field name")
            key_start = self.pos
            key = Key(self.string(), key_start, self.pos)
            ch = self.skip_ws()
            if ch is None:
                raise self.fail("Unexpected end-of-input within/between Object entries")
            if ch != ":":
                raise self.unexpected("was expecting a colon to separate field name and value")
            self.pos += 1
            node.value.append((key, self.value(node)))
            ch = self.skip_ws()
            if ch is None:
                raise self.eof_in(node)
            self.pos += 1
            if ch == "}":
                node.end = self.pos
                return node
            if ch != ",":
                self.pos -= 1
                raise self.unexpected("was expecting comma to separate Object entries")


def parse_json(text: str) -> Node | None:
    """Parse the first JSON value of `text` (None when there is none); raise JsonError."""
    parser = _Parser(text)
    if parser.skip_ws() is None:
        return None  # readTree gives a MissingNode, which is not an array
    return parser.value(None)


def parse_json_with_end(text: str) -> tuple[Node, int]:
    """Parse the first JSON value and return it with the offset just past it."""
    parser = _Parser(text)
    node = parser.value(None)
    return node, parser.pos
