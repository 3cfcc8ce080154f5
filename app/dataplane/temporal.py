"""DATE, TIME and TIMESTAMP as integers (days, nanoseconds, microseconds) and their spellings."""

from __future__ import annotations

import datetime
import re

_EPOCH_ORDINAL = datetime.date(1970, 1, 1).toordinal()
_DAY_US = 86_400_000_000
_DAY_NS = 86_400_000_000_000
# chrono's "%Y-%m-%d", "%H:%M:%S%.f" and "%F %T%.f", which Feldera's default flavor parses.
_DATE = re.compile(r"([+-]?\d{4,6})-(\d{1,2})-(\d{1,2})")
_TIME = re.compile(r"(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,9}))?")
_TIMESTAMP = re.compile(_DATE.pattern + " " + _TIME.pattern)


class TemporalError(ValueError):
    """A date/time text that does not parse."""


def _days(year: str, month: str, day: str) -> int:
    try:
        return datetime.date(int(year), int(month), int(day)).toordinal() - _EPOCH_ORDINAL
    except ValueError as err:
        raise TemporalError(str(err)) from None


def _nanos(hour: str, minute: str, second: str, fraction: str | None) -> int:
    h, m, s = int(hour), int(minute), int(second)
    if h > 23 or m > 59 or s > 59:
        raise TemporalError("input is out of range")
    frac = int((fraction or "0").ljust(9, "0"))
    return ((h * 60 + m) * 60 + s) * 1_000_000_000 + frac


def parse_date(text: str) -> int:
    """Parse `YYYY-MM-DD` into days since 1970-01-01."""
    match = _DATE.fullmatch(text)
    if match is None:
        raise TemporalError("input contains invalid characters")
    return _days(*match.groups())


def parse_time(text: str) -> int:
    """Parse `HH:MM:SS[.fffffffff]` into nanoseconds since midnight."""
    match = _TIME.fullmatch(text)
    if match is None:
        raise TemporalError("input contains invalid characters")
    return _nanos(*match.groups())


def parse_timestamp(text: str) -> int:
    """Parse `YYYY-MM-DD HH:MM:SS[.f]` into microseconds since the epoch (sub-µs truncated)."""
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        raise TemporalError("input contains invalid characters")
    year, month, day, hour, minute, second, fraction = match.groups()
    return _days(year, month, day) * _DAY_US + _nanos(hour, minute, second, fraction) // 1000


def fraction(nanos: int) -> str:
    """Render a sub-second part like chrono's `%.f`: nothing, or 3, 6 or 9 digits."""
    if nanos == 0:
        return ""
    if nanos % 1_000_000 == 0:
        return f".{nanos // 1_000_000:03d}"
    if nanos % 1000 == 0:
        return f".{nanos // 1000:06d}"
    return f".{nanos:09d}"


def format_date(days: int) -> str:
    """Render days since the epoch as `YYYY-MM-DD`."""
    return datetime.date.fromordinal(days + _EPOCH_ORDINAL).isoformat()


def format_time(nanos: int) -> str:
    """Render nanoseconds since midnight as `HH:MM:SS[.f]`."""
    seconds, rest = divmod(nanos, 1_000_000_000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return f"{hour:02d}:{minute:02d}:{second:02d}{fraction(rest)}"


def format_timestamp(micros: int, separator: str = " ") -> str:
    """Render microseconds since the epoch as `YYYY-MM-DD<sep>HH:MM:SS[.f]`."""
    days, rest = divmod(micros, _DAY_US)
    return format_date(days) + separator + format_time(rest * 1000)


def format_timestamp_nanos(nanos: int, separator: str = " ") -> str:
    """Render nanoseconds since the epoch as `YYYY-MM-DD<sep>HH:MM:SS[.f]`."""
    days, rest = divmod(nanos, _DAY_NS)
    return format_date(days) + separator + format_time(rest)
