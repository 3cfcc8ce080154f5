"""Pipeline management: List, Get, Create (POST), Upsert (PUT), Patch and Delete Pipeline."""

from flask.views import MethodView

from app import errors
from app.http.api import Blueprint
from app.http.api import empty_response
from app.http.api import json_response
from app.http.conditional import client_tags
from app.http.conditional import conditional_response
from app.http.conditional import matcher
from app.http.context import domain
from app.pipelines import reads
from app.pipelines import writes
from app.schemas.pipeline_bodies import PatchPipelineSchema
from app.schemas.pipeline_bodies import PostPutPipelineSchema
from app.schemas.pipelines import ListQuerySchema
from app.schemas.pipelines import PipelineInfoSchema
from app.schemas.pipelines import PipelineSelectedInfoSchema
from app.schemas.pipelines import SelectorQuerySchema
from app.storage.interface import PipelineFilter

blp = Blueprint(
    "pipelines",
    __name__,
    url_prefix="/v0/pipelines",
    description="Create, read, update and delete pipelines.",
)

BODY_ERRORS = (
    errors.InvalidRequestBody,
    errors.EmptyName,
    errors.TooLongName,
    errors.NameDoesNotMatchPattern,
    errors.TooLongDescription,
    errors.TooManyTags,
    errors.InvalidTag,
    errors.InvalidRuntimeConfig,
    errors.InvalidProgramConfig,
    errors.PayloadTooLarge,
    errors.DuplicateName,
)
UPDATE_ERRORS = (errors.UpdateRestrictedToStopped, errors.EditRestrictedToClearedStorage)
CONDITIONAL = (
    "Carries a strong `ETag` that changes whenever any byte of this answer would. Send it back "
    "in `If-None-Match` to get `304 Not Modified` with no body while nothing changed."
)
NOT_MODIFIED = "The copy named in `If-None-Match` is current: no body."


@blp.route("")
class Pipelines(MethodView):
    """The pipeline collection."""

    @blp.query(ListQuerySchema())
    @blp.documented(
        blp.doc(operationId="list_pipelines"),
        blp.response(200, PipelineSelectedInfoSchema(many=True), description=CONDITIONAL),
        blp.alt_response(304, description=NOT_MODIFIED),
        blp.errors(errors.InvalidQueryParameter),
    )
    def get(self, selector, tag, name):
        """List pipelines

        Ordered by creation (id). `selector=status` and `status_with_connectors` drop the
        large fields (program code, configs, program info) for dashboards that poll. `tag`
        and `name` filter inside the database; without them every pipeline is listed.
        """
        tags = client_tags()
        answer = reads.list_answer(domain(), selector, PipelineFilter(tag, name), matcher(tags))
        return conditional_response(answer, tags)

    @blp.doc(operationId="post_pipeline")
    @blp.arguments(PostPutPipelineSchema)
    @blp.response(201, PipelineInfoSchema, description="Pipeline successfully created.")
    @blp.errors(*BODY_ERRORS)
    def post(self, body):
        """Create a pipeline

        Omitted optional fields are empty; the configurations are stored normalized. The new
        pipeline's program is `Pending` until the (simulated) compiler picks it up.
        """
        return json_response(writes.create_pipeline(domain(), body), 201)


@blp.route("/<string:pipeline_name>")
class PipelinesByName(MethodView):
    """One pipeline, addressed by name."""

    @blp.query(SelectorQuerySchema())
    @blp.documented(
        blp.doc(operationId="get_pipeline"),
        blp.response(200, PipelineSelectedInfoSchema, description=CONDITIONAL),
        blp.alt_response(304, description=NOT_MODIFIED),
        blp.errors(errors.InvalidQueryParameter, errors.UnknownPipelineName),
    )
    def get(self, selector, pipeline_name):
        """Get a pipeline"""
        tags = client_tags()
        answer = reads.get_answer(domain(), pipeline_name, selector, matcher(tags))
        return conditional_response(answer, tags)

    @blp.doc(operationId="put_pipeline")
    @blp.arguments(PostPutPipelineSchema)
    @blp.response(200, PipelineInfoSchema, description="Pipeline successfully updated.")
    @blp.alt_response(201, schema=PipelineInfoSchema, description="Pipeline successfully created.")
    @blp.errors(*BODY_ERRORS, *UPDATE_ERRORS, errors.CannotRenameNonExistingPipeline)
    def put(self, body, pipeline_name):
        """Create or fully replace a pipeline

        Omitted optional fields reset to their empty or default values. A body `name` other
        than the path's renames the pipeline. An identical PUT changes nothing.
        """
        result, created = writes.put_pipeline(domain(), pipeline_name, body)
        return json_response(result, 201 if created else 200)

    @blp.doc(operationId="patch_pipeline")
    @blp.arguments(PatchPipelineSchema)
    @blp.response(200, PipelineInfoSchema, description="Pipeline successfully updated.")
    @blp.errors(*BODY_ERRORS, *UPDATE_ERRORS, errors.UnknownPipelineName)
    def patch(self, body, pipeline_name):
        """Partially update a pipeline

        Only the given top-level fields change (`null` means unchanged); a configuration given
        replaces the stored one wholesale.
        """
        return json_response(writes.patch_pipeline(domain(), pipeline_name, body))

    @blp.doc(operationId="delete_pipeline")
    @blp.response(200, description="Pipeline successfully deleted (empty body).")
    @blp.errors(
        errors.DeleteRestrictedToFullyStopped,
        errors.DeleteRestrictedToClearedStorage,
        errors.UnknownPipelineName,
    )
    def delete(self, pipeline_name):
        """Delete a pipeline

        The pipeline must be fully stopped and its storage cleared.
        """
        writes.delete_pipeline(domain(), pipeline_name)
        return empty_response()
