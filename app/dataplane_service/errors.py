"""The engine's error values as the catalogue's errors (one `error_code` vocabulary)."""

from __future__ import annotations

from app import errors
from app.dataplane.errors import DataplaneError


def api_error(err: DataplaneError) -> errors.ApiError:
    """Return the catalogue error for an engine error, with the engine's message and details."""
    cls = errors.catalogue()[err.error_code]
    if issubclass(cls, errors.ProcessError):
        error = cls(err.message, err.details)
    else:
        # Framework-style refusals (InvalidQueryParameter) keep the catalogue's details shape.
        error = cls(message=err.message)
    assert error.status == err.status, (err.error_code, err.status)
    return error
