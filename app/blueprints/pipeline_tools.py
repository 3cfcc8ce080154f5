"""The rest of upstream's pipeline routes: profiles, graph, bundle, transactions, checkpoints.

What the simulation knows is answered for real (the dataflow graph from the program's
relations, a support bundle of what the store holds, transactions, the HTTP-driven clock,
checkpoints in the enterprise edition); the rest gets upstream's own error for the case.
"""

import json

from flask import Response

from app import errors
from app.dataplane_service import process_tools
from app.http.api import Blueprint
from app.http.api import json_response
from app.http.context import domain
from app.http.context import settings
from app.pipelines import inspection
from app.pipelines import support_bundle
from app.schemas.pipeline_tools import ClockAdvanceBodySchema
from app.schemas.pipeline_tools import DiffBodySchema
from app.schemas.pipeline_tools import IncarnationQuerySchema
from app.schemas.pipeline_tools import SamplyQuerySchema
from app.schemas.pipeline_tools import SupportBundleQuerySchema

blp = Blueprint(
    "pipeline_tools",
    __name__,
    url_prefix="/v0/pipelines",
    description="Profiles, dataflow graph, support bundle, transactions, clock and checkpoints.",
)

NOT_DEPLOYED = (
    errors.UnknownPipelineName,
    errors.PipelineInteractionNotDeployed,
    errors.PipelineUnavailable,
)
NOT_SERVING = (*NOT_DEPLOYED, errors.Initializing, errors.Suspended, errors.RestoreInProgress)
OBJECT = {"type": "object"}
BINARY = {"type": "string", "format": "binary"}


def process_json(body) -> Response:
    """A JSON answer of the pipeline process (no manager headers)."""
    return Response(json.dumps(body), 200, mimetype="application/json")


def empty_ok() -> Response:
    """200 with an empty body, as the process answers compaction and rebalancing."""
    response = Response(status=200)
    del response.headers["Content-Type"]
    return response


@blp.route("/<string:pipeline_name>/heap_profile", methods=["GET"])
@blp.doc(operationId="get_pipeline_heap_profile")
@blp.response(200, BINARY)
@blp.errors(*NOT_DEPLOYED, errors.HeapProfilerError)
def heap_profile(pipeline_name):
    """Get a heap profile

    The simulated process is not a profiling build: `400 HeapProfilerError`, as upstream's
    builds without profiling answer.
    """
    process_tools.heap_profile(domain(), pipeline_name)


@blp.route("/<string:pipeline_name>/circuit_profile", methods=["GET"])
@blp.doc(operationId="get_pipeline_circuit_profile")
@blp.response(200, BINARY, description="`profile.zip` holding `profile.json`.")
@blp.errors(*NOT_SERVING)
def circuit_profile(pipeline_name):
    """Get the circuit profile (zip)"""
    body = process_tools.circuit_profile(domain(), pipeline_name)
    disposition = {"Content-Disposition": 'attachment; filename="profile.zip"'}
    return Response(body, 200, mimetype="application/zip", headers=disposition)


@blp.route("/<string:pipeline_name>/circuit_json_profile", methods=["GET"])
@blp.doc(operationId="get_pipeline_circuit_json_profile")
@blp.response(200, OBJECT, description="The simulated circuit's relations and counters.")
@blp.errors(*NOT_SERVING)
def circuit_json_profile(pipeline_name):
    """Get the circuit profile (JSON)"""
    body = json.dumps(process_tools.circuit_json_profile(domain(), pipeline_name))
    disposition = {"Content-Disposition": 'attachment; filename="profile.json"'}
    return Response(body, 200, mimetype="application/json", headers=disposition)


@blp.route("/<string:pipeline_name>/samply_profile", methods=["GET"])
@blp.doc(operationId="get_pipeline_samply_profile")
@blp.arguments(SamplyQuerySchema, location="query", as_kwargs=True)
@blp.response(200, BINARY)
@blp.errors(*NOT_SERVING, errors.InvalidQueryParameter, errors.NoSamplyProfile)
def samply_profile(pipeline_name, **_query):
    """Get the last samply profile

    None is ever taken by the simulated process: `400 NoSamplyProfile`.
    """
    process_tools.samply_profile(domain(), pipeline_name)


@blp.route("/<string:pipeline_name>/samply_profile", methods=["POST"])
@blp.doc(operationId="start_samply_profile")
@blp.arguments(SamplyQuerySchema, location="query", as_kwargs=True)
@blp.response(202)
@blp.errors(*NOT_SERVING, errors.InvalidQueryParameter, errors.SamplyProfilingFailure)
def start_samply_profile(pipeline_name, **_query):
    """Start a samply profile

    samply is not installed in the simulated process: `500 SamplyProfilingFailure`, as
    upstream's process answers when samply cannot run.
    """
    process_tools.start_samply(domain(), pipeline_name)


