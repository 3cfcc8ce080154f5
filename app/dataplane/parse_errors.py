"""Upstream's ParseError records and the `ParseErrors` answer built from them (spec §2.5)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from app.dataplane.errors import DataplaneError

# Upstream keeps the last 1000 errors of a request, oldest first.
MAX_KEPT_ERRORS = 1000
ENVELOPE_TAG = "text_envelope_err"
EVENT_TAG = "text_event_err"


@dataclass(frozen=True)
class ParseError:
    """One input record that could not be parsed."""

    description: str
    event_number: int | None = None
    field: str | None = None
    invalid_bytes: list[int] | None = None
    invalid_text: str | None = None
    suggestion: str | None = None
    tag: str | None = None

    def as_json(self) -> dict:
        """Return the error as upstream serializes it."""
        return {
            "description": self.description,
            "event_number": self.event_number,
            "field": self.field,
            "invalid_bytes": self.invalid_bytes,
            "invalid_text": self.invalid_text,
            "suggestion": self.suggestion,
            "tag": self.tag,
        }

    def text(self) -> str:
        """Return the error's text form, as used inside the ParseErrors message."""
        if self.event_number is None:
            text = f"Parse error: {self.description}"
        else:
            text = f"Parse error (event #{self.event_number}): {self.description}"
        if self.invalid_bytes is not None:
            text += f"\nInvalid bytes: [{', '.join(str(b) for b in self.invalid_bytes)}]"
        elif self.invalid_text is not None:
            text += f"\nInvalid fragment: '{self.invalid_text}'"
        if self.suggestion is not None:
            text += f"\n{self.suggestion}"
        return text


class ErrorLog:
    """Collects a request's parse errors, keeping the most recent MAX_KEPT_ERRORS."""

    def __init__(self) -> None:
        self.kept: deque[ParseError] = deque(maxlen=MAX_KEPT_ERRORS)
        self.total = 0

    def add(self, error: ParseError) -> None:
        """Record one error."""
        self.kept.append(error)
        self.total += 1

    def __bool__(self) -> bool:
        return self.total > 0


def parse_errors_error(log: ErrorLog) -> DataplaneError:
    """Build the 400 `ParseErrors` answer for a request with at least one bad record."""
    kept = list(log.kept)
    if log.total > len(kept):
        head = f"Errors parsing input data (reporting {len(kept)} out of {log.total} total errors):"
    else:
        head = f"Errors parsing input data ({len(kept)} errors):"
    message = head + "".join(f"\n    {e.text()}" for e in kept)
    details = {"num_errors": log.total, "errors": [e.as_json() for e in kept]}
    return DataplaneError(400, "ParseErrors", message, details)
