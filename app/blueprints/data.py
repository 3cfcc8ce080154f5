"""Data in and out of a running pipeline: ingress, completion tokens, ad-hoc queries."""

import json

import flask
from flask import Response
from flask import request

from app import errors
from app.dataplane_service import formats
from app.dataplane_service import ingest
from app.dataplane_service import query as adhoc
from app.dataplane_service import tokens
from app.dataplane_service.gate import with_controller
from app.http import websocket
from app.http.api import Blueprint
from app.http.context import domain
from app.schemas.data import AdhocQuerySchema
from app.schemas.data import CompletionStatusQuerySchema
from app.schemas.data import CompletionStatusSchema
from app.schemas.data import IngressQuerySchema
from app.schemas.data import TokenSchema

blp = Blueprint(
    "data",
    __name__,
    url_prefix="/v0/pipelines",
    description="Push rows into a running pipeline's tables and query its tables and views.",
)

# What every forwarded call may answer before the process sees it, and while it starts.
NOT_SERVING = (
    errors.UnknownPipelineName,
    errors.PipelineInteractionNotDeployed,
    errors.PipelineUnavailable,
    errors.Initializing,
    errors.Suspended,
    errors.RestoreInProgress,
)
WS_BINARY_REFUSED = "Binary requests are not supported. Please use text messages."
WS_ERROR_CLOSE = 1011
# How long a WebSocket may take to send its one request frame.
REQUEST_FRAME_SECONDS = 10


def process_json(body: dict) -> Response:
    """A JSON answer of the pipeline process (no manager headers)."""
    return Response(json.dumps(body), 200, mimetype="application/json")


def request_line() -> str:
    """`<HTTP version> <METHOD> <url>`, as upstream's proxy names a failed request."""
    return f"{request.environ.get('SERVER_PROTOCOL', 'HTTP/1.1')} {request.method} {request.url}"


@blp.route("/<string:pipeline_name>/ingress/<string:table_name>", methods=["POST"])
@blp.doc(operationId="http_input")
@blp.doc(
    parameters=[
        {"in": "query", "name": n, "schema": {"type": "string"}}
        for n in IngressQuerySchema().fields
    ]
)
@blp.response(200, TokenSchema, description="Data accepted; the token tracks its processing.")
@blp.errors(
    *NOT_SERVING,
    errors.BootstrapInProgress,
    errors.UnknownInputStream,
    errors.UnknownInputFormat,
    errors.ParserConfigParseError,
    errors.InputFormatNotSupported,
    errors.InvalidQueryParameter,
    errors.ParseErrors,
    errors.IngressRowLimitExceeded,
    errors.IngressBodyTooLarge,
    errors.PipelineRowLimitExceeded,
    errors.PipelineInteractionUnreachable,
    errors.Terminating,
)
def ingress(pipeline_name, table_name):
    """Push data to a table

    The body is JSON (`format=json`, with `update_format` `raw` or `insert_delete`, `array`)
    or CSV (`format=csv`, the default). Tables with a primary key upsert; others keep a
    multiset. Bad records are refused with `ParseErrors` while the good ones are ingested.
    An unforced push into a paused pipeline waits for it to resume.
    """
    body = ingest.ingress(
        domain(),
        pipeline_name,
        table_name,
        request.args.to_dict(),
        request.query_string.decode("utf-8", "replace"),
        request.get_data,
        request.content_length,
        request_line(),
    )
    return process_json(body)


@blp.route("/<string:pipeline_name>/completion_status", methods=["GET"])
@blp.doc(operationId="completion_status")
@blp.arguments(CompletionStatusQuerySchema, location="query", as_kwargs=True)
@blp.response(200, CompletionStatusSchema)
@blp.errors(
    *NOT_SERVING,
    errors.InvalidQueryParameter,
    errors.InvalidParam,
    errors.PipelineRestarted,
    errors.UnknownEndpointInCompletionToken,
)
def completion_status(pipeline_name, token):
    """Check whether a completion token's records are processed"""
    return process_json(tokens.status(domain(), pipeline_name, token))