@blp.route("/<string:pipeline_name>/dataflow_graph", methods=["GET"])
@blp.doc(operationId="get_pipeline_dataflow_graph")
@blp.response(200, OBJECT, description="`{calcite_plan, mir}` built from the relations.")
@blp.errors(errors.UnknownPipelineName, errors.ProgramNotCompiled)
def dataflow_graph(pipeline_name):
    """Get the dataflow graph

    Works in every state once the program compiled: tables are sources, each view reads the
    relations its query names, and each non-local view feeds a sink.
    """
    return json_response(json.dumps(inspection.dataflow_graph(domain(), pipeline_name)))


@blp.route("/<string:pipeline_name>/support_bundle", methods=["GET"])
@blp.doc(operationId="get_pipeline_support_bundle")
@blp.arguments(SupportBundleQuerySchema, location="query", as_kwargs=True)
@blp.response(200, BINARY, description="A zip of what the store holds about the pipeline.")
@blp.errors(
    errors.UnknownPipelineName,
    errors.InvalidQueryParameter,
    errors.InvalidSupportBundleParameter,
)
def get_support_bundle(pipeline_name, collect, limit, **flags):
    """Get a support bundle

    Works in every state: `metadata.txt` and `metadata.json` (what was collected and what
    failed), the configs and program, logs, monitor events, stats (while running) and the
    dataflow graph.
    """
    body = support_bundle.bundle(domain(), pipeline_name, flags, limit)
    filename = f"{pipeline_name}-support-bundle.zip"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(body, 200, mimetype="application/zip", headers=headers)


@blp.route("/<string:pipeline_name>/start_transaction", methods=["POST"])
@blp.doc(operationId="start_transaction")
@blp.response(200, OBJECT, description="`{transaction_id}`")
@blp.errors(*NOT_SERVING, errors.TransactionInProgress)
def start_transaction(pipeline_name):
    """Start a transaction"""
    return process_json(process_tools.start_transaction(domain(), pipeline_name))


@blp.route("/<string:pipeline_name>/commit_transaction", methods=["POST"])
@blp.doc(operationId="commit_transaction")
@blp.response(200, {"type": "string"})
@blp.errors(*NOT_SERVING, errors.NoTransactionInProgress)
def commit_transaction(pipeline_name):
    """Commit the open transaction

    Records are processed as they arrive in the simulation, so the commit completes at once.
    """
    return process_json(process_tools.commit_transaction(domain(), pipeline_name))


@blp.route("/<string:pipeline_name>/start_compaction", methods=["POST"])
@blp.doc(operationId="start_pipeline_compaction")
@blp.response(200)
@blp.errors(*NOT_SERVING)
def start_compaction(pipeline_name):
    """Start compacting storage (nothing to compact in the simulation)"""
    process_tools.require_serving(domain(), pipeline_name)
    return empty_ok()


@blp.route("/<string:pipeline_name>/rebalance", methods=["POST"])
@blp.doc(operationId="rebalance_pipeline")
@blp.response(200)
@blp.errors(*NOT_SERVING)
def rebalance(pipeline_name):
    """Rebalance (does nothing without `adaptive_joins`, as upstream)"""
    process_tools.require_serving(domain(), pipeline_name)
    return empty_ok()


@blp.route("/<string:pipeline_name>/clock/advance", methods=["POST"])
@blp.doc(operationId="advance_pipeline_clock")
@blp.arguments(ClockAdvanceBodySchema)
@blp.response(200, OBJECT, description="`{now_ms, now}`")
@blp.errors(*NOT_SERVING, errors.InvalidRequestBody, errors.InvalidParam)
def advance_clock(body, pipeline_name):
    """Advance the HTTP-driven clock

    Only for a program that calls `NOW()` with `dev_tweaks.now_http_driven`; otherwise
    `400 InvalidParam`, as upstream.
    """
    answer = process_tools.advance_clock(domain(), pipeline_name, body["delta_ms"])
    return process_json(answer)


@blp.route("/<string:pipeline_name>/checkpoint_status", methods=["GET"])
@blp.doc(operationId="get_checkpoint_status")
@blp.arguments(IncarnationQuerySchema, location="query", as_kwargs=True)
@blp.response(200, OBJECT)
@blp.errors(*NOT_SERVING, errors.IncarnationUuidMismatch)
def checkpoint_status(pipeline_name, incarnation_uuid):
    """Get the checkpoint status"""
    body = process_tools.checkpoint_status(domain(), pipeline_name, incarnation_uuid)
    return process_json(body)


