"""The rest of the process's routes (spec §10, §12): profiles, transactions, clock, checkpoints.

Each answers what the simulated process knows, or upstream's own error for what it cannot do
(a heap profile needs a profiling build; samply is not installed; remote checkpoints need
sync). Their state (the open transaction, the clock, checkpoint numbers) lives in the data
state's `stats`, so it belongs to one process incarnation like upstream's.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from app import errors
from app import timeutil
from app.dataplane_service import gate
from app.dataplane_service import stats as controller
from app.pipelines import persistence
from app.pipelines.catch_up import write
from app.pipelines.context import Context
from app.simulator.bootstrap import take_checkpoint
from app.simulator.model import runtime_config_value
from app.simulator.model import sim_state

NOW_CALL = re.compile(r"\bNOW\s*\(", re.IGNORECASE)
CLOCK_REFUSED = (
    "Invalid parameter: this pipeline's program does not reference `NOW()`; the clock "
    "connector is not active and cannot be advanced."
)
SYNC_UNCONFIGURED = "checkpoint sync is not configured: the pipeline has no object store"
SAMPLY_MISSING = "samply is not installed in pipeline-store's simulated pipeline process"


def require_serving(ctx: Context, name: str) -> None:
    """Raise unless the process can answer (routes that do nothing in the simulation)."""
    controller.running_state(ctx, name)


def heap_profile(ctx: Context, name: str) -> None:
    """GET /heap_profile: the simulated process is not a profiling build (400)."""
    gate.deployed(ctx, name)
    raise errors.HeapProfilerError()


def _profile(record: Mapping[str, Any], state: Mapping[str, Any]) -> dict:
    """What the simulated circuit can say about itself: its relations and counters."""
    schema = (record.get("program_info") or {}).get("schema") or {}
    stats = state["stats"]
    return {
        "simulated": True,
        "steps": stats["steps"],
        "total_processed_records": stats["input_records"],
        "tables": [{"name": t["name"], "rows": stats["table_rows"].get(t["name"], 0)}
                   for t in schema.get("inputs") or []],
        "views": [v["name"] for v in schema.get("outputs") or []],
    }  # fmt: skip


def circuit_json_profile(ctx: Context, name: str) -> dict:
    """GET /circuit_json_profile."""
    record, state = controller.running_state(ctx, name)
    return _profile(record, state)


def circuit_profile(ctx: Context, name: str) -> bytes:
    """GET /circuit_profile: a zip holding the JSON profile."""
    profile = circuit_json_profile(ctx, name)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("profile.json", json.dumps(profile, indent=2))
    return out.getvalue()


def start_samply(ctx: Context, name: str) -> None:
    """POST /samply_profile: fails as upstream does when samply cannot run."""
    controller.running_state(ctx, name)
    raise errors.SamplyProfilingFailure(error=SAMPLY_MISSING)


def samply_profile(ctx: Context, name: str) -> None:
    """GET /samply_profile: no profile was ever taken."""
    controller.running_state(ctx, name)
    raise errors.NoSamplyProfile()


def _update_stats(ctx: Context, name: str, change) -> Any:
    """Run `change(stats, record)` on the running process's stats under the write lock."""
    record, _ = controller.running_state(ctx, name)
    with write(ctx):
        state = ctx.store.data.state(record["id"])
        if state is None:
            raise errors.Terminating()
        result = change(state["stats"], record)
        ctx.store.data.update_state(record["id"], {"stats": state["stats"]})
        return result


def start_transaction(ctx: Context, name: str) -> dict:
    """POST /start_transaction: 200 with the new id; 409 while one is open."""

    def change(stats: dict, _record) -> dict:
        transaction = stats.setdefault("transaction", {"id": 0, "open": False})
        if transaction["open"]:
            raise errors.TransactionInProgress()
        transaction.update(id=transaction["id"] + 1, open=True)
        return {"transaction_id": transaction["id"]}

    return _update_stats(ctx, name, change)


def commit_transaction(ctx: Context, name: str) -> str:
    """POST /commit_transaction: records were processed as they came, so it commits at once."""

    def change(stats: dict, _record) -> str:
        transaction = stats.get("transaction") or {}
        if not transaction.get("open"):
            raise errors.NoTransactionInProgress()
        transaction["open"] = False
        stats["steps"] += 1
        return "Transaction commit initiated"

    return _update_stats(ctx, name, change)


def _uses_now(record: Mapping[str, Any]) -> bool:
    return NOW_CALL.search(record.get("program_code") or "") is not None


