"""The manager's connector generation: the program's connectors, or a ConnectorGenerationError.

It runs only after the compiler succeeded (so the property is an array of valid JSON). Each
relation's property is read by serde into ConnectorConfigs, then every connector gets the
endpoint name `<relation>.<name>` (`unnamed-<i>` when it has none, i counting from 0).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.compiler.connector_types import CONNECTOR
from app.compiler.connector_types import direction
from app.compiler.json_text import parse_json_with_end
from app.compiler.serde_check import Seq
from app.compiler.serde_check import SerdeError
from app.serde_text import serde_position

_CONNECTORS = Seq(CONNECTOR)


class ConnectorError(Exception):
    """A `'connectors'` property the manager cannot turn into connector configs."""

    def __init__(self, message: str, relation: Relation):
        super().__init__(message)
        self.relation = relation


@dataclass
class Relation:
    """A table or view with a `'connectors'` property."""

    name: str  # canonical
    sql_name: str  # as the manager prints it: bare lower-case, or "Quoted"
    value: str  # the property's text
    is_input: bool
    span: tuple[int, int] | None = None  # the property value's offsets in the program


def sql_name(name: str, case_sensitive: bool) -> str:
    """The relation name as upstream prints it (quoted when case-sensitive)."""
    return f'"{name}"' if case_sensitive else name


def _deserialize(relation: Relation) -> list[tuple[dict, str | None]]:
    """serde_json::from_str of the whole property: [(config, name)]."""
    text = relation.value
    try:
        node, end = parse_json_with_end(text)
        rest = len(text) - len(text[end:].lstrip(" \t\n\r"))
        if rest < len(text):
            # serde_json, unlike Jackson's readTree, refuses anything after the value.
            raise SerdeError("trailing characters", rest + 1)
        configs = _CONNECTORS.check(node)
    except SerdeError as err:
        line, column = serde_position(text, err.offset)
        raise ConnectorError(
            f"relation '{relation.sql_name}': property 'connectors' has value '{text}' which "
            f"is invalid: deserialization failed: {err.message} at line {line} column "
            f"{column} (position is within the string itself)",
            relation,
        ) from None
    names = []
    for element in node.value:
        found = element.member("name")
        names.append(found[1].value if found is not None else None)
    return list(zip(configs, names, strict=True))


def generate(relations: list[Relation]) -> tuple[dict, dict]:
    """Return (input_connectors, output_connectors); raise ConnectorError."""
    inputs: dict[str, dict] = {}
    outputs: dict[str, dict] = {}
    for relation in relations:
        target = inputs if relation.is_input else outputs
        for i, (config, name) in enumerate(_deserialize(relation)):
            actual = direction(config["transport"]["name"])
            wanted = "input" if relation.is_input else "output"
            if actual != wanted:
                shown = name if name is not None else "<unnamed>"
                raise ConnectorError(
                    f"relation '{relation.sql_name}': expected an {wanted} variant but got an "
                    f"{actual} variant for connector '{shown}'",
                    relation,
                )
            key = f"{relation.name}.{name if name is not None else f'unnamed-{i}'}"
            if key in target:
                raise ConnectorError(
                    f"relation '{relation.sql_name}': encountered collision when using "
                    f"{{relation}}.{{connector_name}} as unique name: '{key}' is not unique",
                    relation,
                )
            target[key] = {"stream": relation.sql_name, **config}
    return inputs, outputs
