"""Clock, RFC 3339 timestamps and UUIDv7 ids as upstream prints them."""

import os
import time
import uuid
from datetime import UTC
from datetime import datetime
from datetime import timedelta

from flask import current_app
from flask import g
from flask import has_app_context

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


# Where a request keeps the clock it runs on (set by app/admin from the store's clock offset).
REQUEST_CLOCK = "request_clock"


def now() -> datetime:
    """Return the current UTC time: the `CLOCK` hook's (tests), the request's, or the wall's."""
    if has_app_context():
        clock = current_app.config.get("CLOCK") or g.get(REQUEST_CLOCK)
        if clock is not None:
            return clock()
    return datetime.now(UTC)


def epoch_micros(moment: datetime) -> int:
    """Return whole microseconds since the Unix epoch (exact, unlike float timestamps)."""
    return (moment - EPOCH) // MICROSECOND


def from_epoch_micros(micros: int) -> datetime:
    """Return the moment `micros` microseconds after the Unix epoch (UTC)."""
    return EPOCH + micros * MICROSECOND


def format_timestamp(moment: datetime) -> str:
    """Format as RFC 3339 UTC with `Z` and the shortest exact fraction of 0, 3 or 6 digits."""
    moment = moment.astimezone(UTC)
    base = moment.strftime("%Y-%m-%dT%H:%M:%S")
    micros = moment.microsecond
    if micros == 0:
        return f"{base}Z"
    if micros % 1000 == 0:
        return f"{base}.{micros // 1000:03d}Z"
    return f"{base}.{micros:06d}Z"


def parse_timestamp(text: str) -> datetime:
    """Parse an RFC 3339 timestamp (any offset, up to nanoseconds) into aware UTC."""
    if not isinstance(text, str) or "T" not in text:
        raise ValueError(f"not an RFC 3339 timestamp: {text!r}")
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    head, sep, rest = value.partition(".")
    if sep:
        # Python parses at most 6 fraction digits; upstream may print 9.
        digits = len(rest) - len(rest.lstrip("0123456789"))
        value = f"{head}.{rest[:digits][:6].ljust(6, '0')}{rest[digits:]}"
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"timestamp has no UTC offset: {text!r}")
    return moment.astimezone(UTC)


def normalize_timestamp(text: str) -> str:
    """Return the canonical form of an RFC 3339 timestamp."""
    return format_timestamp(parse_timestamp(text))


def uuid7(at: datetime | None = None) -> str:
    """Return a new time-ordered UUIDv7 (RFC 9562, sub-millisecond bits in rand_a)."""
    # `at` stamps ids of simulated events with their scheduled time rather than the wall clock.
    nanos = time.time_ns() if at is None else epoch_micros(at) * 1000
    millis, sub_ms_nanos = divmod(nanos, 1_000_000)
    # 12 bits of sub-millisecond fraction keep ids made in one process ordered.
    rand_a = (sub_ms_nanos * 4096) // 1_000_000
    rand_b = int.from_bytes(os.urandom(8)) & ((1 << 62) - 1)
    value = (millis & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= rand_a << 64
    value |= 0b10 << 62
    value |= rand_b
    return str(uuid.UUID(int=value))
