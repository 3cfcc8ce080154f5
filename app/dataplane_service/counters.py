"""The process's counters as stored in `data_state.stats`, and how an intake moves them.

Records are processed as they arrive (a step per request that carries any), so nothing is
ever buffered: `total_processed` and `total_completed` equal `total_input` (spec §6.3).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from datetime import datetime

from app.dataplane.parse_errors import ParseError

# Per connector: the most recent errors kept for `include_connector_errors` (upstream keeps
# a bounded list too) and the completion marks tokens are resolved against.
MAX_CONNECTOR_ERRORS = 100
MAX_MARKS = 64
# What names an ingress endpoint (`<table>.api-ingress-<hex>`).
INGRESS_MARK = ".api-ingress-"
# /time_series keeps one sample per second for this long.
HISTORY_SECONDS = 60


def new_endpoint(endpoint_id: int, stream: str, declared: bool = False) -> dict:
    """A connector's counters at creation."""
    return {
        "id": endpoint_id,
        "stream": stream,
        "declared": declared,
        "records": 0,
        "bytes": 0,
        "parse_errors": 0,
        "errors": [],
        "marks": [],
        "paused": False,
        "end_of_input": False,
    }


def ensure_endpoint(stats: dict, name: str, stream: str) -> tuple[dict, bool]:
    """Return the named endpoint, creating it (next id) the first time; and whether it is new."""
    endpoint = stats["endpoints"].get(name)
    if endpoint is not None:
        return endpoint, False
    endpoint = new_endpoint(stats["next_endpoint"], stream)
    stats["next_endpoint"] += 1
    stats["endpoints"][name] = endpoint
    return endpoint, True


def rfc3339_micros(micros: int) -> str:
    """`2026-08-21T10:00:00.123456Z`."""
    moment = datetime.fromtimestamp(micros / 1e6, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{micros % 1_000_000:06d}Z"


def _errors(endpoint: dict, errors: list[ParseError], at_micros: int) -> None:
    index = endpoint["parse_errors"]
    kept = endpoint["errors"]
    for error in errors[-MAX_CONNECTOR_ERRORS:]:
        kept.append(
            {
                "timestamp": rfc3339_micros(at_micros),
                "index": index,
                "tag": error.tag,
                "message": error.text(),
            }
        )
        index += 1
    del kept[:-MAX_CONNECTOR_ERRORS]


def record_intake(
    stats: dict,
    endpoint_name: str | None,
    records: int,
    num_bytes: int,
    errors: list[ParseError],
    total_errors: int,
    at_micros: int,
) -> dict:
    """Count one request's records (a step when it carries any) and errors; return `stats`."""
    if records:
        stats["steps"] += 1
    stats["input_records"] += records
    stats["input_bytes"] += num_bytes if records else 0
    stats["num_errors"] += total_errors
    endpoint = stats["endpoints"].get(endpoint_name) if endpoint_name else None
    if endpoint is not None:
        endpoint["records"] += records
        endpoint["bytes"] += num_bytes
        if records:
            endpoint["marks"] = [*endpoint["marks"], [endpoint["records"], stats["steps"]]][
                -MAX_MARKS:
            ]
        _errors(endpoint, errors, at_micros)
        endpoint["parse_errors"] += total_errors
    history = stats["history"]
    millis = at_micros // 1000
    history.append([millis, stats["input_records"]])
    cutoff = millis - (HISTORY_SECONDS + 1) * 1000
    # Keep the last sample before the window: it is the value at the window's start.
    while len(history) > 1 and history[1][0] < cutoff:
        history.pop(0)
    return stats


def count_rows(stats: dict, changes: Mapping[str, int]) -> dict:
    """Add each table's change in rows."""
    rows = stats["table_rows"]
    for name, change in changes.items():
        rows[name] = rows.get(name, 0) + change
    return stats


def step_of(endpoint: Mapping, records: int, current_step: int) -> int:
    """The step in which the endpoint's `records`-th record was processed (for tokens)."""
    for count, step in endpoint["marks"]:
        if count >= records:
            return step
    return current_step
