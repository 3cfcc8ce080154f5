"""flask-smorest customised to speak Feldera's error envelope, status codes and JSON bodies."""

import functools

import flask_smorest
from flask import Response
from flask import request
from marshmallow import Schema

from app.errors import ApiError
from app.http.error_handlers import error_response
from app.http.error_handlers import from_http_exception
from app.http.json_body import JsonBodyParser
from app.http.query import load_query
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

    def query(self, schema: Schema):
        """Document `schema` as the query parameters; pass what it loads as keywords.

        Documents and refuses exactly like `arguments(schema, location="query")`, without
        webargs' per-request machinery: routes that dashboards poll run this every time.
        """
        documenting = self.arguments(schema, location="query", as_kwargs=True)

        def decorator(func):
            documented = documenting(func)

            @functools.wraps(func)
            def wrapper(*args, **kwargs):
                return func(*args, **dict(load_query(schema, request.query_string)), **kwargs)

            wrapper._apidoc = documented._apidoc
            return wrapper

        return decorator

    @staticmethod
    def documented(*decorators):
        """Apply flask-smorest `doc`, `response`, `alt_response`, `errors` to the document only.

        For views returning a finished Response, their wrappers would only pass each call
        through (at a cost on every request); the view runs unwrapped instead.
        """

        def decorator(func):
            wrapped = func
            for apply in reversed(decorators):
                wrapped = apply(wrapped)
            func._apidoc = wrapped._apidoc
            return func

        return decorator

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
