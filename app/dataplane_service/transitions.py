"""What lifecycle transitions do to a pipeline's data plane, in the transaction writing the row.

The simulator's steps name their effect (`app.simulator.model.DATA_*`); `persistence.save`
hands them here with the record before and after the write. Upstream's rule (spec §11): the
data lives as long as one process incarnation; a suspend keeps it for the next start, a stop
or a clear wipes it. Each write also appends the log lines the transition prints.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

from app import timeutil
from app.dataplane_service import logbook
from app.simulator.model import DATA_CLEAR
from app.simulator.model import DATA_START
from app.simulator.model import DATA_STOP
from app.simulator.model import DATA_SUSPEND
from app.storage import Store


def fresh_stats() -> dict:
    """Counters of a process that just started: one empty step already ran (spec §6.3)."""
    return {
        "steps": 1,
        "input_records": 0,
        "input_bytes": 0,
        "num_errors": 0,
        "endpoints": {},
        "next_endpoint": 0,
        "table_rows": {},
        "history": [],
    }


def input_tables(record: Mapping[str, Any]) -> list[dict]:
    """The program's tables as `program_info.schema.inputs` lists them."""
    return list(((record.get("program_info") or {}).get("schema") or {}).get("inputs") or [])


def _start(store: Store, record: Mapping[str, Any]) -> None:
    """A process incarnation starts: from what a suspend kept, or empty."""
    pid = record["id"]
    at = timeutil.parse_timestamp(record["deployment_resources_status_since"])
    micros = timeutil.epoch_micros(at)
    tables = input_tables(record)
    kept = store.data.state(pid)
    if kept is None or kept["live"]:
        store.data.delete(pid)
        store.data.put_state(
            {
                "pipeline_id": pid,
                "incarnation_uuid": str(uuid.uuid4()),
                "live": 1,
                "version": 0,
                "checkpoint_version": 0,
                "start_micros": micros,
                "initial_start_micros": micros,
                "rows": 0,
                "tables": tables,
                "stats": fresh_stats(),
            }
        )
        return
    # Restored from the suspend checkpoint: tables the new program changed start empty.
    new = {t["name"]: t for t in tables}
    changed = [t["name"] for t in kept["tables"] if new.get(t["name"]) != t]
    stats = kept["stats"]
    if changed:
        store.data.drop_relations(pid, changed)
    table_rows = {k: n for k, n in stats["table_rows"].items() if k in new and k not in changed}
    # Counters continue; endpoints belong to the process that ended.
    stats = {**stats, "endpoints": {}, "table_rows": table_rows, "history": []}
    store.data.put_state(
        {
            **kept,
            "incarnation_uuid": str(uuid.uuid4()),
            "live": 1,
            "start_micros": micros,
            "rows": sum(table_rows.values()),
            "tables": tables,
            "stats": stats,
        }
    )


def _stop(store: Store, record: Mapping[str, Any]) -> None:
    store.data.delete(record["id"])


def _suspend(store: Store, record: Mapping[str, Any]) -> None:
    if store.data.head(record["id"]) is not None:
        store.data.update_state(record["id"], {"live": 0})


EFFECTS = {DATA_START: _start, DATA_STOP: _stop, DATA_SUSPEND: _suspend, DATA_CLEAR: _stop}


def after_insert(store: Store, record: Mapping[str, Any]) -> None:
    """A new pipeline's log starts with upstream's first line."""
    logbook.append(store, record["id"], [logbook.fresh_start_line(record)])


def after_save(
    store: Store, before: Mapping[str, Any], after: Mapping[str, Any], effects: Sequence[str]
) -> None:
    """Apply a write's data effects in order and log its transitions."""
    for effect in effects:
        EFFECTS[effect](store, after)
    logbook.append(store, after["id"], logbook.transition_lines(before, after))
