"""Watching a pipeline: stats, metrics, time series, connector stats and logs."""

import json

from flask import Response
from flask import request

from app import errors
from app.dataplane_service import logs
from app.dataplane_service import metrics
from app.dataplane_service import stats
from app.dataplane_service import time_series
from app.http.api import Blueprint
from app.http.context import detached
from app.http.context import domain
from app.http.disconnect import watcher
from app.schemas.data import LogsQuerySchema
from app.schemas.data import MetricsQuerySchema
from app.schemas.data import StatsQuerySchema

blp = Blueprint(
    "monitoring",
    __name__,
    url_prefix="/v0/pipelines",
    description="Statistics, metrics and logs of pipelines.",
)

NOT_SERVING = (
    errors.UnknownPipelineName,
    errors.PipelineInteractionNotDeployed,
    errors.PipelineUnavailable,
    errors.Initializing,
    errors.Suspended,
    errors.RestoreInProgress,
)
OBJECT = {"type": "object"}
# What upstream streams a pipeline's logs with (spec §7).
LOG_HEADERS = {"X-Content-Type-Options": "nosniff", "Content-Encoding": "identity"}


def process_json(body) -> Response:
    """A JSON answer of the pipeline process."""
    return Response(json.dumps(body), 200, mimetype="application/json")


@blp.route("/<string:pipeline_name>/stats", methods=["GET"])
@blp.doc(operationId="get_pipeline_stats")
@blp.arguments(StatsQuerySchema, location="query", as_kwargs=True)
@blp.response(200, OBJECT, description="The pipeline's ControllerStatus.")
@blp.errors(*NOT_SERVING, errors.InvalidQueryParameter)
def pipeline_stats(pipeline_name, include_connector_errors):
    """Get pipeline statistics

    Global counters (records in, processed, completed; steps; `pipeline_complete`) and one
    entry per input and output endpoint.
    """
    return process_json(stats.pipeline_stats(domain(), pipeline_name, include_connector_errors))


@blp.route(
    "/<string:pipeline_name>/tables/<string:table_name>/connectors/<string:connector_name>/stats",
    methods=["GET"],
)
@blp.doc(operationId="get_pipeline_input_connector_status")
@blp.response(200, OBJECT, description="The input endpoint's status, with its errors.")
@blp.errors(*NOT_SERVING, errors.UnknownInputEndpoint)
def input_connector_stats(pipeline_name, table_name, connector_name):
    """Get an input connector's statistics"""
    body = stats.input_connector_stats(domain(), pipeline_name, table_name, connector_name)
    return process_json(body)


@blp.route(
    "/<string:pipeline_name>/views/<string:view_name>/connectors/<string:connector_name>/stats",
    methods=["GET"],
)
@blp.doc(operationId="get_pipeline_output_connector_status")
@blp.response(200, OBJECT, description="The output endpoint's status, with its errors.")
@blp.errors(*NOT_SERVING, errors.UnknownOutputEndpoint)
def output_connector_stats(pipeline_name, view_name, connector_name):
    """Get an output connector's statistics"""
    body = stats.output_connector_stats(domain(), pipeline_name, view_name, connector_name)
    return process_json(body)


@blp.route("/<string:pipeline_name>/metrics", methods=["GET"])
@blp.doc(operationId="get_pipeline_metrics")
@blp.arguments(MetricsQuerySchema, location="query", as_kwargs=True)
@blp.response(200, {"type": "string"}, description="Prometheus text, or JSON families.")
@blp.errors(*NOT_SERVING, errors.InvalidQueryParameter)
def pipeline_metrics(pipeline_name, format):
    """Get pipeline metrics"""
    body = metrics.pipeline_metrics(domain(), pipeline_name, format)
    if format == "json":
        return Response(body, 200, mimetype="application/json")
    # Exactly `text/plain`: the SDK returns such bodies as text.
    return Response(body, 200, content_type="text/plain")


@blp.route("/<string:pipeline_name>/time_series", methods=["GET"])
@blp.doc(operationId="get_pipeline_time_series")
@blp.response(200, OBJECT, description="`{now, samples: [{t, r, m, s}]}`, the last minute.")
@blp.errors(*NOT_SERVING)
def pipeline_time_series(pipeline_name):
    """Get the pipeline's metrics history"""
    return process_json(time_series.time_series(domain(), pipeline_name))


@blp.route("/<string:pipeline_name>/time_series_stream", methods=["GET"])
@blp.doc(operationId="get_pipeline_time_series_stream")
@blp.response(200, {"type": "string"}, description="NDJSON samples, then one per second.")
@blp.errors(*NOT_SERVING)
def pipeline_time_series_stream(pipeline_name):
    """Stream the pipeline's metrics history"""
    # Errors are raised here, before the response starts.
    first, last = time_series.first_lines(domain(), pipeline_name)

    alive = watcher(request.environ)

    def lines(ctx):
        yield first
        yield from time_series.follow(ctx, pipeline_name, last, alive)

    return Response(detached(lines), 200, content_type="application/x-ndjson")


@blp.route("/<string:pipeline_name>/logs", methods=["GET"])
@blp.doc(operationId="get_pipeline_logs")
@blp.arguments(LogsQuerySchema, location="query", as_kwargs=True)
@blp.response(200, {"type": "string"}, description="Log lines: the kept ones, then new ones.")
@blp.errors(errors.UnknownPipelineName)
def pipeline_logs(pipeline_name, cursor):
    """Stream the pipeline's logs

    Works in every state. Replays the kept lines (compilation, deployment transitions,
    ingress endpoints and errors), then follows new ones for `STREAM_FOLLOW_SECONDS`.
    """
    stream = logs.open_stream(domain(), pipeline_name, cursor)
    alive = watcher(request.environ)
    return Response(
        detached(lambda ctx: stream.lines(ctx, alive)),
        200,
        content_type="text/plain; charset=utf-8",
        headers={**LOG_HEADERS, **stream.headers()},
    )
