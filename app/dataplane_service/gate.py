"""Who may be asked what: the manager's deployment check and the process's own (§1.2, §1.3)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app import errors
from app.pipelines.catch_up import catch_up
from app.pipelines.context import Context
from app.simulator.actions import require_deployed

# Runtime statuses of a process that has no controller yet.
WITHOUT_CONTROLLER = ("Initializing", "Standby", "AwaitingApproval")
# Runtime statuses in which the SDK lets clients push data and listen.
SERVING = ("Running", "Paused", "ConcurrentBootstrapping", "Synchronizing")


def pipeline(ctx: Context, name: str) -> dict:
    """Return the caught-up record of a pipeline, or raise UnknownPipelineName."""
    catch_up(ctx)
    record = ctx.store.pipelines.get(name)
    if record is None:
        raise errors.UnknownPipelineName(pipeline_name=name)
    return record


def pipeline_by_id(ctx: Context, pipeline_id: str) -> dict | None:
    """Return the caught-up record with this id, or None once it was deleted."""
    catch_up(ctx)
    return next(iter(ctx.store.pipelines.get_many([pipeline_id])), None)


def deployed(ctx: Context, name: str) -> dict:
    """The manager's precondition for a forwarded call: the record, or 404/503 (§1.2)."""
    record = pipeline(ctx, name)
    require_deployed(record)
    return record


def require_controller(record: Mapping[str, Any]) -> None:
    """Raise what the process answers while it has no controller (§1.3)."""
    status = record["deployment_runtime_status"]
    if status in WITHOUT_CONTROLLER:
        raise errors.Initializing()
    if status == "Suspended":
        raise errors.Suspended()


def with_controller(ctx: Context, name: str) -> dict:
    """A deployed pipeline whose process has a controller (stats, queries, tokens, …)."""
    record = deployed(ctx, name)
    require_controller(record)
    if record["deployment_runtime_status"] == "Replaying":
        raise errors.RestoreInProgress()
    return record


def require_new_endpoints(record: Mapping[str, Any]) -> None:
    """Raise what the process answers to a new input endpoint while it bootstraps or replays."""
    status = record["deployment_runtime_status"]
    if status == "Bootstrapping":
        raise errors.BootstrapInProgress()
    if status == "Replaying":
        raise errors.RestoreInProgress()


def is_paused(record: Mapping[str, Any]) -> bool:
    """Tell whether the process is paused (unforced ingress waits, spec §2.4)."""
    return record["deployment_runtime_status"] == "Paused"
