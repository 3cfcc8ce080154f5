"""Pipeline monitor events: a snapshot of the status fields, taken with the write that moved them.

`record` runs inside the transaction of every pipeline write (`app.pipelines.persistence`), so
an event exists exactly when its change committed. There is no event type: clients compare
snapshots. The newest `KEEP` per pipeline are kept; they go with the pipeline.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from app import errors
from app import timeutil
from app.storage import Store

KEEP = 720
# Keys in upstream's order; those marked True appear only with `selector=all`.
FIELDS = (
    ("deployment_resources_status", False),
    ("deployment_resources_status_details", True),
    ("deployment_resources_desired_status", False),
    ("deployment_runtime_status", False),
    ("deployment_runtime_status_details", True),
    ("deployment_runtime_desired_status", False),
    ("deployment_has_error", False),
    ("deployment_error", True),
    ("program_status", False),
    ("storage_status", False),
    ("storage_status_details", True),
)
SNAPSHOT = [name for name, _ in FIELDS if name != "deployment_has_error"]
# An edit of these records an event too (a PUT/PATCH that changes something).
EDITS = ("version",)


def snapshot(record: Mapping[str, Any]) -> dict:
    """The status fields of a record, as an event stores them."""
    body = {name: record.get(name) for name in SNAPSHOT}
    body["deployment_has_error"] = record.get("deployment_error") is not None
    return body


def record(store: Store, before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> None:
    """Store an event when a write created the pipeline or changed its statuses or settings."""
    if before is not None and all(
        before.get(name) == after.get(name) for name in (*SNAPSHOT, *EDITS)
    ):
        return
    at = timeutil.now()
    event_id = timeutil.uuid7(at)
    body = {"event_id": event_id, "recorded_at": timeutil.format_timestamp(at), **snapshot(after)}
    store.events.add_pipeline_event(after["id"], event_id, timeutil.epoch_micros(at), body, KEEP)


def render(event: Mapping[str, Any], selector: str) -> dict:
    """An event in upstream's key order; `status` leaves out the details fields."""
    out = {"event_id": event["event_id"], "recorded_at": event["recorded_at"]}
    for name, detail in FIELDS:
        if selector == "all" or not detail:
            out[name] = event.get(name)
    return out


def parse_id(value: str) -> str:
    """An event id from the path: a UUID, or 400 InvalidUuidParam."""
    try:
        return str(uuid.UUID(value))
    except ValueError as err:
        raise errors.InvalidUuidParam(value=value, error=_uuid_text(value, err)) from None


def _uuid_text(value: str, err: ValueError) -> str:
    """The uuid crate's reason, as well as Python can tell it."""
    digits = value.replace("-", "")
    if len(digits) != 32:
        return f"invalid length: expected length 32 for simple format, found {len(digits)}"
    bad = next((c for c in digits if c not in "0123456789abcdefABCDEF"), None)
    if bad is not None:
        return (
            f"invalid character: expected an optional prefix of `urn:uuid:` followed by "
            f"[0-9a-fA-F-], found `{bad}` at {value.index(bad) + 1}"
        )
    return str(err)


def events(store: Store, pipeline_id: str, selector: str) -> list[dict]:
    """A pipeline's events, newest first."""
    return [render(e, selector) for e in store.events.pipeline_events(pipeline_id)]


def event(store: Store, pipeline_id: str, event_id: str, selector: str) -> dict:
    """One event by id or `latest`; 400/404 as upstream."""
    if event_id == "latest":
        found = store.events.pipeline_events(pipeline_id, 1)
        if not found:
            raise errors.NoPipelineMonitorEventsAvailable()
        return render(found[0], selector)
    canonical = parse_id(event_id)
    found_one = store.events.pipeline_event(pipeline_id, canonical)
    if found_one is None:
        raise errors.UnknownPipelineMonitorEvent(event_id=canonical)
    return render(found_one, selector)
