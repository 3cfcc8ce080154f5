"""Durations and sizes in the feldera 0.369 SDK grammar, read under their newer key names."""

import re
from typing import Any

from app.pipeline_config.checks import Check
from app.pipeline_config.checks import Rename
from app.pipeline_config.checks import fail
from app.pipeline_config.checks import invalid_type

# Durations and sizes under their newer (Feldera 0.369) names, parsed with the grammar of the
# feldera 0.369 SDK (`feldera.runtime_config._parse_duration_nanos` / `_parse_size_bytes`),
# whose messages are reused. This server stores the 0.337 keys only, so a value given under a
# new name is converted to the old key's unit; see `_duration_in` and `_size_in`.
_U64_MAX = (1 << 64) - 1
# The runtime reads at most this many digits after the point.
_MAX_FRACTION_DIGITS = 18
_NANOS_PER_UNIT = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,  # micro sign
    "\u03bcs": 1_000,  # Greek small letter mu
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60 * 1_000_000_000,
    "h": 3_600 * 1_000_000_000,
    "d": 86_400 * 1_000_000_000,
}
_DURATION_UNITS = ("ns", "us", "ms", "s", "m", "h", "d")  # the ones an error message lists
# ASCII digits only: `\d` alone would also take digits from other scripts.
_DURATION_TERM = re.compile(r"(\d*)(?:\.(\d*))?([^\d.]+)", re.ASCII)
# The longest duration the runtime holds: `u64::MAX` seconds, plus a second.
_MAX_DURATION_NANOS = _U64_MAX * 1_000_000_000 + 999_999_999
_BYTES_PER_UNIT = {
    "": 1,
    "k": 1_000,
    "K": 1_000,
    "M": 1_000_000,
    "G": 1_000_000_000,
    "T": 1_000_000_000_000,
    "P": 1_000_000_000_000_000,
    "E": 1_000_000_000_000_000_000,
    "Ki": 1 << 10,
    "Mi": 1 << 20,
    "Gi": 1 << 30,
    "Ti": 1 << 40,
    "Pi": 1 << 50,
    "Ei": 1 << 60,
}
_SIZE_TERM = re.compile(r"([0-9]*)(?:\.([0-9]*))?(.*)$", re.DOTALL)
_BARE_NUMBER = re.compile(r"[0-9]+\.?[0-9]*|\.[0-9]+")


