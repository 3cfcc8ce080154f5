"""The floor for polling: a bare Flask route answering fixed bytes, as List Pipelines would.

Served by benchmarks/polling.py under the same gunicorn settings as pipeline-store:
`gunicorn -c python:app.gunicorn_conf 'benchmarks.bare_flask:create_app()'` from the checkout,
with BARE_FLASK_BODY naming a file of the bytes.
"""

import os

from flask import Flask
from flask import Response


def create_app() -> Flask:
    """Build an app whose `GET /v0/pipelines` returns the file's bytes with upstream's headers."""
    with open(os.environ["BARE_FLASK_BODY"], "rb") as file:
        body = file.read()
    app = Flask(__name__)

    @app.get("/v0/pipelines")
    def list_pipelines() -> Response:
        return Response(body, mimetype="application/json", headers={"Cache-Control": "no-cache"})

    return app
