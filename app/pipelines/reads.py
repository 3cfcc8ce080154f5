"""List, get and export pipelines as clients see them: caught up, rendered by the store."""

import json

from app import errors
from app.pipelines.catch_up import catch_up
from app.pipelines.context import Context
from app.schemas.pipelines import ALL
from app.schemas.pipelines import FIELD_SETS


def list_pipelines(ctx: Context, selector: str) -> str:
    """Return the List Pipelines body for a selector, in creation order."""
    catch_up(ctx)
    # The store renders the JSON itself; dumping thousands of rows through marshmallow
    # would dominate the request (see benchmarks/).
    return ctx.store.pipelines.render_list(FIELD_SETS[selector])


def get_pipeline(ctx: Context, name: str, selector: str) -> str:
    """Return one pipeline rendered for a selector, or raise UnknownPipelineName."""
    catch_up(ctx)
    body = ctx.store.pipelines.render_one(name, FIELD_SETS[selector])
    if body is None:
        raise errors.UnknownPipelineName(pipeline_name=name)
    return body


def export_pipelines(ctx: Context) -> list:
    """Return every pipeline as `GET /v0/pipelines?selector=all` shows it now."""
    return json.loads(list_pipelines(ctx, ALL))
