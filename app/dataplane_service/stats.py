"""`GET /stats` (ControllerStatus) and the per-connector stats routes (spec §6.1, §6.2, §8)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app import errors
from app import timeutil
from app.dataplane_service import connectors
from app.dataplane_service import gate
from app.dataplane_service import loading
from app.dataplane_service.counters import INGRESS_MARK
from app.dataplane_service.streams import open_streams
from app.dataplane_service.tokens import endpoint_name
from app.pipelines.context import Context
from app.simulator.model import storage_configured

# A plausible resident size: a process's base plus a guess per row held.
BASE_RSS = 96 * 1024 * 1024
BYTES_PER_ROW = 160
TRANSACTION_INITIATORS = {
    "transaction_id": None,
    "initiated_by_api": None,
    "initiated_by_connectors": {},
}


def input_entry(name: str, endpoint: Mapping[str, Any], with_errors: bool) -> dict:
    """One `inputs[]` entry."""
    metrics = {
        "total_bytes": endpoint["bytes"],
        "total_records": endpoint["records"],
        "buffered_records": 0,
        "buffered_bytes": 0,
        "num_transport_errors": 0,
        "num_parse_errors": endpoint["parse_errors"],
        "end_of_input": endpoint["end_of_input"],
    }
    if endpoint["records"]:
        # Upstream adds the field once a latency sample exists.
        metrics["processing_latency_p99_micros"] = 150
    entry = {
        "endpoint_name": name,
        "config": {"stream": endpoint["stream"]},
        "metrics": metrics,
        "fatal_error": endpoint.get("fatal_error"),
    }
    if with_errors:
        entry["parse_errors"] = list(endpoint["errors"])
        entry["transport_errors"] = []
    entry.update(health=None, paused=endpoint["paused"], barrier=False, completed_frontier=None)
    return entry


def output_entry(name: str, stream: str, stats: Mapping[str, Any], with_errors: bool) -> dict:
    """One `outputs[]` entry (declared output connectors send nothing in the simulation)."""
    entry = {
        "endpoint_name": name,
        "config": {"stream": stream},
        "metrics": {
            "transmitted_records": 0,
            "transmitted_bytes": 0,
            "queued_records": 0,
            "queued_batches": 0,
            "buffered_records": 0,
            "buffered_batches": 0,
            "num_encode_errors": 0,
            "num_transport_errors": 0,
            "total_processed_input_records": stats["input_records"],
            "total_processed_steps": stats["steps"],
            "memory": 0,
        },
        "fatal_error": None,
    }
    if with_errors:
        entry["encode_errors"] = []
        entry["transport_errors"] = []
    entry["health"] = None
    return entry


def pipeline_complete(stats: Mapping[str, Any]) -> bool:
    """Every input but HTTP ingress reached end of input, and everything is processed."""
    return all(
        endpoint["end_of_input"]
        for name, endpoint in stats["endpoints"].items()
        if INGRESS_MARK not in name
    )


def _permanent_reasons(record: Mapping[str, Any], enterprise: bool) -> list[str] | None:
    if not enterprise:
        return ["EnterpriseFeature"]
    return None if storage_configured(record) else ["StorageRequired"]


def global_metrics(record: Mapping[str, Any], state: Mapping[str, Any], now_micros: int) -> dict:
    """`global_metrics` in upstream's field order."""
    stats = state["stats"]
    runtime = record["deployment_runtime_status"]
    uptime = max(0, (now_micros - state["start_micros"]) // 1000)
    records, volume, steps = stats["input_records"], stats["input_bytes"], stats["steps"]
    phase = runtime if runtime in ("ConcurrentBootstrapping", "Synchronizing") else "Inactive"
    transaction = stats.get("transaction") or {}
    open_id = transaction["id"] if transaction.get("open") else 0
    return {
        "state": "Paused" if runtime == "Paused" else "Running",
        "bootstrap_in_progress": runtime == "Bootstrapping",
        "transaction_status": "TransactionInProgress" if open_id else "NoTransaction",
        "transaction_id": open_id,
        "transaction_msecs": None,
        "transaction_records": None,
        "commit_progress": None,
        "transaction_initiators": TRANSACTION_INITIATORS,
        "concurrent_bootstrap_phase": phase,
        "concurrent_bootstrap_progress": None,
        "rss_bytes": BASE_RSS + BYTES_PER_ROW * state["rows"],
        "memory_pressure": "low",
        "memory_pressure_epoch": 0,
        "cpu_msecs": steps + records // 1000,
        "uptime_msecs": uptime,
        "start_time": state["start_micros"] // 1_000_000,
        "incarnation_uuid": state["incarnation_uuid"],
        "initial_start_time": state["initial_start_micros"] // 1_000_000,
        "storage_bytes": 0,
        "storage_mb_secs": 0,
        "runtime_elapsed_msecs": uptime,
        "buffered_input_records": 0,
        "buffered_input_bytes": 0,
        "total_input_records": records,
        "total_input_bytes": volume,
        "total_processed_records": records,
        "total_processed_bytes": volume,
        "total_completed_records": records,
        "output_stall_msecs": 0,
        "total_initiated_steps": steps,
        "total_completed_steps": steps,
        "pipeline_complete": pipeline_complete(stats),
    }


def controller_status(
    record: Mapping[str, Any],
    state: Mapping[str, Any],
    now_micros: int,
    enterprise: bool,
    errors_too: bool,
) -> dict:
    """The whole ControllerStatus of a running pipeline."""
    stats = state["stats"]
    reasons = _permanent_reasons(record, enterprise)
    return {
        "global_metrics": global_metrics(record, state, now_micros),
        "suspend_error": None if reasons is None else {"Permanent": reasons},
        "checkpoint_activity": {"status": "idle"},
        "permanent_checkpoint_errors": reasons,
        "inputs": [
            input_entry(name, endpoint, errors_too)
            for name, endpoint in sorted(stats["endpoints"].items())
        ],
        "outputs": [
            output_entry(name, stream, stats, errors_too)
            for name, stream in sorted(_outputs(stats, now_micros).items())
        ],
    }


def _outputs(stats: Mapping[str, Any], now_micros: int) -> dict[str, str]:
    """Declared output connectors and open change streams: endpoint name -> stream."""
    streams = {n: s["stream"] for n, s in open_streams(stats, now_micros).items()}
    return {**stats["outputs"], **streams}


def running_state(ctx: Context, name: str) -> tuple[dict, dict]:
    """The record and data state of a pipeline whose process can answer."""
    record = gate.with_controller(ctx, name)
    loading.current(ctx, record)  # an imported fixture gets its state here
    connectors.advance(ctx, record)
    return record, ctx.store.data.state(record["id"])


def pipeline_stats(ctx: Context, name: str, include_connector_errors: bool) -> dict:
    """GET /stats."""
    record, state = running_state(ctx, name)
    now = timeutil.epoch_micros(timeutil.now())
    return controller_status(record, state, now, ctx.settings.enterprise, include_connector_errors)


def input_connector_stats(ctx: Context, name: str, table: str, connector: str) -> dict:
    """GET /tables/{t}/connectors/{c}/stats: the input entry, error lists included."""
    _, state = running_state(ctx, name)
    full = endpoint_name(table, connector)
    endpoint = state["stats"]["endpoints"].get(full)
    if endpoint is None:
        raise errors.UnknownInputEndpoint(
            f"unknown input endpoint name '{full}'", {"endpoint_name": full}
        )
    return input_entry(full, endpoint, True)


def output_connector_stats(ctx: Context, name: str, view: str, connector: str) -> dict:
    """GET /views/{v}/connectors/{c}/stats: the output entry, error lists included."""
    _, state = running_state(ctx, name)
    full = endpoint_name(view, connector)
    stream = state["stats"]["outputs"].get(full)
    if stream is None:
        raise errors.UnknownOutputEndpoint(
            f"unknown output endpoint name '{full}'", {"endpoint_name": full}
        )
    return output_entry(full, stream, state["stats"], True)
