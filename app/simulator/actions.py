"""Lifecycle actions on one stored pipeline: checks in upstream's order, then the writes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app import errors
from app.pipelines.status import fully_stopped
from app.simulator.model import COMPILE_FAILED
from app.simulator.model import Changes
from app.simulator.model import set_status
from app.simulator.model import sim_state
from app.simulator.model import stamp
from app.simulator.model import storage_configured
from app.simulator.process import bootstrapping
from app.simulator.process import process_desired

INITIALS = {"running": "Running", "paused": "Paused", "standby": "Standby"}
ACTIVATE_TARGETS = {"running": "Running", "paused": "Paused"}


def db_spelling(status: str) -> str:
    """Return a status as upstream's messages print it (`InUse` → `in_use`)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", status).lower()


def not_deployed(record: Mapping[str, Any]) -> errors.PipelineInteractionNotDeployed:
    """The manager's answer to a call forwarded to a pipeline that is not provisioned."""
    status = record["deployment_resources_status"]
    return errors.PipelineInteractionNotDeployed(
        status_text=db_spelling(status),
        pipeline_name=record["name"],
        status=status,
        desired_status=record["deployment_resources_desired_status"],
    )


def storage_immutable(record: Mapping[str, Any]) -> errors.StorageStatusImmutableUnlessStopped:
    """/clear when the pipeline is not fully stopped."""
    resources = record["deployment_resources_status"]
    desired = record["deployment_resources_desired_status"]
    current = record["storage_status"]
    return errors.StorageStatusImmutableUnlessStopped(
        current_text=db_spelling(current),
        resources_text=db_spelling(resources),
        desired_text=db_spelling(desired),
        resources_status=resources,
        resources_desired_status=desired,
        current_status=current,
        new_status="Clearing",
    )


@dataclass(frozen=True)
class Reply:
    """What an action writes and the JSON string it answers with."""

    changes: Changes
    body: str


def touch(record: Mapping[str, Any], at: datetime) -> Changes:
    """Hand the pipeline to the simulation (imported fixtures move once acted on)."""
    if record["simulated"]:
        return {}
    return {"simulated": 1, "simulated_since": stamp(at)}


def check_start_query(query: Mapping[str, Any]) -> str:
    """Checks 2–3 of /start, made before the pipeline is looked up; return `initial`."""
    if query["silent_bootstrap"] and query["concurrent_bootstrap"]:
        raise errors.InvalidBootstrapConfig()
    initial = INITIALS.get(query["initial"])
    if initial is None:
        raise errors.UnsupportedPipelineAction(
            action=f"/start?initial={query['initial']}",
            reason=f"unknown initial runtime desired status: {query['initial']}",
        )
    return initial


def standby_allowed(record: Mapping[str, Any]) -> bool:
    """Whether the storage backend is `file` with `sync` configured."""
    backend = ((record.get("runtime_config") or {}).get("storage") or {}).get("backend") or {}
    return backend.get("name") == "file" and (backend.get("config") or {}).get("sync") is not None


def start(record: Mapping[str, Any], query: Mapping[str, Any], at: datetime) -> Reply:
    """POST /start, checks 5–11 and the desired-status write (lifecycle.md B.5)."""
    initial = INITIALS[query["initial"]]
    resources = record["deployment_resources_status"]
    if record["deployment_resources_desired_status"] == "Stopped" and resources != "Stopped":
        raise errors.IllegalPipelineAction(
            status=resources,
            current_desired_status=record["deployment_resources_desired_status"],
            new_desired_status="Provisioned",
            hint=errors.RESTART_HINT,
        )
    if not query["dismiss_error"] and record["deployment_error"] is not None:
        raise errors.CannotStartWithUndismissedError()
    if record["storage_status"] == "Clearing":
        raise errors.CannotStartWhileClearingStorage()
    if record["program_status"] in COMPILE_FAILED:
        raise errors.CannotStartWithCompilationError(
            program_status=db_spelling(record["program_status"])
        )
    current_initial = record["deployment_initial"]
    if current_initial is not None and current_initial != initial:
        raise errors.InitialImmutableUnlessStopped(
            current=current_initial,
            new=initial,
            current_text=db_spelling(current_initial),
            new_text=db_spelling(initial),
        )
    bootstrap = {
        "bootstrap_policy": query["bootstrap_policy"] or "await_approval",
        "silent_bootstrap": bool(query["silent_bootstrap"]),
        "concurrent_bootstrap": bool(query["concurrent_bootstrap"]),
    }
    if record["bootstrap_policy"] is not None:
        current = {key: record[key] for key in bootstrap}
        if current != bootstrap:
            raise errors.BootstrapPolicyImmutableUnlessStopped(current=current, new=bootstrap)
    if initial == "Standby" and not standby_allowed(record):
        raise errors.InitialStandbyNotAllowed()
    changes = {
        **set_status(record, "deployment_resources_desired_status", "Provisioned", at),
        "deployment_initial": initial,
        **bootstrap,
    }
    if query["dismiss_error"]:
        changes["deployment_error"] = None
    return Reply(changes, "Pipeline is starting")


