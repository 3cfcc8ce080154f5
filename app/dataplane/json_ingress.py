"""Decode a `format=json` ingress body into ordered changes and parse errors (spec §2.2)."""

from __future__ import annotations

import json
import re
from decimal import Decimal

from app.dataplane.changes import DELETE
from app.dataplane.changes import INSERT
from app.dataplane.changes import UPDATE
from app.dataplane.changes import Change
from app.dataplane.ingress_config import IngressConfig
from app.dataplane.parse_errors import ENVELOPE_TAG
from app.dataplane.parse_errors import EVENT_TAG
from app.dataplane.parse_errors import ErrorLog
from app.dataplane.parse_errors import ParseError
from app.dataplane.relations import Relation
from app.dataplane.rows import RowDecoder
from app.dataplane.rows import RowError
from app.serde_text import describe_value

_NON_SPACE = re.compile(r"[^ \t\r\n]")
_ENVELOPE_KEYS = ("table", "insert", "delete", "update")
_DEBEZIUM_EXAMPLE = """{{"payload": {{"op": "u", "before": {{...}}, "after": {{...}} }} }}"""
_SINGLE = {
    "raw": ("failed to parse JSON string", None),
    "insert_delete": (
        "error deserializing JSON string as a single-row update",
        """Example valid JSON: '{{"insert": {{...}} }}'""",
    ),
    "debezium": (
        "error deserializing JSON string as a Debezium CDC event",
        f"Example valid JSON: '{_DEBEZIUM_EXAMPLE}'",
    ),
}
_ARRAY = {
    "raw": ("error deserializing string as a JSON array", None),
    "insert_delete": (
        "error deserializing string as a JSON array of updates",
        """Example valid JSON: '[{{"insert": {{...}} }}, {{"delete": {{...}} }}]'""",
    ),
    "debezium": (
        "error deserializing string as a JSON array of Debezium CDC events",
        f"Example valid JSON: '[{_DEBEZIUM_EXAMPLE}]'",
    ),
}
# Python's JSONDecodeError wording → serde_json's.
_SERDE_WORDING = (
    ("Expecting value", "expected value"),
    ("Expecting property name enclosed in double quotes", "key must be a string"),
    ("Expecting ',' delimiter", "expected `,` or `]`"),
    ("Expecting ':' delimiter", "expected `:`"),
    ("Unterminated string starting at", "EOF while parsing a string"),
    ("Invalid control character at", "control character (\\u0000-\\u001F) found while parsing"),
    ("Invalid \\escape", "invalid escape"),
)


def _plain_number(value: object) -> object:
    """json.dumps fallback: a Decimal as a JSON number, anything else as its text."""
    if isinstance(value, Decimal):
        return (
            int(value)
            if value == value.to_integral_value() and "." not in str(value)
            else float(value)
        )
    return str(value)


class _EventError(Exception):
    """An event that cannot be applied; carries the ParseError to report."""

    def __init__(self, error: ParseError):
        super().__init__(error.description)
        self.error = error


def _serde_message(err: Exception) -> str:
    if isinstance(err, RecursionError):
        return "recursion limit exceeded"
    if not isinstance(err, json.JSONDecodeError):
        return "number out of range"
    text = err.msg
    for python, serde in _SERDE_WORDING:
        if text.startswith(python):
            text = serde
            break
    return f"{text} at line {err.lineno} column {err.colno}"


def _has_decimal(ctype: dict) -> bool:
    if ctype.get("type") == "DECIMAL":
        return True
    nested = [ctype.get(k) for k in ("component", "key", "value") if ctype.get(k)]
    nested += ctype.get("fields") or []
    return any(_has_decimal(n) for n in nested)