@blp.route("/<string:pipeline_name>/checkpoints", methods=["GET"])
@blp.doc(operationId="get_checkpoints")
@blp.response(200, {"type": "array", "items": OBJECT})
@blp.errors(*NOT_DEPLOYED)
def checkpoints(pipeline_name):
    """List the pipeline's checkpoints (oldest first; none in the open-source edition)"""
    return process_json(process_tools.checkpoints(domain(), pipeline_name))


@blp.route("/<string:pipeline_name>/checkpoints/remote", methods=["GET"])
@blp.doc(operationId="get_remote_checkpoints")
@blp.response(200, {"type": "array", "items": OBJECT})
@blp.errors(*NOT_SERVING, errors.CheckpointFetchError)
def remote_checkpoints(pipeline_name):
    """List checkpoints in object storage

    Needs checkpoint sync, which pipeline-store never has: `500 CheckpointFetchError`, as
    upstream without sync configuration.
    """
    process_tools.remote_checkpoints(domain(), pipeline_name)


@blp.route("/<string:pipeline_name>/checkpoint/sync_status", methods=["GET"])
@blp.doc(operationId="get_checkpoint_sync_status")
@blp.arguments(IncarnationQuerySchema, location="query", as_kwargs=True)
@blp.response(200, OBJECT)
@blp.errors(*NOT_SERVING, errors.IncarnationUuidMismatch)
def checkpoint_sync_status(pipeline_name, incarnation_uuid):
    """Get the checkpoint sync status"""
    body = process_tools.checkpoint_sync_status(domain(), pipeline_name, incarnation_uuid)
    return process_json(body)


@blp.route("/<string:pipeline_name>/checkpoint", methods=["POST"])
@blp.doc(operationId="checkpoint_pipeline")
@blp.response(200, OBJECT, description="`{checkpoint_sequence_number, incarnation_uuid}`")
@blp.errors(errors.EnterpriseFeature, *NOT_SERVING)
def checkpoint(pipeline_name):
    """Checkpoint the pipeline

    Open-source edition: `501 EnterpriseFeature` for any name, as upstream's manager.
    """
    if not settings().enterprise:
        raise errors.EnterpriseFeature(feature="checkpoint")
    return process_json(process_tools.checkpoint(domain(), pipeline_name))


@blp.route("/<string:pipeline_name>/checkpoint/sync", methods=["POST"])
@blp.doc(operationId="sync_checkpoint")
@blp.response(202, OBJECT, description="`{checkpoint_uuid, incarnation_uuid}`")
@blp.errors(errors.EnterpriseFeature, *NOT_SERVING, errors.NoCheckpointsToSync)
def sync_checkpoint(pipeline_name):
    """Push the latest checkpoint to object storage

    Open-source edition: `501 EnterpriseFeature`. Enterprise: accepted; with no object store
    the push fails, as `checkpoint/sync_status` then reports.
    """
    if not settings().enterprise:
        raise errors.EnterpriseFeature(feature="checkpoint")
    body = process_tools.sync_checkpoint(domain(), pipeline_name)
    return Response(json.dumps(body), 202, mimetype="application/json")


@blp.route("/<string:pipeline_name>/update_runtime", methods=["POST"])
@blp.doc(operationId="update_pipeline_runtime")
@blp.response(200, OBJECT, description="PipelineInfo")
@blp.errors(errors.UnknownPipelineName, errors.UpdateRestrictedToStopped)
def update_runtime(pipeline_name):
    """Move the pipeline to the platform's runtime version

    Like an edit: a pipeline on another `platform_version` recompiles, and must be stopped.
    """
    return json_response(inspection.update_runtime(domain(), pipeline_name))


@blp.route("/<string:pipeline_name>/diff", methods=["POST"])
@blp.doc(operationId="get_pipeline_diff")
@blp.arguments(DiffBodySchema)
@blp.response(200, OBJECT, description="PipelineDiff")
@blp.errors(
    errors.UnknownPipelineName,
    errors.InvalidRequestBody,
    errors.ProgramNotCompiled,
    errors.InvalidNewProgramSql,
    errors.InvalidRuntimeVersion,
)
def diff(body, pipeline_name):
    """Compare a new program with the compiled one

    Tables, views and connectors added, modified and removed, from the parsed schemas.
    """
    answer = inspection.diff(domain(), pipeline_name, body["program_code"], body["runtime_version"])
    return json_response(json.dumps(answer))
