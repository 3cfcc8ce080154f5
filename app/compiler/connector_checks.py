"""The compiler's own checks of a `'connectors'` property (spec §1.8, §1.9).

Malformed JSON, a non-array, a non-string or repeated connector name stop compilation;
a missing name and unknown transport, format or config names are warnings. Positions
inside the JSON are mapped onto the SQL source the way upstream does: JSON line 1,
column 1 is the character after the literal's opening quote.
"""

from __future__ import annotations

from app.compiler.connector_types import FORMATS
from app.compiler.connector_types import KNOWN_CONFIG_FIELDS
from app.compiler.connector_types import TRANSPORTS
from app.compiler.json_text import JsonError
from app.compiler.json_text import Node
from app.compiler.json_text import line_column
from app.compiler.json_text import parse_json
from app.compiler.lexer import SourceMap
from app.compiler.messages import COMPILATION_ERROR
from app.compiler.messages import SqlProblem
from app.compiler.parser import Property

UNNAMED = "Unnamed connector"
UNKNOWN_FORMAT = "Unknown format"
INVALID_CONNECTOR = "Invalid connector"
INVALID_CONFIGURATION = "Invalid configuration"


class _Located:
    """Turns offsets inside the property's JSON text into one-character SQL ranges."""

    def __init__(self, source: SourceMap, prop: Property):
        self.source = source
        self.prop = prop

    def point(self, json_offset: int) -> tuple[int, int]:
        line, column = line_column(self.prop.value, json_offset)
        start_line, start_column = self.source.line_col(self.prop.value_start)
        sql_line = start_line + line - 1
        sql_column = start_column + column if line == 1 else column
        sql_line = min(sql_line, self.source.line_count)
        offset = self.source.line_starts[sql_line - 1] + sql_column - 1
        offset = min(offset, len(self.source.text) - 1)
        return offset, offset + 1

    def error(self, text: str, json_offset: int) -> SqlProblem:
        return SqlProblem(COMPILATION_ERROR, text, *self.point(json_offset))

    def warning(self, kind: str, text: str, json_offset: int) -> SqlProblem:
        return SqlProblem(kind, text, *self.point(json_offset), warning=True)


def check_connectors(
    source: SourceMap, prop: Property, kind: str, relation: str
) -> list[SqlProblem]:
    """Return the warnings about one relation's connectors; raise the error that stops."""
    at = _Located(source, prop)
    try:
        declared = parse_json(prop.value)
    except JsonError as err:
        raise at.error(f"'connectors' is not legal JSON: {err.message}", err.offset) from None
    if declared is None or declared.kind != "array":
        text = "Expected an array value for 'connectors'"
        raise SqlProblem(COMPILATION_ERROR, text, prop.value_start, prop.value_end)
    warnings: list[SqlProblem] = []
    names: set[str] = set()
    direction = "input" if kind == "table" else "output"
    for number, element in enumerate(declared.value, start=1):
        named = element.member("name") if element.kind == "object" else None
        if named is None:
            text = (
                f"Connector nr. {number} for {kind} '{relation}' does not have a name.\n"
                'It is recommended to name all connectors using the "name" property; '
                "names will be required in the future."
            )
            warnings.append(at.warning(UNNAMED, text, element.start))
        elif named[1].kind != "string":
            text = 'Expected a string value for the connector "name" property'
            raise at.error(text, named[1].start)
        elif named[1].value in names:
            text = (
                f"Two connectors for the same {kind} '{relation}' cannot have the same name: "
                f"'{named[1].value}'"
            )
            raise at.error(text, named[1].start)
        else:
            names.add(named[1].value)
        if element.kind == "object":
            warnings.extend(_format(at, element))
            warnings.extend(_transport(at, element, direction))
    return warnings


def _named_object(at: _Located, element: Node, what: str) -> tuple[Node | None, list]:
    """The object under `what` and the warnings about its shape (None: nothing more to check)."""
    found = element.member(what)
    if found is None or found[1].kind == "null":
        return None, []
    key, value = found
    if value.kind != "object":
        text = f'"{what}" must be a JSON object'
        return None, [at.warning(INVALID_CONNECTOR, text, key.start)]
    if value.member("name") is None:
        text = f'"{what}" must have a "name" field'
        return None, [at.warning(INVALID_CONNECTOR, text, key.start)]
    return value, []


def _format(at: _Located, element: Node) -> list[SqlProblem]:
    value, warnings = _named_object(at, element, "format")
    if value is None:
        return warnings
    _, name = value.member("name")
    if name.kind == "string" and name.value not in FORMATS:
        text = f'"format.name" "{name.value}" is not known'
        return [at.warning(UNKNOWN_FORMAT, text, name.start)]
    return []


def _transport(at: _Located, element: Node, direction: str) -> list[SqlProblem]:
    value, warnings = _named_object(at, element, "transport")
    if value is None:
        return warnings
    _, name = value.member("name")
    if name.kind != "string":
        return []
    known = name.value in TRANSPORTS and TRANSPORTS[name.value][0] == direction
    if not known:
        text = f'"transport.name" "{name.value}" is not known'
        warnings.append(at.warning(UNKNOWN_FORMAT, text, name.start))
    config = value.member("config")
    if config is None:
        return warnings
    key, body = config
    if body.kind != "object":
        text = '"transport.config" must be a JSON object'
        return [*warnings, at.warning(INVALID_CONNECTOR, text, key.start)]
    allowed = KNOWN_CONFIG_FIELDS.get(name.value) if known else None
    for field_key, _ in body.value if allowed is not None else []:
        if field_key.name not in allowed:
            text = f'unknown field "{field_key.name}"'
            warnings.append(at.warning(INVALID_CONFIGURATION, text, field_key.start))
    return warnings
