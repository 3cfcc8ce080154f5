"""API keys: list, create (the secret is shown once), get and delete, scoped to the tenant."""

from flask.views import MethodView

from app import errors
from app.auth import api_keys
from app.auth import current_principal
from app.http.api import NO_CACHE
from app.http.api import Blueprint
from app.http.api import empty_response
from app.http.context import domain
from app.schemas.api_keys import ApiKeyDescrSchema
from app.schemas.api_keys import NewApiKeyRequestSchema
from app.schemas.api_keys import NewApiKeyResponseSchema

blp = Blueprint(
    "api_keys",
    __name__,
    url_prefix="/v0/api_keys",
    description="Create, retrieve and delete API keys.",
)


@blp.route("")
class ApiKeys(MethodView):
    """The caller's tenant's keys."""

    @blp.doc(operationId="list_api_keys")
    @blp.response(200, ApiKeyDescrSchema(many=True))
    def get(self):
        """List API keys

        Required role: `write`. Every key of the caller's tenant, in creation order.
        """
        return api_keys.list_api_keys(domain(), current_principal().tenant_id), NO_CACHE

    @blp.doc(operationId="post_api_key")
    @blp.arguments(NewApiKeyRequestSchema)
    @blp.response(201, NewApiKeyResponseSchema)
    @blp.errors(
        errors.InvalidRequestBody,
        errors.EmptyName,
        errors.TooLongName,
        errors.NameDoesNotMatchPattern,
        errors.RoleExceedsCreator,
        errors.OwnerAdminNotMintableAsApiKey,
        errors.DuplicateName,
        errors.PayloadTooLarge,
    )
    def post(self, body):
        """Create an API key

        Required role: `write`. The response is the only time the key is shown: only its
        SHA-256 hash is stored. An omitted or null `role` means `read`. Checks run in
        upstream's order: role against the creator's, role mintable, name rules, uniqueness.
        """
        principal = current_principal()
        created = api_keys.create_api_key(
            domain(), principal.tenant_id, body["name"], body["role"], principal.role
        )
        return created, NO_CACHE


@blp.route("/<string:api_key_name>")
class ApiKeyByName(MethodView):
    """One key, addressed by name."""

    @blp.doc(operationId="get_api_key")
    @blp.response(200, ApiKeyDescrSchema(many=True))
    @blp.errors(errors.UnknownApiKey)
    def get(self, api_key_name):
        """Get an API key

        Required role: `write`. Upstream answers with a one-element array.
        """
        tenant_id = current_principal().tenant_id
        return [api_keys.get_api_key(domain(), tenant_id, api_key_name)], NO_CACHE

    @blp.doc(operationId="delete_api_key")
    @blp.response(200, description="API key deleted (empty body).")
    @blp.errors(errors.UnknownApiKey)
    def delete(self, api_key_name):
        """Delete an API key

        Required role: `write`. Requests using the key fail from then on.
        """
        api_keys.delete_api_key(domain(), current_principal().tenant_id, api_key_name)
        return empty_response()
