"""Simulated runner: the reconciliation steps T-1…T-5 and T-E of lifecycle.md B.3."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from datetime import timedelta
from typing import Any

from app.simulator import faults
from app.simulator.compile import outcome_for
from app.simulator.model import COMPILE_FAILED
from app.simulator.model import COMPILING
from app.simulator.model import DATA_CLEAR
from app.simulator.model import DATA_START
from app.simulator.model import DATA_STOP
from app.simulator.model import Changes
from app.simulator.model import SimConfig
from app.simulator.model import Step
from app.simulator.model import base_time
from app.simulator.model import bump
from app.simulator.model import data_effect
from app.simulator.model import runtime_config_value
from app.simulator.model import set_status
from app.simulator.model import sim_state
from app.simulator.model import stamp
from app.simulator.process import process_steps
from app.simulator.process import runtime_cleared
from app.timeutil import uuid7

# What the local runner reports about a healthy pipeline process.
HEALTH = {"process": "has not exited", "working_dir": "exists"}
INITIALIZING_DETAILS = {"reason": "initializing set by the runner"}


def runner_steps(record: Mapping[str, Any], config: SimConfig) -> list[Step]:
    """Return the runner's next steps, keyed by (storage, resources, desired) like upstream."""
    resources = record["deployment_resources_status"]
    desired = record["deployment_resources_desired_status"]
    resources_since = record["deployment_resources_status_since"]
    desired_since = record["deployment_resources_desired_status_since"]
    if resources == "Stopped":
        if desired == "Stopped":
            if record["storage_status"] != "Clearing":
                return []
            since = base_time(record, sim_state(record).get("clearing_since"))
            return [Step(since + config.clear, lambda at: cleared(record, at))]
        program = record["program_status"]
        if program in COMPILING:
            return []  # early start: wait for the compiler
        since = base_time(record, desired_since, record["program_status_since"])
        if program in COMPILE_FAILED:
            error = faults.start_failed_due_to_failed_compilation(program)
            return [Step(since + config.runner, lambda at: start_refused(record, at, error))]
        return [Step(since + config.runner, lambda at: provisioning(record, at))]
    if resources == "Stopping":
        since = base_time(record, resources_since)
        return [Step(since + config.stop, lambda at: stopped(record, at))]
    if desired == "Stopped":
        since = base_time(record, resources_since, desired_since)
        return [Step(since + config.runner, lambda at: stopping(record, at, None))]
    if resources == "Provisioning":
        since = base_time(record, resources_since)
        fault = outcome_for(record)["runtime_fault"] or {}
        if fault.get("kind") == "provisioning-timeout":
            timeout = provisioning_timeout(record, config)
            error = faults.provisioning_timeout(timeout)
            return [Step(since + timeout, lambda at: stopping(record, at, error))]
        return [Step(since + config.provision, lambda at: provisioned(record, at))]
    return process_steps(record, config, stopping)


def provisioning_timeout(record: Mapping[str, Any], config: SimConfig) -> timedelta:
    """Return the pipeline's own `provisioning_timeout_secs`, else the setting (both scaled)."""
    seconds = runtime_config_value(record, "provisioning_timeout_secs")
    if isinstance(seconds, int | float) and not isinstance(seconds, bool):
        return config.scaled(float(seconds))
    return config.provisioning_timeout


def without_bootstrap() -> Changes:
    """The bootstrap config of a start is forgotten when the deployment ends."""
    return {"bootstrap_policy": None, "silent_bootstrap": False, "concurrent_bootstrap": False}


def provisioning(record: Mapping[str, Any], at: datetime) -> Changes:
    """T-1: storage in use, resources Provisioning, a fresh deployment id."""
    return {
        "storage_status": "InUse",
        **set_status(record, "deployment_resources_status", "Provisioning", at),
        "deployment_resources_status_details": None,
        **runtime_cleared(),
        "deployment_error": None,
        "deployment_id": uuid7(at),
        **bump(record),
    }


def provisioned(record: Mapping[str, Any], at: datetime) -> Changes:
    """T-2: resources Provisioned; the runner reports the runtime as Initializing."""
    sim = sim_state(record)
    initial = record["deployment_initial"] or "Running"
    sim.update(process_desired=initial, process_desired_since=stamp(at))
    return {
        **set_status(record, "deployment_resources_status", "Provisioned", at),
        "deployment_resources_status_details": dict(HEALTH),
        "deployment_runtime_status": "Initializing",
        "deployment_runtime_status_since": stamp(at),
        "deployment_runtime_status_details": dict(INITIALIZING_DETAILS),
        "deployment_runtime_desired_status": initial,
        "deployment_runtime_desired_status_since": stamp(at),
        "deployment_error": None,
        "simulation": sim,
        **data_effect(DATA_START),
        **bump(record),
    }


def stopping(record: Mapping[str, Any], at: datetime, error: dict | None) -> Changes:
    """T-4: desired forced to Stopped, resources Stopping, runtime fields and initial nulled."""
    sim = sim_state(record)
    for key in ("process_desired", "process_desired_since", "ready_at"):
        sim.pop(key, None)
    return {
        **set_status(record, "deployment_resources_desired_status", "Stopped", at),
        **set_status(record, "deployment_resources_status", "Stopping", at),
        "deployment_resources_status_details": None,
        **runtime_cleared(),
        "deployment_error": error,
        "deployment_initial": None,
        **without_bootstrap(),
        "simulation": sim,
        **data_effect(DATA_STOP),
        **bump(record),
    }


def stopped(record: Mapping[str, Any], at: datetime) -> Changes:
    """T-5: resources Stopped; the deployment error is kept, the storage stays as it is."""
    return {
        **set_status(record, "deployment_resources_status", "Stopped", at),
        "deployment_resources_status_details": None,
        "deployment_id": None,
        **runtime_cleared(),
        "deployment_initial": None,
        **without_bootstrap(),
        **bump(record),
    }


def start_refused(record: Mapping[str, Any], at: datetime, error: dict) -> Changes:
    """T-E: the runner cannot start (failed compile); resources never left Stopped."""
    return {
        **set_status(record, "deployment_resources_desired_status", "Stopped", at),
        "deployment_initial": None,
        **without_bootstrap(),
        "deployment_error": error,
        **bump(record),
    }


def cleared(record: Mapping[str, Any], at: datetime) -> Changes:
    """Clearing → Cleared: storage deleted, checkpoints gone."""
    sim = sim_state(record)
    sim.pop("clearing_since", None)
    sim.pop("checkpoint", None)
    return {
        "storage_status": "Cleared",
        "storage_status_details": None,
        "simulation": sim,
        **data_effect(DATA_CLEAR),
        **bump(record),
    }
