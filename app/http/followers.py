"""Long-lived responses that cost a thread only while they have something to do.

A followed body (a change stream) is a series of polls. Between polls its generator yields a
`Park`: pipeline-store's gunicorn worker (`app.gunicorn_worker`, which sets `PARK_KEY` in the
environ) then gives the thread back and resumes the body on a pool thread when the pause is
over, so 50 open streams do not starve list requests. Any other server gets the same body
sleeping between polls instead (the Flask test client, a plain WSGI server).

Each poll opens a store of its own: the body may resume on another thread, and SQLite
connections belong to the thread that opened them.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from collections.abc import Iterator

from flask import current_app

from app.http.context import EXTENSION
from app.pipelines.context import Context
from app.storage import open_app_store

log = logging.getLogger(__name__)

# The environ key a worker sets when it can park a body between polls.
PARK_KEY = "pipeline_store.park"


class Park:
    """Yielded by a followed body: nothing to send for `seconds`."""

    __slots__ = ("seconds",)

    def __init__(self, seconds: float):
        self.seconds = seconds


def followed(
    environ: dict,
    first: str,
    step: Callable[[Context], tuple[str, bool]],
    close: Callable[[Context], None],
    interval: float,
) -> Iterator:
    """A body that sends `first`, then what each `step` returns, until a step says it is done.

    `close` runs once at the end, also when the client leaves (the server closes the body).
    """
    app = current_app._get_current_object()
    settings = app.extensions[EXTENSION]
    park = bool(environ.get(PARK_KEY))

    def run(action):
        with contextlib.closing(open_app_store(app)) as store:
            return action(Context(store, settings))

    def generate():
        try:
            if first:
                yield first.encode()
            while True:
                try:
                    text, done = run(step)
                except Exception:  # the response has started: end it rather than hang
                    log.exception("a followed response failed; ending it")
                    return
                if text:
                    yield text.encode()
                if done:
                    return
                if park:
                    yield Park(interval)
                else:
                    time.sleep(interval)
        finally:
            with contextlib.suppress(Exception):
                run(close)

    return generate()
