"""JSON request bodies refused the way upstream's web framework refuses them (crud.md §1.2)."""

import json
import math
import re
from collections.abc import Iterable
from collections.abc import Iterator
from typing import Any

from flask import current_app
from marshmallow import ValidationError
from webargs.flaskparser import FlaskParser

from app.errors import InvalidRequestBody
from app.errors import PayloadTooLarge
from app.serde_text import describe_value
from app.serde_text import serde_position

PREFIX = "Json deserialize error: "
# Python's json error texts mapped to serde_json's wording for the same problem.
SYNTAX_MESSAGES = {
    "Expecting value": "expected value",
    "Expecting property name enclosed in double quotes": "key must be a string",
    "Expecting ':' delimiter": "expected `:`",
    "Extra data": "trailing characters",
    "Invalid control character at": (
        "control character (\\u0000-\\u001F) found while parsing a string"
    ),
    "Invalid \\escape": "invalid escape",
    "Invalid \\uXXXX escape": "invalid escape",
    "Unexpected UTF-8 BOM (decode using utf-8-sig)": "expected value",
}
# serde_json refuses the 128th nested array/object; deeper values would also exhaust Python's
# recursion in later processing.
MAX_DEPTH = 127
EOF_WHAT = {"{": "an object", "[": "a list", '"': "a string", None: "a value"}
# Only a `\uD800`-`\uDFFF` escape can put a lone surrogate into the parsed text.
SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
SURROGATE = re.compile("[\ud800-\udfff]")
# Where the body read once is kept for the rest of the request.
BODY_KEY = "pipeline_store.json_body"
# Strings and structural characters of a JSON text (numbers and literals are skipped).
JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]')


class InvalidBody(Exception):
    """A body serde_json would refuse; `index` is where in the text it gave up."""

    def __init__(self, message: str, index: int):
        super().__init__(message)
        self.message = message
        self.index = index


def is_json_content_type(mimetype: str) -> bool:
    """Whether actix's JSON extractor accepts the media type (`*/json` or `*/*+json`)."""
    subtype = mimetype.partition("/")[2]
    return subtype == "json" or subtype.endswith("+json")


def position(text: str, index: int) -> str:
    """Describe a text offset the way serde_json does (1-based line, byte column of last char)."""
    line, column = serde_position(text, index)
    return f"at line {line} column {column}"


def open_container(text: str, end: int) -> str | None:
    """Return the innermost `{`, `[` or `"` still open at `end`, for EOF messages."""
    stack: list[str] = []
    in_string = escaped = False
    for char in text[:end]:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "{[":
            stack.append(char)
        elif char in "}]" and stack:
            stack.pop()
    if in_string:
        return '"'
    return stack[-1] if stack else None


def syntax_error(text: str, exc: json.JSONDecodeError) -> InvalidBody:
    """Translate Python's JSONDecodeError into serde_json's message."""
    end = len(text.rstrip())
    if exc.msg == "Unterminated string starting at":
        return InvalidBody("EOF while parsing a string", end)
    if exc.pos >= end:
        # After `:` or `,` serde_json wants a value; elsewhere it names the open container.
        innermost = None if text[end - 1] in ":," else open_container(text, end)
        return InvalidBody(f"EOF while parsing {EOF_WHAT[innermost]}", end)
    before = text[: exc.pos].rstrip()
    if text[exc.pos] in "]}" and before.endswith(","):
        return InvalidBody("trailing comma", exc.pos + 1)
    if exc.msg == "Expecting ',' delimiter":
        closer = "}" if open_container(text, exc.pos) == "{" else "]"
        return InvalidBody(f"expected `,` or `{closer}`", exc.pos + 1)
    message = SYNTAX_MESSAGES.get(exc.msg, exc.msg[:1].lower() + exc.msg[1:])
    return InvalidBody(message, exc.pos + 1)


class NonFiniteLiteral(ValueError):
    """A `NaN`/`Infinity` literal, which Python's json accepts and serde_json does not."""


def reject_constant(name: str):
    """serde_json has no NaN/Infinity literals."""
    raise NonFiniteLiteral(name)


def finite_float(literal: str) -> float:
    """Parse a JSON number, refusing what overflows an f64 like serde_json does."""
    value = float(literal)
    if not math.isfinite(value):
        raise ValueError(literal)
    return value


def has_lone_surrogate(value: Any) -> bool:
    """Whether any string or key in the parsed value holds an unpaired UTF-16 surrogate."""
    if isinstance(value, str):
        return SURROGATE.search(value) is not None
    if isinstance(value, list):
        return any(has_lone_surrogate(item) for item in value)
    if isinstance(value, dict):
        return any(has_lone_surrogate(k) or has_lone_surrogate(v) for k, v in value.items())
    return False


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether arrays/objects nest deeper than `limit` (iteratively: no recursion limit)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


