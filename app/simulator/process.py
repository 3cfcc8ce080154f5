"""Simulated pipeline process: runtime sub-states while Provisioned (lifecycle.md B.4, T-3)."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from app.simulator import faults
from app.simulator.bootstrap import pending_bootstrap
from app.simulator.bootstrap import take_checkpoint
from app.simulator.compile import outcome_for
from app.simulator.connector_start import start_error
from app.simulator.model import DATA_SUSPEND
from app.simulator.model import Changes
from app.simulator.model import SimConfig
from app.simulator.model import Step
from app.simulator.model import base_time
from app.simulator.model import bump
from app.simulator.model import data_effect
from app.simulator.model import set_status
from app.simulator.model import sim_state
from app.simulator.model import stamp
from app.simulator.model import storage_configured

# T-4 of the runner, passed in so that this module does not import the runner.
Stopping = Callable[[Mapping[str, Any], datetime, dict | None], Changes]

ACTIVE = ("Running", "Paused")


def connector_stats() -> dict:
    """What a running process reports; `selector=status_with_connectors` renders it."""
    return {"connector_stats": {"num_errors": 0}}


def runtime_cleared() -> Changes:
    """All runtime fields null (no process, or not yet reported)."""
    return {
        "deployment_runtime_status": None,
        "deployment_runtime_status_since": None,
        "deployment_runtime_status_details": None,
        "deployment_runtime_desired_status": None,
        "deployment_runtime_desired_status_since": None,
    }


def process_desired(record: Mapping[str, Any]) -> str:
    """Return the process's own runtime desired status (it leads the stored one)."""
    return (
        sim_state(record).get("process_desired")
        or record["deployment_runtime_desired_status"]
        or record["deployment_initial"]
        or "Running"
    )


def process_steps(record: Mapping[str, Any], config: SimConfig, stopping: Stopping) -> list[Step]:
    """Return the process's next steps while resources are Provisioned and desired."""
    sim = sim_state(record)
    status = record["deployment_runtime_status"]
    visible = record["deployment_runtime_desired_status"]
    steps = []
    requested = sim.get("process_desired")
    if requested and requested != visible:
        since = base_time(record, sim.get("process_desired_since"))
        steps.append(Step(since + config.runtime_change, lambda at: reflect(record, at)))
    if visible == "Suspended":
        # The process checkpoints, reports Suspended, and the runner stops it at once.
        since = base_time(record, record["deployment_runtime_desired_status_since"])
        steps.append(Step(since + config.suspend, lambda at: suspended(record, at, stopping)))
        return steps
    since = base_time(record, record["deployment_runtime_status_since"])
    if status == "Initializing":
        done = since + config.initialize
        steps.append(Step(done, lambda at: initialized(record, at, config, stopping)))
    elif status in ("Bootstrapping", "Synchronizing"):
        steps.append(Step(since + config.bootstrap, lambda at: ready(record, at, checkpoint=True)))
    elif status == "ConcurrentBootstrapping":
        done = since + config.bootstrap
        steps.append(Step(done, lambda at: runtime(record, at, "Synchronizing", {})))
    elif status in ACTIVE:
        fault = outcome_for(record)["runtime_fault"] or {}
        if fault.get("kind") == "crash":
            error = faults.worker_panic(fault.get("message") or "Injected pipeline crash")
            crash = base_time(record, sim.get("ready_at")) + config.scaled(fault["after_secs"])
            steps.append(Step(crash, lambda at: stopping(record, at, error)))
    return steps


def runtime(record: Mapping[str, Any], at: datetime, status: str, details: dict) -> Changes:
    """T-3: the process reports a new runtime status."""
    return {
        **set_status(record, "deployment_runtime_status", status, at),
        "deployment_runtime_status_details": details,
        **bump(record),
    }


def reflect(record: Mapping[str, Any], at: datetime) -> Changes:
    """T-3 after /pause, /resume, /activate or a suspend request reached the process."""
    requested = process_desired(record)
    status = record["deployment_runtime_status"]
    changes = set_status(record, "deployment_runtime_desired_status", requested, at)
    if status in ACTIVE and requested in ACTIVE:
        changes.update(set_status(record, "deployment_runtime_status", requested, at))
    elif status == "Standby" and requested in ACTIVE:
        # Activation loads the checkpoint first: Standby → Initializing → Running/Paused.
        changes.update(set_status(record, "deployment_runtime_status", "Initializing", at))
        changes["deployment_runtime_status_details"] = {}
    return {**changes, **bump(record)}


def initialized(
    record: Mapping[str, Any], at: datetime, config: SimConfig, stopping: Stopping
) -> Changes:
    """Initialisation ends: Standby, AwaitingApproval, Bootstrapping or the desired status."""
    failed = start_error(record)
    if failed is not None:
        return stopping(record, at, failed)
    target = process_desired(record)
    if target == "Standby":
        if not config.enterprise:
            reason = "standby mode requires the Enterprise edition"
            return stopping(record, at, faults.initialization_error(reason))
        return runtime(record, at, "Standby", {})
    diff = pending_bootstrap(record)
    if diff is not None:
        policy = record["bootstrap_policy"] or "await_approval"
        if policy == "reject":
            reason = "the program changed since the checkpoint and `bootstrap_policy` is `reject`"
            return stopping(record, at, faults.initialization_error(reason))
        if policy == "await_approval":
            return runtime(record, at, "AwaitingApproval", {"approval_diff": diff})
        return bootstrapping(record, at, record["concurrent_bootstrap"])
    return ready(record, at)


def bootstrapping(record: Mapping[str, Any], at: datetime, concurrent: bool) -> Changes:
    """Start bootstrapping the changed part of the program (after approval, or `allow`)."""
    return runtime(record, at, "ConcurrentBootstrapping" if concurrent else "Bootstrapping", {})


def ready(record: Mapping[str, Any], at: datetime, checkpoint: bool = False) -> Changes:
    """The process runs (or is paused) and reports connector stats and storage details."""
    target = process_desired(record)
    sim = sim_state(record)
    sim["ready_at"] = stamp(at)
    changes = {
        **runtime(record, at, target, connector_stats()),
        **set_status(record, "deployment_runtime_desired_status", target, at),
        "simulation": sim,
    }
    if checkpoint:
        # A finished bootstrap is committed as a checkpoint of the new program.
        changes["storage_status_details"] = take_checkpoint(record, at, sim)
    elif storage_configured(record) and record["storage_status_details"] is None:
        changes["storage_status_details"] = {"checkpoints": []}
    return changes


def suspended(record: Mapping[str, Any], at: datetime, stopping: Stopping) -> Changes:
    """The suspend checkpoint is written; the runner goes to Stopping (T-4, no error)."""
    changes = stopping(record, at, None)
    sim = changes["simulation"]
    changes["storage_status_details"] = take_checkpoint(record, at, sim)
    # The data is in the checkpoint: kept for the next start (dataplane.md §11).
    return {**changes, **data_effect(DATA_SUSPEND)}
