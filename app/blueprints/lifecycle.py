"""Pipeline lifecycle: start, stop, pause, resume, clear, dismiss_error, approve, activate."""

from app import errors
from app.http.api import Blueprint
from app.http.api import json_response
from app.http.context import domain
from app.pipelines import lifecycle
from app.schemas.lifecycle import ActivateQuerySchema
from app.schemas.lifecycle import ApproveQuerySchema
from app.schemas.lifecycle import StartQuerySchema
from app.schemas.lifecycle import StopQuerySchema

blp = Blueprint(
    "lifecycle",
    __name__,
    url_prefix="/v0/pipelines",
    description="Start, stop, pause, resume and clear pipelines (simulated deployments).",
)

STRING = {"type": "string"}
ACCEPTED = "Action is accepted and is being performed."
FORWARDED_ERRORS = (errors.PipelineInteractionNotDeployed, errors.UnknownPipelineName)


@blp.route("/<string:pipeline_name>/start", methods=["POST"])
@blp.doc(operationId="post_pipeline_start")
@blp.arguments(StartQuerySchema, location="query", as_kwargs=True)
@blp.response(202, STRING, description=ACCEPTED)
@blp.errors(
    errors.InvalidBootstrapConfig,
    errors.IllegalPipelineAction,
    errors.CannotStartWithUndismissedError,
    errors.CannotStartWhileClearingStorage,
    errors.CannotStartWithCompilationError,
    errors.InitialImmutableUnlessStopped,
    errors.BootstrapPolicyImmutableUnlessStopped,
    errors.InitialStandbyNotAllowed,
    errors.InvalidQueryParameter,
    errors.UnknownPipelineName,
    errors.UnsupportedPipelineAction,
)
def start(pipeline_name, **query):
    """Start a pipeline

    Sets the desired status; the pipeline then provisions, initialises and runs (or pauses).
    A start while the program is still compiling waits for it, and fails with
    `StartFailedDueToFailedCompilation` in `deployment_error` if compilation fails.
    """
    return json_response(lifecycle.start(domain(), pipeline_name, query), 202)


@blp.route("/<string:pipeline_name>/stop", methods=["POST"])
@blp.doc(operationId="post_pipeline_stop")
@blp.arguments(StopQuerySchema, location="query", as_kwargs=True)
@blp.response(202, STRING, description=ACCEPTED)
@blp.errors(
    errors.InvalidTransition,
    errors.InvalidQueryParameter,
    errors.UnknownPipelineName,
    errors.UnsupportedPipelineAction,
    errors.EnterpriseFeature,
)
def stop(pipeline_name, force):
    """Stop a pipeline

    `force=true` deprovisions at once; storage stays in use. `force=false` (the default,
    enterprise only) first suspends: the pipeline checkpoints, then stops.
    """
    return json_response(lifecycle.stop(domain(), pipeline_name, force), 202)


@blp.route("/<string:pipeline_name>/pause", methods=["POST"])
@blp.doc(operationId="post_pipeline_pause")
@blp.response(202, STRING, description=ACCEPTED)
@blp.errors(errors.InvalidTransition, *FORWARDED_ERRORS)
def pause(pipeline_name):
    """Pause a pipeline"""
    return json_response(lifecycle.pause(domain(), pipeline_name), 202)


@blp.route("/<string:pipeline_name>/resume", methods=["POST"])
@blp.doc(operationId="post_pipeline_resume")
@blp.response(202, STRING, description=ACCEPTED)
@blp.errors(errors.InvalidTransition, *FORWARDED_ERRORS)
def resume(pipeline_name):
    """Resume a pipeline"""
    return json_response(lifecycle.resume(domain(), pipeline_name), 202)


@blp.route("/<string:pipeline_name>/clear", methods=["POST"])
@blp.doc(operationId="post_pipeline_clear")
@blp.response(202, STRING, description=ACCEPTED)
@blp.errors(errors.StorageStatusImmutableUnlessStopped, errors.UnknownPipelineName)
def clear(pipeline_name):
    """Clear storage

    Storage becomes `Clearing`, then `Cleared`. Already cleared storage is a no-op.
    """
    return json_response(lifecycle.clear(domain(), pipeline_name), 202)


@blp.route("/<string:pipeline_name>/dismiss_error", methods=["POST"])
@blp.doc(operationId="post_pipeline_dismiss_error")
@blp.response(200, STRING, description="Deployment error has been dismissed.")
@blp.errors(errors.DismissErrorRestrictedToFullyStopped, errors.UnknownPipelineName)
def dismiss_error(pipeline_name):
    """Dismiss pipeline deployment error"""
    return json_response(lifecycle.dismiss_error(domain(), pipeline_name))


@blp.route("/<string:pipeline_name>/approve", methods=["POST"])
@blp.doc(operationId="post_pipeline_approve")
@blp.arguments(ApproveQuerySchema, location="query", as_kwargs=True)
@blp.response(200, STRING, description="Bootstrap approved.")
@blp.errors(errors.InvalidBootstrapConfig, errors.InvalidQueryParameter, *FORWARDED_ERRORS)
def approve(pipeline_name, silent_bootstrap, concurrent_bootstrap):
    """Approve bootstrap

    A pipeline `AwaitingApproval` (resuming from a checkpoint of a changed program) starts
    bootstrapping before this call returns.
    """
    reply = lifecycle.approve(domain(), pipeline_name, silent_bootstrap, concurrent_bootstrap)
    return json_response(reply)


@blp.route("/<string:pipeline_name>/activate", methods=["POST"])
@blp.doc(operationId="post_pipeline_activate")
@blp.arguments(ActivateQuerySchema, location="query", as_kwargs=True)
@blp.response(202, STRING, description="Pipeline activation initiated.")
@blp.errors(
    errors.InvalidActivateStatus,
    errors.InvalidTransition,
    errors.EnterpriseFeature,
    *FORWARDED_ERRORS,
)
def activate(pipeline_name, initial):
    """Activate a standby pipeline"""
    return json_response(lifecycle.activate(domain(), pipeline_name, initial), 202)
