"""Data out of a running pipeline and its connectors: change streams, connector start/pause."""

from flask import Response
from flask import request

from app import errors
from app.dataplane_service import connectors
from app.dataplane_service import streams
from app.dataplane_service.stream_follow import POLL_SECONDS
from app.dataplane_service.stream_follow import Follower
from app.http.api import Blueprint
from app.http.context import domain
from app.http.disconnect import watcher
from app.http.followers import followed

blp = Blueprint(
    "streams",
    __name__,
    url_prefix="/v0/pipelines",
    description="Change streams of tables and views, and control of input connectors.",
)

NOT_SERVING = (
    errors.UnknownPipelineName,
    errors.PipelineInteractionNotDeployed,
    errors.PipelineUnavailable,
    errors.Initializing,
    errors.Suspended,
    errors.RestoreInProgress,
)
EGRESS_ARGS = {
    "format": "`csv` (default) or `json`.",
    "backpressure": "`true` or `false`; every chunk is delivered either way.",
    "send_snapshot": "`true`: the relation's contents first (materialized relations only).",
    "array": "Ignored: JSON chunks always carry an array.",
    "update_format": "JSON: `insert_delete` (default); `raw` and `weighted` are refused.",
}
# Streaming answers of the process carry `Content-Encoding: identity` through the manager.
STREAM_HEADERS = {"Content-Encoding": "identity"}


@blp.route("/<string:pipeline_name>/egress/<string:table_name>", methods=["POST"])
@blp.doc(operationId="http_output")
@blp.doc(
    parameters=[
        {"in": "query", "name": n, "schema": {"type": "string"}, "description": d}
        for n, d in EGRESS_ARGS.items()
    ]
)
@blp.response(200, {"type": "string"}, description="Chunks, one JSON object per `\\r\\n` line.")
@blp.errors(
    *NOT_SERVING,
    errors.InvalidQueryParameter,
    errors.UnknownOutputStream,
    errors.UnknownOutputFormat,
    errors.OutputFormatNotSupported,
    errors.InvalidTransportConfig,
    errors.ApiConnectionLimit,
)
def egress(pipeline_name, table_name):
    """Subscribe to a stream of changes

    Each chunk is `{"sequence_number", "snapshot", "json_data" | "text_data"}`; a chunk
    without data is a keep-alive (the first goes out at once, then one after 3 s without
    output). The stream ends when the pipeline stops, the client leaves, or nothing changed
    for `EGRESS_IDLE_SECONDS`.
    """
    registration = streams.open_stream(domain(), pipeline_name, table_name, request.args.to_dict())
    follower = Follower(registration)
    alive = watcher(request.environ)
    body = followed(
        request.environ,
        follower.first_lines(),
        lambda ctx: (follower.poll(ctx, alive), follower.done),
        follower.close,
        POLL_SECONDS,
    )
    return Response(body, 200, mimetype="application/json", headers=STREAM_HEADERS)


@blp.route(
    "/<string:pipeline_name>/tables/<string:table_name>/connectors/<string:connector_name>"
    "/<string:action>",
    methods=["POST"],
)
@blp.doc(operationId="post_pipeline_input_connector_action")
@blp.response(200, description="The connector's pause flag is set.")
@blp.errors(errors.InvalidConnectorAction, *NOT_SERVING, errors.UnknownInputEndpoint)
def connector_action(pipeline_name, table_name, connector_name, action):
    """Start or pause an input connector

    `start` clears the connector's pause flag, `pause` sets it (idempotent). A connector is
    active only while the pipeline runs and the connector is not paused.
    """
    connectors.set_paused(domain(), pipeline_name, table_name, connector_name, action)
    response = Response(status=200)
    del response.headers["Content-Type"]
    return response
