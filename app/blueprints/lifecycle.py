"""Pipeline lifecycle: start, stop, pause, resume, clear, dismiss_error, approve, activate."""

import json
from collections.abc import Callable
from datetime import datetime

from flask import Response
from flask import current_app

from app import timeutil
from app.api import Blueprint
from app.api import json_response
from app.config import is_enterprise
from app.errors import UnknownPipelineName
from app.schemas.lifecycle import ActivateQuerySchema
from app.schemas.lifecycle import ApproveQuerySchema
from app.schemas.lifecycle import StartQuerySchema
from app.schemas.lifecycle import StopQuerySchema
from app.simulator import SimConfig
from app.simulator import actions
from app.simulator import advance
from app.simulator import advance_locked
from app.simulator import refusals
from app.storage import get_db
from app.storage import transaction
from app.storage.pipelines import PipelineStore

blp = Blueprint(
    "lifecycle",
    __name__,
    url_prefix="/v0/pipelines",
    description="Start, stop, pause, resume and clear pipelines (simulated deployments).",
)

STRING = {"type": "string"}
NOT_FOUND = "Unknown pipeline name (`UnknownPipelineName`)."
BAD_QUERY = "a query parameter that does not parse (`InvalidQueryParameter`)."
NOT_DEPLOYED = (
    "Resources are not provisioned (`PipelineInteractionNotDeployed`, with `Retry-After: 5`)."
)


def advance_simulation() -> None:
    """Materialise every due lifecycle transition before the request reads or writes."""
    advance(get_db(), timeutil.now(), current_app.config)


def catch_up_locked(db) -> None:
    """Materialise due transitions inside the caller's write transaction (clock read now)."""
    advance_locked(db, timeutil.now(), SimConfig.from_settings(current_app.config))


# Actions catch up first in batches, then once more under their own write lock.
blp.before_request(advance_simulation)


def enterprise() -> bool:
    """Whether the server imitates the enterprise edition."""
    return is_enterprise(current_app.config)


def act(
    pipeline_name: str, action: Callable[[dict, datetime], actions.Reply], status: int
) -> Response:
    """Run one action on the current state, write its changes, and answer its JSON string."""
    db = get_db()
    config = SimConfig.from_settings(current_app.config)
    store = PipelineStore(db)
    with transaction(db):
        # The clock is read under the write lock, so stamps never go backwards across workers.
        at = timeutil.now()
        advance_locked(db, at, config)
        record = store.get(pipeline_name)
        if record is None:
            raise UnknownPipelineName(pipeline_name)
        reply = action(record, at)
        changes = {**reply.changes, **actions.touch(record, at)}
        if changes:
            store.update(record["id"], changes)
            # Plan the row now; with SIMULATION_SCALE=0 this also runs every follow-up step.
            advance_locked(db, at, config)
    return json_response(json.dumps(reply.body), status)


@blp.route("/<string:pipeline_name>/start", methods=["POST"])
@blp.doc(operationId="post_pipeline_start")
@blp.arguments(StartQuerySchema, location="query", as_kwargs=True)
@blp.response(202, STRING, description="Action is accepted and is being performed.")
@blp.error(
    400,
    "Refused: `InvalidBootstrapConfig`, `IllegalPipelineAction`, `CannotStartWithUndismissedError`"
    ", `CannotStartWhileClearingStorage`, `CannotStartWithCompilationError`, "
    "`InitialImmutableUnlessStopped`, `BootstrapPolicyImmutableUnlessStopped`, "
    "`InitialStandbyNotAllowed`; or " + BAD_QUERY,
)
@blp.error(404, NOT_FOUND)
@blp.error(405, "Unknown `initial` (`UnsupportedPipelineAction`).")
def start(pipeline_name, **query):
    """Start a pipeline

    Sets the desired status; the pipeline then provisions, initialises and runs (or pauses).
    A start while the program is still compiling waits for it, and fails with
    `StartFailedDueToFailedCompilation` in `deployment_error` if compilation fails.
    """
    actions.check_start_query(query)
    return act(pipeline_name, lambda record, at: actions.start(record, query, at), 202)