class JsonIngress:
    """Decodes JSON bodies for one table and one parser configuration."""

    def __init__(self, table: Relation, config: IngressConfig):
        self.table = table
        self.config = config
        self.rows = RowDecoder(table, config.json_flavor)
        # Exact decimals need exact parsing; plain floats are faster when nothing needs it.
        exact = any(_has_decimal(c.ctype) for c in table.columns)
        decoder = json.JSONDecoder(parse_float=Decimal) if exact else json.JSONDecoder()
        self._raw_decode = decoder.raw_decode
        self._event_number = 0

    def decode(self, text: str, changes: list[Change], log: ErrorLog) -> int:
        """Append the body's changes and errors; return the number of events accepted."""
        chunks = text.split("\n") if self.config.lines == "single" else [text]
        accepted = 0
        for chunk in chunks:
            accepted += self._chunk(chunk, changes, log)
        return accepted

    def _chunk(self, chunk: str, changes: list[Change], log: ErrorLog) -> int:
        accepted, pos = 0, 0
        pending: list[tuple[object, str]] = []  # raw rows, decoded together at the end
        while (match := _NON_SPACE.search(chunk, pos)) is not None:
            start = match.start()
            try:
                value, pos = self._raw_decode(chunk, start)
            except (ValueError, RecursionError) as err:
                # JSONDecodeError, or Python's own limits (nesting depth, digits in an int).
                accepted += self._events(pending, changes, log)
                pending = []
                description = f"failed to parse string as a JSON document: {_serde_message(err)}"
                log.add(ParseError(description, invalid_text=chunk[start:], tag=ENVELOPE_TAG))
                break  # the rest of this chunk is not parsed
            if self.config.array:
                accepted += self._array(value, chunk[start:pos], changes, log)
            else:
                pending.append((value, chunk[start:pos]))
        return accepted + self._events(pending, changes, log)

    def _events(self, pending: list, changes: list[Change], log: ErrorLog) -> int:
        """Decode top-level events in order; plain raw rows all at once when they allow it."""
        if self.config.update_format == "raw" and len(pending) > 1:
            rows = self.rows.rows_bulk([value for value, _ in pending])
            if rows is not None:
                self._event_number += len(rows)
                changes.extend([(INSERT, row) for row in rows])
                return len(rows)
        accepted = 0
        for value, text in pending:
            try:
                changes.extend(self._event(value, text))
                accepted += 1
            except _EventError as err:
                log.add(err.error)
        return accepted

    def _array(self, value: object, text: str, changes: list[Change], log: ErrorLog) -> int:
        """One top-level array: all of its events, or none if any of them fails."""
        description, suggestion = _ARRAY[self.config.update_format]
        problem = None
        if not isinstance(value, list):
            problem = f"invalid type: {describe_value(value)}, expected a sequence"
        elif self.config.update_format != "raw":
            problem = next(filter(None, (self._envelope_problem(v) for v in value)), None)
        if problem is not None:
            error = ParseError(
                f"{description}: {problem}",
                invalid_text=text,
                suggestion=suggestion,
                tag=ENVELOPE_TAG,
            )
            log.add(error)
            return 0
        if self.config.update_format == "raw":
            rows = self.rows.rows_bulk(value)
            if rows is not None:
                self._event_number += len(rows)
                changes.extend([(INSERT, row) for row in rows])
                return len(rows)
        pending: list[Change] = []
        failed = False
        for element in value:
            try:
                pending.extend(self._event(element, None))
            except _EventError as err:
                log.add(err.error)
                failed = True
        if failed:
            return 0
        changes.extend(pending)
        return len(value)

    def _envelope_problem(self, value: object) -> str | None:
        """Return serde's complaint about an insert_delete/debezium envelope, if any."""
        if not isinstance(value, dict):
            return f"invalid type: {describe_value(value)}, expected a map"
        if self.config.update_format == "insert_delete":
            allowed = _ENVELOPE_KEYS
        else:
            allowed = ("payload",)
            payload = value.get("payload")
            if not isinstance(payload, dict):
                return (
                    "missing field `payload`"
                    if payload is None
                    else (f"invalid type: {describe_value(payload)}, expected a map")
                )
        unknown = next((k for k in value if k not in allowed), None)
        if unknown is not None:
            expected = ", ".join(f"`{k}`" for k in allowed)
            return f"unknown field `{unknown}`, expected one of {expected}"
        return None

    def _event(self, value: object, text: str | None) -> list[Change]:
        """Decode one event (a row or an envelope) into its changes; raise _EventError."""
        self._event_number += 1
        if self.config.update_format == "raw":
            if not isinstance(value, (dict, list)):
                description = f"{_SINGLE['raw'][0]}: invalid type: {describe_value(value)}"
                raise self._error(description + ", expected a map or a sequence", value, text)
            return [(INSERT, self._decode(self.rows.row, value, text))]
        problem = self._envelope_problem(value)
        if problem is not None:
            description, suggestion = _SINGLE[self.config.update_format]
            raise self._error(f"{description}: {problem}", value, text, suggestion)
        if self.config.update_format == "debezium":
            payload = value["payload"]
            ops = [(DELETE, payload.get("before")), (INSERT, payload.get("after"))]
        else:
            ops = [(DELETE, value.get("delete")), (INSERT, value.get("insert"))]
            ops.append((UPDATE, value.get("update")))
        return [self._change(op, row) for op, row in ops if row is not None]

    def _change(self, op: int, row: object) -> Change:
        if op == INSERT:
            return op, self._decode(self.rows.row, row)
        if not self.table.primary_key:
            if op == DELETE:
                return op, self._decode(self.rows.row, row)
            raise self._error(
                "failed to deserialize JSON record: "
                f"'update' requires a primary key, and table '{self.table.name}' has none",
                row,
            )
        decode = self.rows.key_row if op == DELETE else self.rows.partial_row
        return op, self._decode(decode, row)

    def _decode(self, decode, row: object, text: str | None = None) -> tuple:
        try:
            return decode(row)
        except RowError as err:
            description = f"failed to deserialize JSON record: {err.description}"
            raise self._error(description, row, text, field=err.field) from None

    def _error(
        self,
        description: str,
        value: object,
        text: str | None = None,
        suggestion: str | None = None,
        field: str | None = None,
    ) -> _EventError:
        if text is None:
            # Numbers were parsed as Decimal: show them as numbers again, not strings.
            text = json.dumps(value, ensure_ascii=False, default=_plain_number)
        error = ParseError(
            description,
            event_number=self._event_number,
            field=field,
            invalid_text=text,
            suggestion=suggestion,
            tag=EVENT_TAG,
        )
        return _EventError(error)
