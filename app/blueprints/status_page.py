"""The status page: the pipelines at `/` and a page per pipeline, for people in a browser.

Each page is a shell plus a server-rendered part (`/ui/...`). With `AUTH=none` the shell
carries that part already; with `AUTH=bearer` the page asks for a token, keeps it in the
browser session and fetches the part with it. Either way the page then polls the list
endpoint (with `If-None-Match` once it has an ETag) and fetches the part again on a change.
"""

import json

import flask
from flask import current_app
from flask import render_template

from app import auth
from app import errors
from app.http import status_view
from app.http.api import NO_CACHE
from app.http.context import domain
from app.monitor import pipeline_events
from app.pipelines import reads
from app.schemas.pipelines import ALL
from app.schemas.pipelines import STATUS

blp = flask.Blueprint("status_page", __name__)
# What the page polls to notice changes (the smallest List Pipelines shape).
POLL_URL = "/v0/pipelines?selector=" + STATUS
# Stored events the pipeline page lists.
RECENT_EVENTS = 20


@blp.get("/")
def index():
    """The pipelines table."""
    part = None if bearer() else pipelines_part()
    return page("status/index.html", part, flask.url_for(".pipelines_fragment"), title="Pipelines")


@blp.get("/pipelines/<name>")
def pipeline_page(name: str):
    """One pipeline: program, errors, schema, runtime config, timeline."""
    part, status = (None, 200) if bearer() else pipeline_part(name)
    fragment = flask.url_for(".pipeline_fragment", name=name)
    return page("status/pipeline.html", part, fragment, title=name, name=name), status


@blp.get("/ui/pipelines")
def pipelines_fragment():
    """The server-rendered table, for the page's refresh (bearer: needs a token)."""
    authenticate()
    return fragment(pipelines_part())


@blp.get("/ui/pipelines/<name>")
def pipeline_fragment(name: str):
    """The server-rendered pipeline details, for the page's refresh."""
    authenticate()
    part, status = pipeline_part(name)
    return fragment(part, status)


@blp.get("/favicon.ico")
def favicon():
    """The page's icon (browsers ask for this path whatever the page says)."""
    return flask.send_from_directory(
        current_app.static_folder, "status/favicon.svg", mimetype="image/svg+xml"
    )


def bearer() -> bool:
    """Whether requests need a token (then the shell carries no data)."""
    return current_app.config["AUTH"] == "bearer"


def authenticate() -> None:
    """In bearer mode, the same check as `/v0` GETs (every role may read)."""
    if bearer():
        auth.authenticate()


def pipelines_part() -> str:
    """Render the table of every pipeline."""
    pipelines = json.loads(reads.list_pipelines(domain(), STATUS))
    return render_template("status/_pipelines.html", pipelines=pipelines, view=status_view)


def pipeline_part(name: str) -> tuple[str, int]:
    """Render one pipeline's details, or a not-found notice (404)."""
    try:
        pipeline = json.loads(reads.get_pipeline(domain(), name, ALL))
    except errors.UnknownPipelineName:
        return render_template("status/_missing.html", name=name), 404
    ctx = domain()
    events = pipeline_events.events(ctx.store, pipeline["id"], "all")[:RECENT_EVENTS]
    page = render_template("status/_pipeline.html", p=pipeline, view=status_view, events=events)
    return page, 200


def page(template: str, part: str | None, fragment_url: str, **context) -> str:
    """Render a page shell around its part (None: the browser fetches it with a token)."""
    return render_template(
        template,
        part=part,
        bearer=bearer(),
        fragment_url=fragment_url,
        poll_url=POLL_URL,
        **context,
    )


def fragment(body: str, status: int = 200) -> flask.Response:
    """A part as its own response, never cached without revalidation."""
    return flask.Response(body, status, mimetype="text/html", headers=NO_CACHE)
