"""Turn every failure into the JSON envelope: catalogue errors, werkzeug's, storage's, the rest."""

import json
import logging

from flask import Response
from flask import request
from werkzeug.exceptions import HTTPException

from app import storage
from app.errors import ApiError
from app.errors import AuthenticationFailed
from app.errors import DatabaseUnavailable
from app.errors import InsufficientPermissions
from app.errors import InternalServerError
from app.errors import InvalidQueryParameter
from app.errors import InvalidRequestBody
from app.errors import LockTookTooLong
from app.errors import MethodNotAllowed
from app.errors import PayloadTooLarge
from app.errors import RequestRefused
from app.errors import UnknownEndpoint

log = logging.getLogger(__name__)

# Where webargs found the problem -> (error class, upstream's message prefix).
ARGUMENT_LOCATIONS = {
    "query": (InvalidQueryParameter, "Query deserialize error: "),
    "json": (InvalidRequestBody, "Json deserialize error: "),
}
# Werkzeug errors whose message is the werkzeug description, by status.
DESCRIBED = {
    400: InvalidRequestBody,
    401: AuthenticationFailed,
    403: InsufficientPermissions,
    413: PayloadTooLarge,
    415: InvalidRequestBody,
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
        cls, prefix = ARGUMENT_LOCATIONS.get(location, (InvalidRequestBody, ""))
        return cls(message=prefix + first_message(fields, name_fields=location != "query"))
    if status == 404:
        return UnknownEndpoint(path=request.path)
    if status == 405:
        allowed = sorted(getattr(exc, "valid_methods", None) or [])
        return MethodNotAllowed(method=request.method, path=request.path, allowed=allowed)
    message = data.get("message") or exc.description or exc.name
    if status in DESCRIBED:
        return DESCRIBED[status](message=message)
    return RequestRefused(status, message)


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


def from_storage_error(error: storage.StorageError) -> ApiError:
    """Answer database trouble with a 503 the SDK retries, never a bare 500."""
    if isinstance(error, storage.StoreBusy):
        return LockTookTooLong()
    return DatabaseUnavailable(reason=str(error) or type(error).__name__)


def handle_unexpected(exc: Exception) -> Response:
    """Answer any other failure: storage trouble as 503, the rest as a 500 that leaks nothing."""
    if isinstance(exc, HTTPException):
        return error_response(from_http_exception(exc))
    stored = storage.translate(exc)
    if stored is not None:
        log.warning("database trouble on %s %s: %s", request.method, request.path, stored)
        return error_response(from_storage_error(stored))
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(InternalServerError())


def init_app(app) -> None:
    """Register the handlers that turn every failure into the JSON envelope."""
    app.register_error_handler(ApiError, error_response)
    app.register_error_handler(Exception, handle_unexpected)
