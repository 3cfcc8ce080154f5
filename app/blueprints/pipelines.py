"""Pipeline management: List Pipelines and Get Pipeline."""

from flask import Response
from flask.views import MethodView

from app.api import Blueprint
from app.errors import UnknownPipelineName
from app.schemas.pipelines import PipelineSelectedInfoSchema
from app.schemas.pipelines import SelectorQuerySchema
from app.storage import get_db
from app.storage.pipelines import PipelineStore

blp = Blueprint(
    "pipelines",
    __name__,
    url_prefix="/v0/pipelines",
    description="Create, read, update and delete pipelines.",
)


def json_response(body: str, status: int = 200) -> Response:
    """Return already-rendered JSON with upstream's success headers."""
    return Response(
        body, status, mimetype="application/json", headers={"Cache-Control": "no-cache"}
    )


@blp.route("")
class Pipelines(MethodView):
    """The pipeline collection."""

    @blp.doc(operationId="list_pipelines")
    @blp.arguments(SelectorQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, PipelineSelectedInfoSchema(many=True))
    def get(self, selector):
        """List pipelines

        Ordered by creation (id). `selector=status` and `status_with_connectors` drop the
        large fields (program code, configs, program info) for dashboards that poll.
        """
        # The store renders the JSON in SQLite; dumping thousands of rows through
        # marshmallow would dominate the request (see benchmarks/).
        return json_response(PipelineStore(get_db()).list_json(selector))


@blp.route("/<string:pipeline_name>")
class PipelinesByName(MethodView):
    """One pipeline, addressed by name."""

    @blp.doc(operationId="get_pipeline")
    @blp.arguments(SelectorQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, PipelineSelectedInfoSchema)
    @blp.error(404, "Unknown pipeline name (`UnknownPipelineName`).")
    def get(self, selector, pipeline_name):
        """Get a pipeline"""
        body = PipelineStore(get_db()).get_json(pipeline_name, selector)
        if body is None:
            raise UnknownPipelineName(pipeline_name)
        return json_response(body)
