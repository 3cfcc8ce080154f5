"""ConfigError and the serde-like check combinators the config field specs are built from."""

import copy
import json
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

from app import errors
from app.serde_text import describe_value
from app.serde_text import one_of

# A check takes one submitted JSON value and returns its normalized form or raises ConfigError.
Check = Callable[[Any], Any]
Field = tuple[str, Check, Any]
# (new_name, old_name, convert): a newer spelling whose value `convert` turns into the old form.
Rename = tuple[str, str, Check]

# The error each config field is refused with (crud.md §4.5).
CONFIG_ERRORS = {
    "runtime_config": errors.InvalidRuntimeConfig,
    "program_config": errors.InvalidProgramConfig,
}

# Marks a struct field without a default: serde reports it as a missing field.
REQUIRED = object()

_REASON_PREFIX = {
    "DeserializationFailed": "could not deserialize due to: ",
    "EnterpriseFeature": "enterprise feature: ",
    "InvalidPipelineEnv": "invalid pipeline environment: ",
}


class ConfigError(Exception):
    """A runtime_config/program_config that upstream would refuse."""

    def __init__(self, kind: str, text: str) -> None:
        self.kind = kind
        self.text = text
        self.reason = _REASON_PREFIX[kind] + text
        super().__init__(self.reason)


def config_error(field: str, value: Any, err: ConfigError) -> errors.ApiError:
    """Return InvalidRuntimeConfig / InvalidProgramConfig for the value as submitted."""
    return CONFIG_ERRORS[field](
        field=field,
        pretty=json.dumps(value, indent=2, ensure_ascii=False),
        reason=err.reason,
        value=value,
        error={err.kind: err.text},
    )


def config_error_message(field: str, value: Any, err: ConfigError) -> str:
    """Return upstream's message for an invalid `field` whose submitted JSON was `value`."""
    return config_error(field, value, err).message


def fail(text: str) -> ConfigError:
    """A DeserializationFailed error with serde's `text`."""
    return ConfigError("DeserializationFailed", text)


def invalid_type(value: Any, expected: str, problem: str = "type") -> ConfigError:
    """serde's `invalid type` (or `invalid value`) error for `value`."""
    return fail(f"invalid {problem}: {describe_value(value)}, expected {expected}")


def _uint(name: str, bits: int) -> Check:
    limit = (1 << bits) - 1

    def check(value: Any) -> int:
        # bool is an int in Python but never in JSON/serde.
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid_type(value, name)
        if not 0 <= value <= limit:
            raise invalid_type(value, name, "value")
        return value

    return check


U16 = _uint("u16", 16)
U32 = _uint("u32", 32)
U64 = _uint("u64", 64)
USIZE = _uint("usize", 64)


def f64(value: Any) -> float:
    """Check a JSON number as an f64."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid_type(value, "f64")
    # serde stores an f64, so an integer input comes back as `2.0`.
    return float(value)


def _scalar(kind: type, expected: str) -> Check:
    def check(value: Any) -> Any:
        if not isinstance(value, kind):
            raise invalid_type(value, expected)
        return value

    return check


bool_ = _scalar(bool, "a boolean")
str_ = _scalar(str, "a string")


def any_(value: Any) -> Any:
    """Accept any JSON value, as a copy."""
    return copy.deepcopy(value)


def optional(check: Check) -> Check:
    """Allow null besides what `check` accepts."""
    return lambda value: None if value is None else check(value)


def enum(*names: str) -> Check:
    """Check a unit-variant enum given as one of the string `names`."""

    def check(value: Any) -> str:
        if str_(value) not in names:
            raise fail(f"unknown variant `{value}`, expected {one_of(names)}")
        return value

    return check


def seq(item: Check) -> Check:
    """Check a JSON array whose elements `item` accepts."""

    def check(value: Any) -> list:
        if not isinstance(value, list):
            raise invalid_type(value, "a sequence")
        return [item(element) for element in value]

    return check


def map_(item: Check) -> Check:
    """Check a JSON object whose values `item` accepts; keys come back sorted."""

    def check(value: Any) -> dict:
        if not isinstance(value, dict):
            raise invalid_type(value, "a map")
        # Upstream maps are BTreeMaps, so they serialize sorted by key.
        return {key: item(value[key]) for key in sorted(value)}

    return check


def struct(
    name: str,
    fields: Iterable[Field],
    *,
    extras: Check | None = None,
    skip_none: bool = False,
    renames: Iterable[Rename] = (),
) -> Check:
    """Build a check for a `#[serde(default)]` struct; `extras` keeps unknown keys (flatten).

    `renames` lists `(new_name, old_name, convert)`: a newer spelling of a field that is
    accepted on input, converted to the old field's form and stored under the old key only.
    """
    table = {key: (check, default) for key, check, default in fields}
    # Input key -> (stored key, check); a renamed key converts first, then takes the old check.
    readers = {key: (key, field_check) for key, (field_check, _) in table.items()}
    # Stored key -> the name a duplicate is reported under: the newer name, as upstream's
    # current field name with the old one as an alias would be.
    reported = {key: key for key in table}
    for new, old, convert in renames:
        readers[new] = (old, _then(convert, table[old][0]))
        reported[old] = new

    def check(value: Any) -> dict:
        if not isinstance(value, dict):
            raise invalid_type(value, f"struct {name}")
        # serde visits entries in input order, so the first bad entry is the one reported; a
        # second spelling of a field already seen fails before its value is looked at.
        parsed = {}
        for key, item in value.items():
            if key not in readers:
                continue
            target, field_check = readers[key]
            if target in parsed:
                raise fail(f"duplicate field `{reported[target]}`")
            parsed[target] = field_check(item)
        out = {}
        for key, (field_check, default) in table.items():
            if key not in parsed and default is REQUIRED:
                raise fail(f"missing field `{key}`")
            item = parsed[key] if key in parsed else field_check(default)
            if not (skip_none and item is None):
                out[key] = item
        if extras is not None:
            known = readers.keys()
            out.update((key, extras(value[key])) for key in sorted(value) if key not in known)
        return out

    return check


def nulls(check: Check, *keys: str) -> list[Field]:
    """Fields of one nullable type that default to null."""
    return [(key, optional(check), None) for key in keys]


def _then(first: Check, second: Check) -> Check:
    return lambda value: second(first(value))
