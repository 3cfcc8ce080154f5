"""Enterprise checkpoints and the bootstrap diff of a program changed since one (B.4)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from app.simulator.compile import fingerprint
from app.simulator.model import sim_state
from app.timeutil import uuid7

SYSTEM_VIEWS = ("error_view",)


def digest(value: Any) -> str:
    """Return a short stable digest of a JSON value."""
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


def summary(program_info: Mapping[str, Any] | None) -> dict:
    """Digest each table, view and connector of a program: what a later diff compares."""
    info = program_info or {}
    schema = info.get("schema") or {}
    return {
        "tables": {r["name"]: digest(r.get("fields")) for r in schema.get("inputs") or []},
        "views": {
            r["name"]: digest(r.get("fields"))
            for r in schema.get("outputs") or []
            if r["name"] not in SYSTEM_VIEWS
        },
        "input_connectors": {k: digest(v) for k, v in (info.get("input_connectors") or {}).items()},
        "output_connectors": {
            k: digest(v) for k, v in (info.get("output_connectors") or {}).items()
        },
    }


def compare(old: Mapping[str, str], new: Mapping[str, str]) -> tuple[list, list, list]:
    """Return (added, modified, removed) names between two digest maps."""
    added = [name for name in new if name not in old]
    modified = [name for name in new if name in old and old[name] != new[name]]
    removed = [name for name in old if name not in new]
    return added, modified, removed


def pipeline_diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict:
    """Return a PipelineDiff (upstream's `approval_diff`) between two summaries."""
    added_tables, modified_tables, removed_tables = compare(old["tables"], new["tables"])
    added_views, modified_views, removed_views = compare(old["views"], new["views"])
    added_in, modified_in, removed_in = compare(old["input_connectors"], new["input_connectors"])
    added_out, modified_out, removed_out = compare(
        old["output_connectors"], new["output_connectors"]
    )
    return {
        "program_diff": {
            "added_tables": added_tables,
            "removed_tables": removed_tables,
            "modified_tables": modified_tables,
            "added_views": added_views,
            "removed_views": removed_views,
            "modified_views": modified_views,
        },
        "program_diff_error": None,
        "added_input_connectors": added_in,
        "modified_input_connectors": modified_in,
        "removed_input_connectors": removed_in,
        "added_output_connectors": added_out,
        "modified_output_connectors": modified_out,
        "removed_output_connectors": removed_out,
    }


def is_empty(diff: Mapping[str, Any]) -> bool:
    """Tell whether a PipelineDiff lists no change at all."""
    lists = [*diff["program_diff"].values()]
    lists += [value for key, value in diff.items() if key.endswith("_connectors")]
    return not any(lists)


def pending_bootstrap(record: Mapping[str, Any]) -> dict | None:
    """Return the diff to bootstrap when resuming from a checkpoint of another program."""
    checkpoint = sim_state(record).get("checkpoint")
    if not checkpoint or checkpoint["fingerprint"] == fingerprint(record):
        return None
    diff = pipeline_diff(checkpoint["summary"], summary(record["program_info"]))
    # A change that touches no relation or connector (say, a comment) needs no bootstrap.
    return None if is_empty(diff) else diff


def take_checkpoint(record: Mapping[str, Any], at: datetime, sim: dict) -> dict:
    """Record a checkpoint of the current program in `sim`; return the new storage details."""
    meta = {
        "uuid": uuid7(at),
        "identifier": None,
        "fingerprint": fingerprint(record),
        "size": None,
        "steps": None,
        "processed_records": None,
    }
    sim["checkpoint"] = {
        "fingerprint": meta["fingerprint"],
        "summary": summary(record["program_info"]),
    }
    details = dict(record["storage_status_details"] or {})
    details["checkpoints"] = [*(details.get("checkpoints") or []), meta]
    return details
