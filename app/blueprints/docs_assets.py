"""Swagger UI's files, served from the installed flask-swagger-ui package: `/docs` works offline."""

import pathlib

import flask
import flask_swagger_ui

# The package ships Swagger UI's standard distribution (swagger-ui-bundle.js, the CSS, ...);
# OPENAPI_SWAGGER_UI_URL points flask-smorest's /docs page here.
DIST = pathlib.Path(flask_swagger_ui.__file__).parent / "dist"

blp = flask.Blueprint("docs_assets", __name__, static_folder=DIST, static_url_path="/docs/assets")
