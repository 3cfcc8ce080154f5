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
    """A read's entity tag, and its JSON body unless the client's copy is `current`.

    The body is None too when there is nothing to answer (an unknown pipeline).
    """

    etag: str
    body: str | None
    current: bool = False


def entity_tag(stamp: str, *shape) -> str:
    """Return the tag of the body that `shape` renders from the store at `stamp`."""
    # repr() of a tuple of strings is unambiguous: quotes inside values are escaped.
    text = repr((stamp, RENDERING, *shape))
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def answer(ctx: Context, shape: tuple, render: Callable[[], str | None], client_has) -> Answer:
    """Answer a read of `shape`: nothing for a current copy, else a remembered or new body.

    A first look reads the change stamp and whether anything is due in one statement: a poll
    of something unchanged ends there. Otherwise the simulation catches up and the stamp is
    read again with the body, in one snapshot, so the tag names exactly those bytes.
    """
    stamp = catch_up.settled_stamp(ctx)
    if stamp is not None:
        etag = entity_tag(stamp, *shape)
        if client_has(etag):
            return Answer(etag, None, current=True)
        body = ctx.bodies.get(etag)
        if body is not None:
            return Answer(etag, body)
    with catch_up.read(ctx):
        etag = entity_tag(ctx.store.pipelines.change_stamp(), *shape)
        if client_has(etag):
            return Answer(etag, None, current=True)
        body = ctx.bodies.get(etag) or render()
    if body is not None:
        ctx.bodies.put(etag, body)
    return Answer(etag, body)


def list_answer(
    ctx: Context,
    selector: str,
    where: PipelineFilter = EVERY_PIPELINE,
    client_has: ClientHas = has_nothing,
) -> Answer:
    """Answer List Pipelines: the body (creation order) unless the client's copy is current."""
    # The store renders the JSON itself; dumping thousands of rows through marshmallow would
    # dominate the request (see benchmarks/).
    return answer(
        ctx,
        ("list", selector, where.tags, where.name_prefix),
        lambda: ctx.store.pipelines.render_list(FIELD_SETS[selector], where),
        client_has,
    )


def get_answer(
    ctx: Context, name: str, selector: str, client_has: ClientHas = has_nothing
) -> Answer:
    """Answer Get Pipeline like `list_answer`; raise UnknownPipelineName."""
    # A tag given for this name at the current stamp means the pipeline is still there.
    found = answer(
        ctx,
        ("get", selector, name),
        lambda: ctx.store.pipelines.render_one(name, FIELD_SETS[selector]),
        client_has,
    )
    if found.body is None and not found.current:
        raise errors.UnknownPipelineName(pipeline_name=name)
    return found


def list_pipelines(ctx: Context, selector: str, where: PipelineFilter = EVERY_PIPELINE) -> str:
    """Return the List Pipelines body for a selector, in creation order."""
    return list_answer(ctx, selector, where).body


def get_pipeline(ctx: Context, name: str, selector: str) -> str:
    """Return one pipeline rendered for a selector, or raise UnknownPipelineName."""
    return get_answer(ctx, name, selector).body


def export_pipelines(ctx: Context) -> list:
    """Return every pipeline as `GET /v0/pipelines?selector=all` shows it now."""
    return json.loads(list_pipelines(ctx, ALL))