def advance_clock(ctx: Context, name: str, delta_ms: int | None) -> dict:
    """POST /clock/advance: only an HTTP-driven clock of a program using NOW() moves."""
    record, _ = controller.running_state(ctx, name)
    tweaks = runtime_config_value(record, "dev_tweaks") or {}
    if not (_uses_now(record) and tweaks.get("now_http_driven")):
        raise errors.InvalidParam(CLOCK_REFUSED, {"param": "clock"})
    resolution = max(1, int(runtime_config_value(record, "clock_resolution_usecs") or 1e6) // 1000)

    def change(stats: dict, _record) -> dict:
        now_ms = stats.get("clock_ms") or (stats.get("history") or [[0]])[0][0]
        step = resolution if delta_ms is None else delta_ms
        if step:
            now_ms += -(-step // resolution) * resolution  # round up to a full tick
        stats["clock_ms"] = now_ms
        moment = timeutil.EPOCH + timedelta(milliseconds=now_ms)
        text = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now_ms % 1000:03d}Z"
        return {"now_ms": now_ms, "now": text}

    return _update_stats(ctx, name, change)


def _check_incarnation(state: Mapping[str, Any], requested: str | None) -> None:
    current = state["incarnation_uuid"]
    if requested is not None and requested != current:
        text = f"Incarnation UUID mismatch ({requested} in request, expected {current})"
        raise errors.IncarnationUuidMismatch(text, {"requested": requested, "expected": current})


def _served_state(ctx: Context, name: str) -> dict:
    """The data state of a deployed process (these routes answer without a controller too)."""
    record = gate.deployed(ctx, name)
    state = ctx.store.data.state(record["id"])
    if state is None:
        raise errors.Initializing()
    return state


def checkpoint_status(ctx: Context, name: str, incarnation: str | None) -> dict:
    """GET /checkpoint_status: the last checkpoint this incarnation made, if any."""
    state = _served_state(ctx, name)
    _check_incarnation(state, incarnation)
    return {"success": state["stats"].get("checkpoint_success"), "failure": None}


def checkpoint_sync_status(ctx: Context, name: str, incarnation: str | None) -> dict:
    """GET /checkpoint/sync_status: a sync that could not reach an object store failed."""
    state = _served_state(ctx, name)
    _check_incarnation(state, incarnation)
    return {"success": None, "failure": state["stats"].get("sync_failure"), "periodic": None}


def checkpoints(ctx: Context, name: str) -> list[dict]:
    """GET /checkpoints: the checkpoints the pipeline's storage holds, oldest first."""
    record = gate.deployed(ctx, name)
    details = record.get("storage_status_details") or {}
    return list(details.get("checkpoints") or [])


def remote_checkpoints(ctx: Context, name: str) -> None:
    """GET /checkpoints/remote: listing needs checkpoint sync, which is never configured."""
    _served_state(ctx, name)
    raise errors.CheckpointFetchError()


def checkpoint(ctx: Context, name: str) -> dict:
    """POST /checkpoint (enterprise): write a checkpoint of the running process."""
    record, state = controller.running_state(ctx, name)
    with write(ctx) as at:
        current = ctx.store.pipelines.get(name)
        state = ctx.store.data.state(record["id"])
        if current is None or state is None or current["id"] != record["id"]:
            raise errors.Terminating()
        stats = state["stats"]
        sequence = stats.get("checkpoint_next", 0)
        stats["checkpoint_next"] = sequence + 1
        stats["checkpoint_success"] = sequence
        ctx.store.data.update_state(record["id"], {"stats": stats})
        sim = sim_state(current)
        details = take_checkpoint(current, at, sim)
        details["checkpoints"][-1].update(
            steps=stats["steps"], processed_records=stats["input_records"], size=0
        )
        persistence.save(ctx.store, current, {"storage_status_details": details, "simulation": sim})
    return {"checkpoint_sequence_number": sequence, "incarnation_uuid": state["incarnation_uuid"]}


def sync_checkpoint(ctx: Context, name: str) -> dict:
    """POST /checkpoint/sync (enterprise): accepted; with no object store it then fails.

    Upstream pushes in the background and reports the outcome in `/checkpoint/sync_status`.
    """
    record, _ = controller.running_state(ctx, name)
    kept = (record.get("storage_status_details") or {}).get("checkpoints") or []
    if not kept:
        raise errors.NoCheckpointsToSync()
    latest = kept[-1]["uuid"]

    def change(stats: dict, _record) -> dict:
        stats["sync_failure"] = {"uuid": latest, "error": SYNC_UNCONFIGURED}
        return {"checkpoint_uuid": latest}

    body = _update_stats(ctx, name, change)
    state = ctx.store.data.state(record["id"])
    return {**body, "incarnation_uuid": state["incarnation_uuid"]}