def parse_json_text(data: bytes) -> tuple[Any, str]:
    """Parse a body as serde_json would; return (value, text) or raise InvalidBody."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        prefix = data[: exc.start].decode("utf-8")
        raise InvalidBody("invalid unicode code point", len(prefix) + 1) from None
    if not text.strip():
        raise InvalidBody("EOF while parsing a value", len(text))
    try:
        value = json.loads(text, parse_constant=reject_constant, parse_float=finite_float)
    except json.JSONDecodeError as exc:
        raise syntax_error(text, exc) from None
    except ValueError as exc:
        # A NaN/Infinity literal, or a number too large (float overflow, or an integer past
        # Python's digit limit); report where the literal starts when it can be found.
        found = text.find(str(exc))
        message = "expected value" if isinstance(exc, NonFiniteLiteral) else "number out of range"
        raise InvalidBody(message, max(found, 0) + 1) from None
    except RecursionError:
        raise InvalidBody("recursion limit exceeded", len(text.rstrip())) from None
    if isinstance(value, dict | list) and too_deep(value):
        raise InvalidBody("recursion limit exceeded", len(text.rstrip()))
    if SURROGATE_ESCAPE.search(text) and has_lone_surrogate(value):
        raise InvalidBody("lone leading surrogate in hex escape", len(text.rstrip()))
    return value, text


def read_body(req, limit: int) -> bytes:
    """Read at most `limit` bytes of the body; a longer one (say, chunked) is PayloadTooLarge."""
    if BODY_KEY not in req.environ:
        chunks, size = [], 0
        while size <= limit:
            chunk = req.stream.read(limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(message=f"JSON payload has exceeded limit ({limit} bytes).")
        req.environ[BODY_KEY] = b"".join(chunks)
    return req.environ[BODY_KEY]


def top_level_keys(text: str) -> Iterator[tuple[str, int]]:
    """Yield each key of the outermost object with the index just past its closing quote."""
    depth = 0
    expecting_key = False
    for token in JSON_TOKEN.finditer(text):
        char = token.group()[0]
        if char == '"':
            if depth == 1 and expecting_key:
                yield json.loads(token.group()), token.end()
            expecting_key = False
        elif char in "{[":
            depth += 1
            expecting_key = depth == 1 and char == "{"
        elif char in "}]":
            depth -= 1
        elif depth == 1:
            expecting_key = char == ","


def check_duplicate_fields(text: str, fields: Iterable[str]) -> None:
    """Refuse a struct field given twice, as serde's derived structs do (other keys may repeat)."""
    # Cheap test first: a field that appears once in the text cannot be a duplicate key.
    candidates = {name for name in fields if text.count(f'"{name}"') > 1}
    if not candidates:
        return
    seen = set()
    for key, end in top_level_keys(text):
        if key in candidates:
            if key in seen:
                raise InvalidBody(f"duplicate field `{key}`", end)
            seen.add(key)


def first_field_error(messages: dict, data: dict) -> str:
    """Pick the error serde would report: the first bad present key, else a missing field."""
    ordered = [key for key in data if key in messages]
    ordered += [key for key in messages if key not in ordered]
    found: Any = messages[ordered[0]]
    while isinstance(found, dict):
        found = next(iter(found.values()))
    return found[0] if isinstance(found, list) else str(found)


class JsonBodyParser(FlaskParser):
    """Every route's arguments: upstream's 400 (not 422), and `json` loaded strictly.

    A body is checked for content type, size, syntax and an object at the top, with the
    messages of upstream's framework (crud.md §1.2).
    """

    DEFAULT_VALIDATION_STATUS = 400

    def load_json(self, req, schema):
        """Return the body as a dict, or raise the envelope of upstream's framework error."""
        if not is_json_content_type(req.mimetype):
            raise InvalidRequestBody(message="Content type error")
        limit = current_app.config["MAX_BODY_BYTES"]
        if req.content_length is not None and req.content_length > limit:
            raise PayloadTooLarge(
                message=f"JSON payload ({req.content_length} bytes) is larger than allowed "
                f"(limit: {limit} bytes)."
            )
        data = read_body(req, limit)
        try:
            value, text = parse_json_text(data)
            if isinstance(value, dict):
                check_duplicate_fields(text, schema.fields)
        except InvalidBody as exc:
            text = data.decode("utf-8", "replace")
            raise InvalidRequestBody(
                message=f"{PREFIX}{exc.message} {position(text, exc.index)}"
            ) from None
        if not isinstance(value, dict):
            struct = type(schema).__name__.removesuffix("Schema")
            raise InvalidRequestBody(
                message=f"{PREFIX}invalid type: {describe_value(value)}, expected struct {struct} "
                + position(text, len(text.rstrip()))
            )
        return value

    def handle_error(self, error: ValidationError, req, schema, **kwargs):
        """Report a body's first field error at the end of the object, like serde_json."""
        if "json" not in error.messages:
            super().handle_error(error, req, schema, **kwargs)
        # The body already parsed in load_json, so this cannot fail.
        text = req.environ[BODY_KEY].decode("utf-8")
        data = json.loads(text)
        raise InvalidRequestBody(
            message=f"{PREFIX}{first_field_error(error.messages['json'], data)} "
            + position(text, len(text.rstrip()))
        )
