"""API keys: list, create (the secret is shown once), get and delete, scoped to the tenant."""

from flask import Response
from flask.views import MethodView

from app.api import NO_CACHE
from app.api import Blueprint
from app.auth import current_principal
from app.auth.api_keys import create_api_key
from app.errors import UnknownApiKey
from app.schemas.api_keys import ApiKeyDescrSchema
from app.schemas.api_keys import NewApiKeyRequestSchema
from app.schemas.api_keys import NewApiKeyResponseSchema
from app.storage import get_db
from app.storage import transaction
from app.storage.api_keys import ApiKeyStore

blp = Blueprint(
    "api_keys",
    __name__,
    url_prefix="/v0/api_keys",
    description="Create, retrieve and delete API keys.",
)


def describe(row: dict) -> dict:
    """Return the public descriptor of a key row (never its hash)."""
    return {"id": row["id"], "name": row["name"], "role": row["role"]}


@blp.route("")
class ApiKeys(MethodView):
    """The caller's tenant's keys."""

    @blp.doc(operationId="list_api_keys")
    @blp.response(200, ApiKeyDescrSchema(many=True))
    def get(self):
        """List API keys

        Required role: `write`. Every key of the caller's tenant, in creation order.
        """
        rows = ApiKeyStore(get_db()).list(current_principal().tenant_id)
        return [describe(row) for row in rows], NO_CACHE

    @blp.doc(operationId="post_api_key")
    @blp.arguments(NewApiKeyRequestSchema)
    @blp.response(201, NewApiKeyResponseSchema)
    @blp.error(400, "Invalid name (`EmptyName`, `TooLongName`, `NameDoesNotMatchPattern`).")
    @blp.error(
        403,
        "Role above the creator's (`RoleExceedsCreator`) or `admin`/`owner` "
        "(`OwnerAdminNotMintableAsApiKey`).",
    )
    @blp.error(409, "A key with this name exists in the tenant (`DuplicateName`).")
    def post(self, body):
        """Create an API key

        Required role: `write`. The response is the only time the key is shown: only its
        SHA-256 hash is stored. An omitted or null `role` means `read`. Checks run in
        upstream's order: role against the creator's, role mintable, name rules, uniqueness.
        """
        principal = current_principal()
        db = get_db()
        with transaction(db):
            row, key = create_api_key(
                ApiKeyStore(db),
                principal.tenant_id,
                body["name"],
                body["role"] or "read",
                principal.role,
            )
        return {"id": row["id"], "name": row["name"], "api_key": key}, NO_CACHE


@blp.route("/<string:api_key_name>")
class ApiKeyByName(MethodView):
    """One key, addressed by name."""

    @blp.doc(operationId="get_api_key")
    @blp.response(200, ApiKeyDescrSchema(many=True))
    @blp.error(404, "No key has this name (`UnknownApiKey`).")
    def get(self, api_key_name):
        """Get an API key

        Required role: `write`. Upstream answers with a one-element array.
        """
        row = ApiKeyStore(get_db()).get(current_principal().tenant_id, api_key_name)
        if row is None:
            raise UnknownApiKey(api_key_name)
        return [describe(row)], NO_CACHE

    @blp.doc(operationId="delete_api_key")
    @blp.response(200, description="API key deleted (empty body).")
    @blp.error(404, "No key has this name (`UnknownApiKey`).")
    def delete(self, api_key_name):
        """Delete an API key

        Required role: `write`. Requests using the key fail from then on.
        """
        db = get_db()
        with transaction(db):
            deleted = ApiKeyStore(db).delete(current_principal().tenant_id, api_key_name)
        if not deleted:
            raise UnknownApiKey(api_key_name)
        return Response(status=200)
