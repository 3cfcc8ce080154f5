"""Schemas shared by every blueprint."""

from marshmallow import Schema
from marshmallow import fields


class ErrorResponseSchema(Schema):
    """Feldera's error body, used for every error response."""

    message = fields.String(
        required=True,
        metadata={"description": "Human-readable description of the error."},
    )
    error_code = fields.String(
        required=True,
        metadata={"description": "Machine-readable error code; clients branch on it."},
    )
    details = fields.Raw(
        required=True,
        allow_none=True,
        metadata={"description": "The error's own fields as an object (`{}` when it has none)."},
    )
