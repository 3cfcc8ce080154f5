"""Monitor events of pipelines and of the cluster, and the platform's owners."""

import json

from flask.views import MethodView

from app import errors
from app.dataplane_service import gate
from app.http.api import Blueprint
from app.http.api import json_response
from app.http.context import domain
from app.monitor import cluster_events
from app.monitor import pipeline_events
from app.schemas.events import EventSelectorQuerySchema
from app.storage import check_health

blp = Blueprint(
    "events",
    __name__,
    url_prefix="/v0",
    description="Status snapshots of pipelines and health rounds of the cluster.",
)
EVENT_LIST = {"type": "array", "items": {"type": "object"}}
EVENT = {"type": "object"}


@blp.route("/pipelines/<string:pipeline_name>/events")
class PipelineEvents(MethodView):
    """A pipeline's status snapshots."""

    @blp.doc(operationId="list_pipeline_events")
    @blp.arguments(EventSelectorQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, EVENT_LIST)
    @blp.errors(errors.UnknownPipelineName, errors.InvalidQueryParameter)
    def get(self, pipeline_name, selector):
        """List pipeline events

        Newest first: one snapshot of the status fields per change (creation, edits, every
        compile and deployment transition, actions, dismissed errors); the newest 720 are
        kept. `selector=all` adds the details fields and the deployment error.
        """
        ctx = domain()
        record = gate.pipeline(ctx, pipeline_name)
        return json_response(json.dumps(pipeline_events.events(ctx.store, record["id"], selector)))


@blp.route("/pipelines/<string:pipeline_name>/events/<string:event_id>")
class PipelineEvent(MethodView):
    """One status snapshot."""

    @blp.doc(operationId="get_pipeline_event")
    @blp.arguments(EventSelectorQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, EVENT)
    @blp.errors(
        errors.UnknownPipelineName,
        errors.InvalidUuidParam,
        errors.InvalidQueryParameter,
        errors.UnknownPipelineMonitorEvent,
        errors.NoPipelineMonitorEventsAvailable,
    )
    def get(self, pipeline_name, event_id, selector):
        """Get a pipeline event

        By id, or `latest`.
        """
        ctx = domain()
        record = gate.pipeline(ctx, pipeline_name)
        body = pipeline_events.event(ctx.store, record["id"], event_id, selector)
        return json_response(json.dumps(body))


@blp.route("/cluster/events")
class ClusterEvents(MethodView):
    """Health rounds of the API server, compiler and runner."""

    @blp.doc(operationId="list_cluster_events")
    @blp.response(200, EVENT_LIST)
    def get(self):
        """List cluster events

        Newest first, short form (`selector` is ignored, as upstream). A round is recorded on
        the first request, when health flips, and every 10 minutes while healthy.
        """
        ctx = domain()
        cluster_events.observe(ctx, check_health())
        return json_response(json.dumps(cluster_events.events(ctx)))


@blp.route("/cluster/events/<string:event_id>")
class ClusterEvent(MethodView):
    """One health round."""

    @blp.doc(operationId="get_cluster_event")
    @blp.arguments(EventSelectorQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, EVENT)
    @blp.errors(
        errors.InvalidUuidParam,
        errors.InvalidQueryParameter,
        errors.UnknownClusterMonitorEvent,
        errors.NoClusterMonitorEventsAvailable,
    )
    def get(self, event_id, selector):
        """Get a cluster event

        By id, or `latest` (what the web console polls).
        """
        ctx = domain()
        cluster_events.observe(ctx, check_health())
        return json_response(json.dumps(cluster_events.event(ctx, event_id, selector)))


@blp.route("/config/owners")
class Owners(MethodView):
    """The platform's owners."""

    @blp.doc(operationId="get_config_owners")
    @blp.response(200, EVENT)
    @blp.errors(errors.InsufficientPermissions)
    def get(self):
        """Get the platform owners

        Required role: `owner`, which no caller of pipeline-store has (API keys carry `read`
        or `write`, no-auth callers are `admin`): the answer is `403 InsufficientPermissions`,
        as upstream's without configured owners.
        """
        return json_response(json.dumps({"owners": [], "owner_trusts": []}))
