"""List, get and export pipelines as clients see them: caught up, rendered by the store.

Each answer carries an entity tag made from the store's change stamp and what shapes the body
(route, name, selector, filters), so a client's copy is checked without rendering anything,
and a body this worker rendered for the same tag is answered again as it is.
"""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from app import errors
from app.pipelines import catch_up
from app.pipelines.context import Context
from app.schemas.pipelines import ALL
from app.schemas.pipelines import FIELD_SETS
from app.storage.interface import EVERY_PIPELINE
from app.storage.interface import PipelineFilter

# Tells whether the client already holds the answer with this entity tag.
ClientHas = Callable[[str], bool]
# The field sets every body is rendered with: a server whose rendering changed never
# confirms a copy made by the old one.
RENDERING = hashlib.blake2b(json.dumps(FIELD_SETS).encode(), digest_size=8).hexdigest()


def has_nothing(_tag: str) -> bool:
    """The client sent no entity tag."""
    return False


@dataclass(frozen=True)
class Answer:
    """A read's entity tag, and its JSON body unless the client's copy is current (None)."""

    etag: str
    body: str | None


def entity_tag(stamp: str, *shape) -> str:
    """Return the tag of the body that `shape` renders from the store at `stamp`."""
    # repr() of a tuple of strings is unambiguous: quotes inside values are escaped.
    text = repr((stamp, RENDERING, *shape))
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def list_answer(
    ctx: Context,
    selector: str,
    where: PipelineFilter = EVERY_PIPELINE,
    client_has: ClientHas = has_nothing,
) -> Answer:
    """Answer List Pipelines: the body (creation order) unless the client's copy is current."""
    rows = ctx.store.pipelines
    with catch_up.read(ctx):
        etag = entity_tag(rows.change_stamp(), "list", selector, where.tags, where.name_prefix)
        if client_has(etag):
            return Answer(etag, None)
        body = ctx.bodies.get(etag)
        if body is None:
            # The store renders the JSON itself; dumping thousands of rows through marshmallow
            # would dominate the request (see benchmarks/).
            body = rows.render_list(FIELD_SETS[selector], where)
            ctx.bodies.put(etag, body)
        return Answer(etag, body)


def get_answer(
    ctx: Context, name: str, selector: str, client_has: ClientHas = has_nothing
) -> Answer:
    """Answer Get Pipeline like `list_answer`; raise UnknownPipelineName."""
    with catch_up.read(ctx):
        etag = entity_tag(ctx.store.pipelines.change_stamp(), "get", selector, name)
        # A tag this server gave for this name at this stamp: the pipeline is still there.
        if client_has(etag):
            return Answer(etag, None)
        body = ctx.bodies.get(etag) or ctx.store.pipelines.render_one(name, FIELD_SETS[selector])
    if body is None:
        raise errors.UnknownPipelineName(pipeline_name=name)
    ctx.bodies.put(etag, body)
    return Answer(etag, body)


def list_pipelines(ctx: Context, selector: str, where: PipelineFilter = EVERY_PIPELINE) -> str:
    """Return the List Pipelines body for a selector, in creation order."""
    return list_answer(ctx, selector, where).body


def get_pipeline(ctx: Context, name: str, selector: str) -> str:
    """Return one pipeline rendered for a selector, or raise UnknownPipelineName."""
    return get_answer(ctx, name, selector).body


def export_pipelines(ctx: Context) -> list:
    """Return every pipeline as `GET /v0/pipelines?selector=all` shows it now."""
    return json.loads(list_pipelines(ctx, ALL))
