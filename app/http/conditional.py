"""Conditional GETs: entity tags on answers, and `304 Not Modified` for a current copy."""

from flask import Response
from flask import request
from werkzeug.datastructures import ETags

from app.http.api import NO_CACHE
from app.http.api import json_response
from app.pipelines.reads import Answer
from app.pipelines.reads import ClientHas
from app.pipelines.reads import has_nothing


def client_tags() -> ETags | None:
    """Return the request's If-None-Match, or None (most polls, the SDK's among them, send none)."""
    return request.if_none_match if "HTTP_IF_NONE_MATCH" in request.environ else None


def matcher(tags: ETags | None) -> ClientHas:
    """Tell whether the client holds an entity tag (RFC 9110's weak comparison)."""
    # `*` is decided once the answer is known to exist (see conditional_response).
    if tags is None or tags.star_tag:
        return has_nothing
    return tags.contains_weak


def conditional_response(answer: Answer, tags: ETags | None) -> Response:
    """Return `304` when the client's copy is current (or it asked with `*`), else `200` JSON.

    Both carry the tag and upstream's `Cache-Control: no-cache`, so clients revalidate every
    time; the 304 has no body and no content type.
    """
    if answer.current or (tags is not None and tags.star_tag):
        response = Response(status=304, headers=NO_CACHE)
        del response.headers["Content-Type"]
    else:
        response = json_response(answer.body)
    response.set_etag(answer.etag)
    return response
