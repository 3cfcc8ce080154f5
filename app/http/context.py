"""The domain's context for the current request: this request's store and the app's settings."""

import contextlib
from collections.abc import Iterator

from flask import current_app
from flask import g

from app.pipelines.bodies import RenderedBodies
from app.pipelines.context import Context
from app.pipelines.context import Settings
from app.storage import get_store
from app.storage import open_app_store

EXTENSION = "pipeline-store.settings"
BODIES = "pipeline-store.bodies"
# Set by app/admin before the view: the change stamp and whether a transition was due.
FIRST_LOOK = "pipeline_store_first_look"


def settings() -> Settings:
    """Return the app's domain settings (without opening the store)."""
    return current_app.extensions[EXTENSION]


def domain() -> Context:
    """Return the context domain operations run in for this request."""
    extensions = current_app.extensions
    # The first context of a request takes the request's first look (see catch_up).
    looked = g.pop(FIRST_LOOK, None)
    return Context(
        get_store(),
        extensions[EXTENSION],
        bodies=extensions[BODIES],
        first_look=[] if looked is None else [looked],
    )


def detached(make_lines) -> Iterator:
    """Run a streamed response's generator on a store of its own.

    The request's store closes when the view returns, before a streamed body is sent, so a
    body that reads the store as it goes (logs, time series) opens its own.
    """
    app = current_app._get_current_object()
    settings = app.extensions[EXTENSION]

    def generate():
        with app.app_context(), contextlib.closing(open_app_store(app)) as store:
            yield from make_lines(Context(store, settings))

    return generate()


def init_app(app) -> None:
    """Read the settings the domain depends on once, when the app is built."""
    app.extensions[EXTENSION] = Settings.from_config(app.config)
    # Keyed by entity tags, which the store's change stamp versions: never stale.
    app.extensions[BODIES] = RenderedBodies()
