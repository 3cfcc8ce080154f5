"""Pipeline management: List, Get, Create (POST), Upsert (PUT), Patch and Delete Pipeline."""

from flask import Response
from flask import current_app
from flask.views import MethodView

from app import pipeline_writes
from app.api import Blueprint
from app.api import json_response
from app.blueprints.lifecycle import advance_simulation
from app.blueprints.lifecycle import catch_up_locked
from app.config import is_enterprise
from app.errors import UnknownPipelineName
from app.json_body import JsonBodyParser
from app.schemas.pipeline_bodies import PatchPipelineSchema
from app.schemas.pipeline_bodies import PostPutPipelineSchema
from app.schemas.pipelines import PipelineInfoSchema
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
# Bodies here are refused like upstream's JSON extractor (content type, size, syntax); only
# this blueprint's `json` arguments use it, so body-less action POSTs elsewhere are unaffected.
blp.ARGUMENTS_PARSER = JsonBodyParser()
# Reads and edits see every simulated transition that is due (app/simulator).
blp.before_request(advance_simulation)

VALIDATION_ERRORS = (
    "Invalid name, description, tags or configuration (`EmptyName`, `TooLongName`, "
    "`NameDoesNotMatchPattern`, `TooLongDescription`, `TooManyTags`, `InvalidTag`, "
    "`InvalidRuntimeConfig`, `InvalidProgramConfig`), or a body that is not valid JSON of "
    "this shape (`InvalidRequestBody`)."
)
UPDATE_ERRORS = (
    " Core edits need a fully stopped pipeline (`UpdateRestrictedToStopped`); some need "
    "cleared storage (`EditRestrictedToClearedStorage`)."
)
TOO_LARGE = "Body larger than 2 MiB (`PayloadTooLarge`)."


def write_settings() -> pipeline_writes.WriteSettings:
    """Read the settings that shape writes from the app config."""
    return pipeline_writes.WriteSettings(
        platform_version=current_app.config["PLATFORM_VERSION"],
        enterprise=is_enterprise(current_app.config),
        catch_up=catch_up_locked,
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

    @blp.doc(operationId="post_pipeline")
    @blp.arguments(PostPutPipelineSchema)
    @blp.response(201, PipelineInfoSchema, description="Pipeline successfully created.")
    @blp.error(400, VALIDATION_ERRORS)
    @blp.error(409, "The name is taken (`DuplicateName`).")
    @blp.error(413, TOO_LARGE)
    def post(self, body):
        """Create a pipeline

        Omitted optional fields are empty; the configurations are stored normalized. The new
        pipeline's program is `Pending` until the (simulated) compiler picks it up.
        """
        store = PipelineStore(get_db())
        return json_response(pipeline_writes.create_pipeline(store, body, write_settings()), 201)


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

    @blp.doc(operationId="put_pipeline")
    @blp.arguments(PostPutPipelineSchema)
    @blp.response(200, PipelineInfoSchema, description="Pipeline successfully updated.")
    @blp.alt_response(201, schema=PipelineInfoSchema, description="Pipeline successfully created.")
    @blp.error(
        400,
        VALIDATION_ERRORS + UPDATE_ERRORS + " Creating with a body name other than the path's is "
        "`CannotRenameNonExistingPipeline`.",
    )
    @blp.error(409, "The new name is taken (`DuplicateName`).")
    @blp.error(413, TOO_LARGE)
    def put(self, body, pipeline_name):
        """Create or fully replace a pipeline

        Omitted optional fields reset to their empty or default values. A body `name` other
        than the path's renames the pipeline. An identical PUT changes nothing.
        """
        store = PipelineStore(get_db())
        result, created = pipeline_writes.put_pipeline(store, pipeline_name, body, write_settings())
        return json_response(result, 201 if created else 200)

    @blp.doc(operationId="patch_pipeline")
    @blp.arguments(PatchPipelineSchema)
    @blp.response(200, PipelineInfoSchema, description="Pipeline successfully updated.")
    @blp.error(400, VALIDATION_ERRORS + UPDATE_ERRORS)
    @blp.error(404, "Unknown pipeline name (`UnknownPipelineName`).")
    @blp.error(409, "The new name is taken (`DuplicateName`).")
    @blp.error(413, TOO_LARGE)
    def patch(self, body, pipeline_name):
        """Partially update a pipeline

        Only the given top-level fields change (`null` means unchanged); a configuration given
        replaces the stored one wholesale.
        """
        store = PipelineStore(get_db())
        return json_response(
            pipeline_writes.patch_pipeline(store, pipeline_name, body, write_settings())
        )

    @blp.doc(operationId="delete_pipeline")
    @blp.response(200, description="Pipeline successfully deleted (empty body).")
    @blp.error(
        400,
        "Not fully stopped (`DeleteRestrictedToFullyStopped`) or storage not cleared "
        "(`DeleteRestrictedToClearedStorage`).",
    )
    @blp.error(404, "Unknown pipeline name (`UnknownPipelineName`).")
    def delete(self, pipeline_name):
        """Delete a pipeline

        The pipeline must be fully stopped and its storage cleared.
        """
        pipeline_writes.delete_pipeline(PipelineStore(get_db()), pipeline_name, write_settings())
        # Upstream answers with an empty body and no content type or Cache-Control.
        response = Response(status=200)
        del response.headers["Content-Type"]
        return response
