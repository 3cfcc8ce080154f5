"""flask-smorest customised to speak Feldera's error envelope, status codes and JSON bodies."""

import flask_smorest
from flask import Response

from app.errors import ApiError
from app.http.error_handlers import error_response
from app.http.error_handlers import from_http_exception
from app.http.json_body import JsonBodyParser
from app.schemas.common import ErrorResponseSchema

# Upstream marks every successful pipeline and API-key answer as not cacheable.
NO_CACHE = {"Cache-Control": "no-cache"}


def json_response(body: str, status: int = 200) -> Response:
    """Return already-rendered JSON with upstream's success headers."""
    return Response(body, status, mimetype="application/json", headers=NO_CACHE)


def empty_response() -> Response:
    """Return upstream's bare 200 (DELETE): no body, no content type, no Cache-Control."""
    response = Response(status=200)
    del response.headers["Content-Type"]
    return response


class Blueprint(flask_smorest.Blueprint):
    """Blueprint whose JSON bodies are parsed like upstream's and whose errors are documented."""

    # One parser for every body and query string, so every route refuses alike.
    ARGUMENTS_PARSER = JsonBodyParser()

    def errors(self, *classes: type[ApiError], note: str = ""):
        """Document an operation's error answers from the catalogue, one entry per status."""
        by_status: dict[int, list[type[ApiError]]] = {}
        for cls in classes:
            by_status.setdefault(cls.status, []).append(cls)

        def decorator(func):
            for status, members in sorted(by_status.items(), reverse=True):
                lines = [f"`{cls.code or cls.__name__}`: {cls.__doc__}" for cls in members]
                if note and status == 400:
                    lines.append(note)
                description = " ".join(lines)
                func = self.alt_response(
                    status, schema=ErrorResponseSchema, description=description
                )(func)
            return func

        return decorator


class Api(flask_smorest.Api):
    """Api documenting and producing `{message, error_code, details}` for every error."""

    ERROR_SCHEMA = ErrorResponseSchema

    def handle_http_exception(self, error):
        """Render werkzeug/webargs errors in the envelope."""
        return error_response(from_http_exception(error))
