"""Feldera's error envelope: domain errors, their status and error_code, and the handlers."""

import json
import logging

from flask import Response
from flask import current_app
from flask import request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class ApiError(Exception):
    """An error answered as `{message, error_code, details}`; subclasses name upstream's codes."""

    status = 500
    headers: dict = {}

    def __init__(self, message: str, details: dict | None = None, error_code: str | None = None):
        super().__init__(message)
        self.message = message
        self.details = {} if details is None else details
        self.error_code = error_code or type(self).__name__

    def body(self) -> dict:
        """Return the envelope in upstream's key order."""
        return {
            "message": self.message,
            "error_code": self.error_code,
            "details": self.details,
        }


class BadRequest(ApiError):
    """A 400 whose error_code is given by the caller."""

    status = 400


class UnknownPipelineName(ApiError):
    """No pipeline has this name."""

    status = 404

    def __init__(self, name: str):
        super().__init__(f"Unknown pipeline name '{name}'", {"pipeline_name": name})


class DuplicateName(ApiError):
    """The name is taken (pipelines and API keys alike)."""

    status = 409

    def __init__(self):
        super().__init__("An entity with this name already exists")


class NotFound(ApiError):
    """A 404 whose error_code is given by the caller."""

    status = 404


class Conflict(ApiError):
    """A 409 whose error_code is given by the caller."""

    status = 409


class ServiceUnavailable(ApiError):
    """A 503; upstream always adds Retry-After: 5."""

    status = 503
    headers = {"Retry-After": "5"}


class NotImplementedFeature(ApiError):
    """A 501 (enterprise-only features in the open-source edition)."""

    status = 501


class AuthenticationFailed(ApiError):
    """401: missing, malformed or rejected credential (JSON here, unlike upstream's empty body)."""

    status = 401

    def __init__(self, message: str, description: str | None = None):
        super().__init__(message)
        # RFC 6750 challenge; upstream names the JWT failure kind in error_description.
        challenge = f'Bearer error_description="{description}"' if description else "Bearer"
        self.headers = {"WWW-Authenticate": challenge}


class Forbidden(ApiError):
    """A 403 whose error_code is given by the caller."""

    status = 403


class InsufficientPermissions(Forbidden):
    """The caller's role is below the route's minimum."""

    def __init__(self, required: str, actual: str):
        super().__init__(
            f"Insufficient permissions: this action requires the '{required}' role, "
            f"but the caller has '{actual}'",
            {"required": required, "actual": actual},
        )


class UnknownApiKey(ApiError):
    """No API key has this name in the caller's tenant."""

    status = 404

    def __init__(self, name: str):
        super().__init__(f"Unknown API key '{name}'", {"name": name})


# Werkzeug's HTTP errors mapped to pipeline-store's own codes (spec/README.md decision 1).
HTTP_ERROR_CODES = {
    400: "InvalidRequestBody",
    401: "AuthenticationFailed",
    403: "InsufficientPermissions",
    404: "UnknownEndpoint",
    405: "MethodNotAllowed",
    413: "PayloadTooLarge",
    415: "InvalidRequestBody",
}

# Where webargs found the problem -> (error_code, upstream's message prefix).
ARGUMENT_LOCATIONS = {
    "query": ("InvalidQueryParameter", "Query deserialize error: "),
    "json": ("InvalidRequestBody", "Json deserialize error: "),
}


def error_response(error: ApiError) -> Response:
    """Render an ApiError as a JSON response."""
    response = Response(json.dumps(error.body()), error.status, mimetype="application/json")
    response.headers.update(error.headers)
    return response


def from_http_exception(exc: HTTPException) -> ApiError:
    """Translate werkzeug/webargs exceptions into the envelope."""
    status = exc.code or 500
    data = getattr(exc, "data", None) or {}
    messages = data.get("messages")
    if messages:
        location, fields = next(iter(messages.items()))
        code, prefix = ARGUMENT_LOCATIONS.get(location, ("InvalidRequest", ""))
        error = BadRequest(
            prefix + first_message(fields, name_fields=location != "query"), {}, code
        )
        error.status = status
        return error
    if status == 404:
        message = f"Unknown endpoint '{request.path}'"
    elif status == 405:
        message = f"Method {request.method} is not allowed on '{request.path}'"
    elif status == 413:
        limit = current_app.config["MAX_BODY_BYTES"]
        message = data.get("message") or f"JSON payload has exceeded limit ({limit} bytes)."
    else:
        message = data.get("message") or exc.description or exc.name
    error = ApiError(message, {}, HTTP_ERROR_CODES.get(status, exc.name.replace(" ", "")))
    error.status = status
    if status == 401:
        error.headers = {"WWW-Authenticate": "Bearer"}
    return error


def first_message(fields, name_fields: bool = True) -> str:
    """Flatten webargs' nested error messages to the first readable sentence."""
    while isinstance(fields, dict) and fields:
        key, value = next(iter(fields.items()))
        if isinstance(value, list) and value and isinstance(value[0], str):
            # Messages written for upstream parity quote the field themselves (`name`).
            if key == "_schema" or not name_fields or "`" in value[0]:
                return value[0]
            return f"`{key}`: {value[0]}"
        fields = value
    if isinstance(fields, list) and fields:
        return str(fields[0])
    return str(fields)


def handle_unexpected(exc: Exception) -> Response:
    """Answer any unexpected failure with a 500 envelope that leaks nothing but a message."""
    if isinstance(exc, HTTPException):
        return error_response(from_http_exception(exc))
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(ApiError("An internal server error occurred", {}, "InternalServerError"))


def init_app(app) -> None:
    """Register the handlers that turn every failure into the JSON envelope."""
    app.register_error_handler(ApiError, error_response)
    app.register_error_handler(Exception, handle_unexpected)
