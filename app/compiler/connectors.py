"""Input/output connector configs derived from the `'connectors'` WITH property."""

from __future__ import annotations

import json

# Serialized defaults of upstream's ConnectorConfig, in its field order.
_DEFAULTS = {
    "format": None,
    "index": None,
    "enable_output_buffer": False,
    "max_output_buffer_time_millis": 18446744073709551615,
    "max_output_buffer_size_records": 10000000,
    "max_queued_records": 1000000,
    "paused": False,
    "labels": [],
    "start_after": None,
}
# Transports whose name does not end in _input/_output.
_INPUT_ONLY = ("datagen", "nexmark")


class ConnectorError(Exception):
    """A `'connectors'` property that cannot be turned into connector configs."""


def _direction(transport: str) -> str | None:
    if transport.endswith("_input") or transport in _INPUT_ONLY:
        return "input"
    if transport.endswith("_output"):
        return "output"
    return None


def connectors_for(name: str, written: str, value: str, direction: str) -> dict[str, dict]:
    """Return `{"<relation>.<connector>": config}` for one relation; raise ConnectorError."""
    kind = "table" if direction == "input" else "view"
    try:
        declared = json.loads(value)
    except json.JSONDecodeError as err:
        raise ConnectorError(f"Invalid JSON in 'connectors' of {kind} '{name}': {err}") from None
    if not isinstance(declared, list):
        raise ConnectorError(f"'connectors' of {kind} '{name}' must be a JSON array of objects")
    result: dict[str, dict] = {}
    for i, item in enumerate(declared):
        if not isinstance(item, dict):
            raise ConnectorError(f"Connector {i} of {kind} '{name}' is not a JSON object")
        label = item.get("name", f"unnamed-{i}")
        if not isinstance(label, str):
            raise ConnectorError(f"Connector {i} of {kind} '{name}' has a non-string name")
        transport = item.get("transport")
        if not isinstance(transport, dict) or not isinstance(transport.get("name"), str):
            raise ConnectorError(
                f"Connector '{label}' of {kind} '{name}': missing field `transport` "
                "(an object with a `name`)"
            )
        actual = _direction(transport["name"])
        if actual is not None and actual != direction:
            raise ConnectorError(
                f"Connector '{label}' of {kind} '{name}' uses {actual} transport "
                f"'{transport['name']}', but a {kind} needs an {direction} transport"
            )
        key = f"{name}.{label}"
        if key in result:
            raise ConnectorError(f"Duplicate connector name '{label}' in {kind} '{name}'")
        config = {k: v for k, v in item.items() if k != "name"}
        result[key] = {"stream": written, "transport": transport, **_DEFAULTS, **config}
    return result
