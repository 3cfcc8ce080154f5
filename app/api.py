"""flask-smorest customised to speak Feldera's error envelope and status codes."""

import flask_smorest
from flask import Response
from webargs.flaskparser import FlaskParser

from app.errors import error_response
from app.errors import from_http_exception
from app.schemas.common import ErrorResponseSchema

# Upstream marks every successful pipeline and API-key answer as not cacheable.
NO_CACHE = {"Cache-Control": "no-cache"}


def json_response(body: str, status: int = 200) -> Response:
    """Return already-rendered JSON with upstream's success headers."""
    return Response(body, status, mimetype="application/json", headers=NO_CACHE)


class ArgumentsParser(FlaskParser):
    """Upstream answers unparsable query strings and bodies with 400, not 422."""

    DEFAULT_VALIDATION_STATUS = 400


class Blueprint(flask_smorest.Blueprint):
    """Blueprint whose argument errors are 400s."""

    ARGUMENTS_PARSER = ArgumentsParser()

    def error(self, status: int, description: str):
        """Document an error response of this operation with the envelope schema."""
        return self.alt_response(status, schema=ErrorResponseSchema, description=description)


class Api(flask_smorest.Api):
    """Api documenting and producing `{message, error_code, details}` for every error."""

    ERROR_SCHEMA = ErrorResponseSchema

    def handle_http_exception(self, error):
        """Render werkzeug/webargs errors in the envelope."""
        return error_response(from_http_exception(error))