@blp.route("/<string:pipeline_name>/stop", methods=["POST"])
@blp.doc(operationId="post_pipeline_stop")
@blp.arguments(StopQuerySchema, location="query", as_kwargs=True)
@blp.response(202, STRING, description="Action is accepted and is being performed.")
@blp.error(400, "Suspend from standby (`InvalidTransition`); or " + BAD_QUERY)
@blp.error(404, NOT_FOUND)
@blp.error(405, "Suspend of a pipeline without storage (`UnsupportedPipelineAction`).")
@blp.error(501, "`force=false` in the open-source edition (`EnterpriseFeature`).")
def stop(pipeline_name, force):
    """Stop a pipeline

    `force=true` deprovisions at once; storage stays in use. `force=false` (the default,
    enterprise only) first suspends: the pipeline checkpoints, then stops.
    """
    if not force and not enterprise():
        raise refusals.enterprise_feature("stop?force=false")
    return act(pipeline_name, lambda record, at: actions.stop(record, force, at), 202)


@blp.route("/<string:pipeline_name>/pause", methods=["POST"])
@blp.doc(operationId="post_pipeline_pause")
@blp.response(202, STRING, description="Action is accepted and is being performed.")
@blp.error(400, "From standby or while suspending (`InvalidTransition`).")
@blp.error(404, NOT_FOUND)
@blp.error(503, NOT_DEPLOYED)
def pause(pipeline_name):
    """Pause a pipeline"""
    return act(
        pipeline_name, lambda record, at: actions.transition(record, "pause", "Paused", at), 202
    )


@blp.route("/<string:pipeline_name>/resume", methods=["POST"])
@blp.doc(operationId="post_pipeline_resume")
@blp.response(202, STRING, description="Action is accepted and is being performed.")
@blp.error(400, "From standby or while suspending (`InvalidTransition`).")
@blp.error(404, NOT_FOUND)
@blp.error(503, NOT_DEPLOYED)
def resume(pipeline_name):
    """Resume a pipeline"""
    return act(
        pipeline_name, lambda record, at: actions.transition(record, "start", "Running", at), 202
    )


@blp.route("/<string:pipeline_name>/clear", methods=["POST"])
@blp.doc(operationId="post_pipeline_clear")
@blp.response(202, STRING, description="Action is accepted and is being performed.")
@blp.error(400, "Not fully stopped (`StorageStatusImmutableUnlessStopped`).")
@blp.error(404, NOT_FOUND)
def clear(pipeline_name):
    """Clear storage

    Storage becomes `Clearing`, then `Cleared`. Already cleared storage is a no-op.
    """
    return act(pipeline_name, actions.clear, 202)


@blp.route("/<string:pipeline_name>/dismiss_error", methods=["POST"])
@blp.doc(operationId="post_pipeline_dismiss_error")
@blp.response(200, STRING, description="Deployment error has been dismissed.")
@blp.error(400, "Error present and not fully stopped (`DismissErrorRestrictedToFullyStopped`).")
@blp.error(404, NOT_FOUND)
def dismiss_error(pipeline_name):
    """Dismiss pipeline deployment error"""
    return act(pipeline_name, lambda record, at: actions.dismiss_error(record), 200)


@blp.route("/<string:pipeline_name>/approve", methods=["POST"])
@blp.doc(operationId="post_pipeline_approve")
@blp.arguments(ApproveQuerySchema, location="query", as_kwargs=True)
@blp.response(200, STRING, description="Bootstrap approved.")
@blp.error(400, "Both bootstrap options (`InvalidBootstrapConfig`); or " + BAD_QUERY)
@blp.error(404, NOT_FOUND)
@blp.error(503, NOT_DEPLOYED)
def approve(pipeline_name, silent_bootstrap, concurrent_bootstrap):
    """Approve bootstrap

    A pipeline `AwaitingApproval` (resuming from a checkpoint of a changed program) starts
    bootstrapping before this call returns.
    """
    if silent_bootstrap and concurrent_bootstrap:
        raise refusals.invalid_bootstrap_config()
    return act(
        pipeline_name,
        lambda record, at: actions.approve(record, concurrent_bootstrap, at),
        200,
    )


@blp.route("/<string:pipeline_name>/activate", methods=["POST"])
@blp.doc(operationId="post_pipeline_activate")
@blp.arguments(ActivateQuerySchema, location="query", as_kwargs=True)
@blp.response(202, STRING, description="Pipeline activation initiated.")
@blp.error(400, "Bad `initial` (`InvalidActivateStatus`) or not allowed (`InvalidTransition`).")
@blp.error(404, NOT_FOUND)
@blp.error(501, "Open-source edition (`EnterpriseFeature`).")
@blp.error(503, NOT_DEPLOYED)
def activate(pipeline_name, initial):
    """Activate a standby pipeline"""
    if not enterprise():
        raise refusals.enterprise_feature("start from object store (S3)")
    return act(pipeline_name, lambda record, at: actions.activate(record, initial, at), 202)