def stop(record: Mapping[str, Any], force: bool, at: datetime) -> Reply:
    """POST /stop: force stops at once; force=false (enterprise) suspends a provisioned one."""
    resources = record["deployment_resources_status"]
    if not force and resources == "Provisioned":
        return suspend(record, at)
    changes = set_status(record, "deployment_resources_desired_status", "Stopped", at)
    if resources == "Stopped":
        # Nothing runs yet (say, an early start): the runner will not get to null these.
        changes.update(
            deployment_initial=None,
            bootstrap_policy=None,
            silent_bootstrap=False,
            concurrent_bootstrap=False,
        )
    return Reply(changes, "Pipeline is forcefully stopping")


def suspend(record: Mapping[str, Any], at: datetime) -> Reply:
    """Forward /suspend to the process: it checkpoints, then the runner stops it."""
    if not storage_configured(record):
        raise errors.UnsupportedPipelineAction(
            action="suspend",
            reason="this pipeline does not support the suspend action for the following "
            "reason(s):\n    - Storage must be configured",
        )
    current = process_desired(record)
    if current == "Standby":
        raise errors.InvalidTransition(action="suspend", current=current)
    return Reply(request_runtime(record, "Suspended", at), "Pipeline is suspending")


def require_deployed(record: Mapping[str, Any]) -> None:
    """The manager's precondition for calls forwarded to the pipeline process."""
    if record["deployment_resources_status"] != "Provisioned":
        raise not_deployed(record)
    if record["deployment_runtime_status"] == "Unavailable":
        raise errors.PipelineUnavailable(pipeline_name=record["name"])


def request_runtime(record: Mapping[str, Any], target: str, at: datetime) -> Changes:
    """Change the process's runtime desired status; the runner copies it shortly after."""
    sim = sim_state(record)
    if process_desired(record) != target:
        sim.update(process_desired=target, process_desired_since=stamp(at))
    return {"simulation": sim}


def transition(record: Mapping[str, Any], action: str, target: str, at: datetime) -> Reply:
    """Forwarded /pause (`pause`), /resume (`start`) or /activate: 202 from the process."""
    require_deployed(record)
    current = process_desired(record)
    if current == "Suspended" or (current == "Standby" and action != "activate"):
        raise errors.InvalidTransition(action=action, current=current)
    changes = request_runtime(record, target, at)
    return Reply(changes, f"Pipeline transitioning from {current} to {target}")


def activate(record: Mapping[str, Any], initial: str, at: datetime) -> Reply:
    """POST /activate (enterprise): leave Standby, or act like /pause or /resume."""
    require_deployed(record)
    target = ACTIVATE_TARGETS.get(initial.lower())
    if target is None:
        raise errors.InvalidActivateStatus(value=initial)
    return transition(record, "activate", target, at)


def approve(record: Mapping[str, Any], concurrent: bool, at: datetime) -> Reply:
    """POST /approve: an awaiting process starts bootstrapping before the call returns."""
    require_deployed(record)
    if record["deployment_runtime_status"] != "AwaitingApproval":
        return Reply({}, "Bootstrap approved")
    concurrent = concurrent or bool(record["concurrent_bootstrap"])
    return Reply(bootstrapping(record, at, concurrent), "Bootstrap approved")


def clear(record: Mapping[str, Any], at: datetime) -> Reply:
    """POST /clear: Clearing now, Cleared once the runner deleted the storage."""
    body = "Pipeline storage is being cleared"
    storage = record["storage_status"]
    if storage == "Cleared":
        return Reply({}, body)
    if not fully_stopped(record):
        raise storage_immutable(record)
    sim = sim_state(record)
    if storage != "Clearing":
        sim["clearing_since"] = stamp(at)
    changes = {"storage_status": "Clearing", "storage_status_details": None, "simulation": sim}
    return Reply(changes, body)


def dismiss_error(record: Mapping[str, Any]) -> Reply:
    """POST /dismiss_error: only a fully stopped pipeline may lose its error."""
    if record["deployment_error"] is not None and not fully_stopped(record):
        raise errors.DismissErrorRestrictedToFullyStopped()
    return Reply({"deployment_error": None}, "Pipeline deployment error has been dismissed")
