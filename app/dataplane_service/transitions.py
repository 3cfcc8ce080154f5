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
from app.dataplane_service import counters
from app.dataplane_service import logbook
from app.simulator.model import DATA_CLEAR
from app.simulator.model import DATA_START
from app.simulator.model import DATA_STOP
from app.simulator.model import DATA_SUSPEND
from app.storage import Store


def declared_endpoints(record: Mapping[str, Any]) -> dict:
    """The connectors the program declares, as endpoints of a process that just started."""
    info = record.get("program_info") or {}
    inputs = info.get("input_connectors") or {}
    endpoints = {}
    for index, (name, config) in enumerate(sorted(inputs.items())):
        endpoints[name] = counters.new_endpoint(index, config.get("stream", ""), declared=True)
        endpoints[name]["paused"] = bool(config.get("paused"))
    return endpoints


def fresh_stats(record: Mapping[str, Any]) -> dict:
    """Counters of a process that just started: one empty step already ran (spec §6.3)."""
    endpoints = declared_endpoints(record)
    outputs = (record.get("program_info") or {}).get("output_connectors") or {}
    return {
        "steps": 1,
        "input_records": 0,
        "input_bytes": 0,
        "num_errors": 0,
        "endpoints": endpoints,
        "outputs": {name: config.get("stream", "") for name, config in sorted(outputs.items())},
        "next_endpoint": len(endpoints),
        "table_rows": {},
        "history": [],
    }


def input_tables(record: Mapping[str, Any]) -> list[dict]:
    """The program's tables as `program_info.schema.inputs` lists them."""
    return list(((record.get("program_info") or {}).get("schema") or {}).get("inputs") or [])


def begin(store: Store, record: Mapping[str, Any]) -> None:
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
                "stats": {**fresh_stats(record), "history": [[micros // 1000, 0]]},
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
    fresh = fresh_stats(record)
    stats = {
        **stats,
        **{k: fresh[k] for k in ("endpoints", "outputs", "next_endpoint")},
        "history": [[micros // 1000, stats["input_records"]]],
        "table_rows": table_rows,
    }
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


EFFECTS = {DATA_START: begin, DATA_STOP: _stop, DATA_SUSPEND: _suspend, DATA_CLEAR: _stop}


def after_insert(store: Store, record: Mapping[str, Any]) -> None:
    """A new pipeline's log starts with upstream's first line."""
    logbook.append(store, record["id"], [logbook.fresh_start_line(record)])


def after_save(
    store: Store,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    effects: Sequence[str] = (),
    trail: Sequence[Mapping[str, Any]] = (),
) -> None:
    """Apply a write's data effects in order and log its transitions (each step's, if known)."""
    for effect in effects:
        EFFECTS[effect](store, after)
    lines = []
    states = [before, *({**after, **step} for step in trail[:-1]), after]
    for old, new in zip(states, states[1:], strict=False):
        lines.extend(logbook.transition_lines(old, new))
    logbook.append(store, after["id"], lines)