def _scaled_fraction(fraction: str, unit: int) -> int:
    """`0.<fraction>` units, exactly, rounded to the nearest whole (nanosecond or byte)."""
    fraction = fraction[:_MAX_FRACTION_DIGITS]
    denominator = 10 ** len(fraction)
    return (unit * int(fraction) + denominator // 2) // denominator


def parse_duration_nanos(text: str) -> int:
    """Parse a duration such as "1h30m" into nanoseconds; raise ValueError.

    A run of `<number><unit>` terms, summed; a bare "0"; one optional leading "+".
    """
    if text.startswith("-"):
        raise ValueError(f"duration '{text}' cannot be negative")
    rest = text[1:] if text.startswith("+") else text
    if rest == "":
        raise ValueError("duration is empty")
    if rest == "0":
        return 0
    total = 0
    position = 0
    while position < len(rest):
        match = _DURATION_TERM.match(rest, position)
        if match is None:
            raise ValueError(f"'{rest[position:]}' in duration '{text}' has no unit")
        whole, fraction, unit = match.groups()
        unit_nanos = _NANOS_PER_UNIT.get(unit)
        if unit_nanos is None:
            raise ValueError(
                f"unknown unit '{unit}' in duration '{text}'; expected one of "
                + ", ".join(f"'{u}'" for u in _DURATION_UNITS)
            )
        if not whole and not fraction:
            raise ValueError(f"'{unit}' in duration '{text}' has no number in front of it")
        total += int(whole or 0) * unit_nanos
        if fraction:
            total += _scaled_fraction(fraction, unit_nanos)
        position = match.end()
    if total > _MAX_DURATION_NANOS:
        raise ValueError(f"duration '{text}' is too large")
    return total


def _parse_size_bytes(text: str) -> int:
    """Parse a size such as "16G", "4Gi" or "4096" into bytes; raise ValueError.

    A number and a decimal (k..E) or binary (Ki..Ei) unit with an optional trailing "B"; a bare
    number counts bytes; one optional leading "+".
    """
    if text.startswith("-"):
        raise ValueError(f"size '{text}' cannot be negative")
    rest = text[1:] if text.startswith("+") else text
    if rest == "":
        raise ValueError("size is empty")
    whole, fraction, unit = _SIZE_TERM.match(rest).groups()
    unit_bytes = _BYTES_PER_UNIT.get(unit[:-1] if unit.endswith("B") else unit)
    if unit_bytes is None:
        raise ValueError(
            f"unknown unit '{unit}' in size '{text}'; expected one of "
            + ", ".join(f"'{u}'" for u in _BYTES_PER_UNIT if u and u != "K")
            + ", each with or without a trailing 'B'"
        )
    if not whole and not fraction:
        if not unit:
            raise ValueError(f"size '{text}' has no digits")
        raise ValueError(f"'{unit}' in size '{text}' has no number in front of it")
    total = int(whole or 0) * unit_bytes
    if fraction:
        total += _scaled_fraction(fraction, unit_bytes)
    if total > _U64_MAX:
        raise ValueError(f"size '{text}' is too large")
    return total


def _old_unit_number(value: Any, expected: str) -> Any:
    """A non-string value under a new name: null as under the old name, an integer in the old
    unit (as the 0.369 SDK reads one back), anything else refused."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise invalid_type(value, expected)


def _duration_in(unit: str) -> Check:
    """Convert a duration given under a new name to a whole number of `unit` (us or s)."""
    unit_nanos = _NANOS_PER_UNIT[unit]

    def convert(value: Any) -> Any:
        if not isinstance(value, str):
            return _old_unit_number(value, 'a duration such as "30s"')
        try:
            nanos = parse_duration_nanos(value)
        except ValueError as err:
            raise fail(str(err)) from None
        # Not a whole number of the old unit: round UP (ceil), as upstream's manager and the
        # SDK's deprecated integer attributes do, so a short timeout never becomes zero.
        count = -(-nanos // unit_nanos)
        if count > _U64_MAX:
            raise fail(f"duration '{value}' is too large")
        return count

    return convert


def _size_in(name: str, unit: str) -> Check:
    """Convert a size given under the new name `name` to a whole number of `unit`.

    `unit` is "M" (10^6 bytes: the SDK writes an old `*_mb` value N as "NM") or "" for bytes.
    """
    unit_bytes = _BYTES_PER_UNIT[unit]

    def convert(value: Any) -> Any:
        if not isinstance(value, str):
            return _old_unit_number(value, 'a size such as "4Gi"')
        digits = value[1:] if value.startswith("+") else value
        if unit and _BARE_NUMBER.fullmatch(digits):
            # Refused, as upstream does: "16000" would be 16 kB where 16000 meant 16 GB.
            raise fail(f"{name}='{value}' has no unit; write a size such as '{value}{unit}'")
        try:
            size = _parse_size_bytes(value)
        except ValueError as err:
            raise fail(str(err)) from None
        # Not a whole number of the old unit: round UP (ceil), as for durations.
        return -(-size // unit_bytes)

    return convert


def renamed_durations(unit: str, *pairs: tuple[str, str]) -> list[Rename]:
    """Renames `(new, old)` whose new key takes a duration stored as a count of `unit`."""
    return [(new, old, _duration_in(unit)) for new, old in pairs]


def renamed_sizes(unit: str, *pairs: tuple[str, str]) -> list[Rename]:
    """Renames `(new, old)` whose new key takes a size stored as a count of `unit`."""
    return [(new, old, _size_in(new, unit)) for new, old in pairs]
