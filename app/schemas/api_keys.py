"""API-key request and response bodies (upstream's ApiKeyDescr, NewApiKeyRequest/Response)."""

from marshmallow import EXCLUDE
from marshmallow import Schema
from marshmallow import fields
from marshmallow import validate

from app.auth.roles import MINTABLE_ROLES
from app.auth.roles import ROLES

ROLE_ERROR = "unknown variant `{input}`, expected one of " + ", ".join(f"`{r}`" for r in ROLES)


class ApiKeyDescrSchema(Schema):
    """API key descriptor: a key carries one role, `read` or `write`."""

    id = fields.UUID(required=True, metadata={"description": "API key identifier (UUIDv7)."})
    name = fields.String(required=True, metadata={"description": "Unique API key name."})
    role = fields.String(
        required=True,
        validate=validate.OneOf(MINTABLE_ROLES),
        metadata={"description": "Role the key carries.", "enum": list(MINTABLE_ROLES)},
    )


class NewApiKeyRequestSchema(Schema):
    """Request to create a new API key."""

    class Meta:
        unknown = EXCLUDE  # upstream ignores unknown fields

    name = fields.String(
        required=True,
        error_messages={
            "required": "missing field `name`",
            "null": "invalid type: null, expected a string",
            "invalid": "invalid type: expected a string for `name`",
        },
        metadata={
            "description": "Key name: at most 100 bytes of `[a-zA-Z0-9_-]`, unique per tenant.",
            "example": "my-api-key",
        },
    )
    role = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(ROLES, error=ROLE_ERROR),
        error_messages={"invalid": "invalid type: expected a string for `role`"},
        metadata={
            "description": (
                "`read` (default when omitted or null) or `write`; at most the creator's own "
                "role. `admin` and `owner` are refused (`OwnerAdminNotMintableAsApiKey`)."
            ),
            "enum": list(MINTABLE_ROLES),
        },
    )


class NewApiKeyResponseSchema(Schema):
    """Response to a successful API key creation: the only time the secret is shown."""

    id = fields.UUID(required=True, metadata={"description": "API key identifier (UUIDv7)."})
    name = fields.String(required=True, metadata={"description": "API key name."})
    api_key = fields.String(
        required=True,
        metadata={
            "description": (
                "Generated secret API key (`apikey:` + 128 alphanumerics). There is no way to "
                "retrieve it again through the API, so store it securely."
            )
        },
    )