@blp.route(
    "/<string:pipeline_name>/tables/<string:table_name>/connectors/<string:connector_name>"
    "/completion_token",
    methods=["GET"],
)
@blp.doc(operationId="completion_token")
@blp.response(200, TokenSchema)
@blp.errors(*NOT_SERVING, errors.UnknownInputEndpoint)
def completion_token(pipeline_name, table_name, connector_name):
    """Generate a completion token for an input connector"""
    body = tokens.connector_token(domain(), pipeline_name, table_name, connector_name)
    return process_json(body)


@blp.route("/<string:pipeline_name>/query", methods=["GET"])
@blp.doc(operationId="pipeline_adhoc_sql")
@blp.arguments(AdhocQuerySchema, location="query", as_kwargs=True)
@blp.response(200, {"type": "string", "format": "binary"}, description="The result.")
@blp.errors(*NOT_SERVING, errors.InvalidQueryParameter, errors.AdHocQueryError)
def query(pipeline_name, sql, format):
    """Run an ad-hoc SQL query

    Over materialized tables and views: `text` (a table), `json` (one object per line),
    `arrow_ipc`, `parquet` or `hash`. `INSERT INTO t VALUES …` adds rows. The same path
    accepts a WebSocket (subprotocol `feldera-ws-v1`): one `{"sql", "format"}` text frame in,
    result frames out.
    """
    table = adhoc.run(domain(), pipeline_name, sql, request_line())
    encoded = formats.encode(table, format)
    # The result is computed: its pieces need neither the request nor the store.
    return Response(
        encoded.pieces,
        200,
        content_type=encoded.mimetype,
        headers=encoded.headers,
    )


def _ws_error(ws, error: Exception) -> None:
    if isinstance(error, errors.ApiError):
        fields = error.details if isinstance(error.details, dict) else {"error": error.message}
    else:
        fields = {"error": "An internal server error occurred"}
    try:
        ws.send(json.dumps(fields))
        ws.close(WS_ERROR_CLOSE)
    except websocket.ConnectionClosed:
        pass  # the client left first


def websocket_query(pipeline_name: str) -> Response:
    """Serve one ad-hoc query over a WebSocket (spec §4.x)."""
    ctx = domain()
    with_controller(ctx, pipeline_name)  # a pipeline that is not serving answers plain HTTP
    ws = websocket.accept(request)
    try:
        message = ws.receive(timeout=REQUEST_FRAME_SECONDS)
        if isinstance(message, bytes):
            ws.send(json.dumps({"error": WS_BINARY_REFUSED}))
            ws.close(WS_ERROR_CLOSE)
            return websocket.finished(ws)
        try:
            args = AdhocQuerySchema().load(json.loads(message or ""))
        except Exception as err:  # bad JSON, or fields of the wrong shape
            text = f"Unable to parse adhoc query from the provided JSON: {err}"
            ws.send(json.dumps({"error": text}))
            ws.close(WS_ERROR_CLOSE)
            return websocket.finished(ws)
        table = adhoc.run(ctx, pipeline_name, args["sql"])
        for piece in formats.encode(table, args["format"]).pieces:
            ws.send(piece)
        ws.close(1000)
    except websocket.ConnectionClosed:
        pass
    except Exception as err:  # every failure is reported in the socket, never a 500
        _ws_error(ws, err)
    return websocket.finished(ws)


# Werkzeug routes WebSocket handshakes only to rules marked as such; this one is kept out of
# the OpenAPI document (the `query` operation describes the upgrade).
flask.Blueprint.add_url_rule(
    blp,
    "/<string:pipeline_name>/query",
    "query_websocket",
    websocket_query,
    methods=["GET"],
    websocket=True,
)
