"""Authentication and roles on `/v0` routes: mode `none`, or `bearer` (keys, tokens, JWTs)."""

import dataclasses

from flask import current_app
from flask import g
from flask import request

from app import storage
from app.auth.api_keys import API_KEY_PREFIX
from app.auth.api_keys import hash_api_key
from app.auth.jwt_tokens import JwtRejected
from app.auth.jwt_tokens import JwtVerifier
from app.auth.roles import is_api_path
from app.auth.roles import rank
from app.auth.roles import required_role
from app.auth.tokens import TOKEN_PREFIX
from app.auth.tokens import InvalidToken
from app.auth.tokens import verify_token
from app.config import DEV_SECRET_KEY
from app.errors import AuthenticationFailed
from app.errors import InsufficientPermissions
from app.http.cors import is_preflight
from app.http.websocket import bearer_from_protocols
from app.http.websocket import is_upgrade

MODES = ("none", "bearer")
DEFAULT_TENANT_ID = "00000000-0000-0000-0000-000000000000"
DEFAULT_TENANT_NAME = "default"
EXTENSION = "pipeline-store.auth"
# Upstream's provider variants and the fields each must carry (platform.md §B2).
PROVIDER_FIELDS = {
    "AwsCognito": ("issuer", "login_url", "logout_url"),
    "GenericOidc": ("issuer", "client_id", "extra_oidc_scopes"),
}


@dataclasses.dataclass(frozen=True)
class Principal:
    """Who is calling: role, tenant, and how they proved it (`none`, `apikey`, `token`, `jwt`)."""

    role: str
    kind: str
    tenant_id: str = DEFAULT_TENANT_ID
    tenant_name: str = DEFAULT_TENANT_NAME


# Mode `none`: every caller is this principal, whatever headers it sends.
ANONYMOUS_ADMIN = Principal("admin", "none")


def init_app(app) -> None:
    """Check the auth settings (refusing an unsafe bearer setup) and install the request hook."""
    mode = app.config["AUTH"]
    if mode not in MODES:
        raise ValueError(f"AUTH must be one of {', '.join(MODES)}, not {mode!r}")
    if mode == "bearer" and app.config.get("SECRET_KEY") in (None, "", DEV_SECRET_KEY):
        raise RuntimeError(
            "AUTH=bearer needs a SECRET_KEY of your own (PIPELINE_STORE_SECRET_KEY or "
            "instance/config.py); the default would let anyone forge tokens"
        )
    app.extensions[EXTENSION] = {
        "jwt": JwtVerifier(app.config) if mode == "bearer" else None,
        "oidc_provider": oidc_provider(app.config["OIDC_PROVIDER"]),
    }
    app.before_request(authorize)


def oidc_provider(value) -> dict:
    """Validate OIDC_PROVIDER; return it externally tagged (`{}` when unset)."""
    if not value:
        return {}
    if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) not in PROVIDER_FIELDS:
        raise ValueError(
            f"OIDC_PROVIDER must be one of {{variant: {{...}}}}, {list(PROVIDER_FIELDS)}"
        )
    variant, fields = next(iter(value.items()))
    fields = {"extra_oidc_scopes": [], **fields} if variant == "GenericOidc" else fields
    missing = [name for name in PROVIDER_FIELDS[variant] if name not in fields]
    if missing:
        raise ValueError(f"OIDC_PROVIDER {variant} lacks {', '.join(missing)}")
    return {variant: {name: fields[name] for name in PROVIDER_FIELDS[variant]}}


def authorize() -> None:
    """Before each request: identify the caller of a `/v0` route, then check its role."""
    # Runs on every request: look the request up once, not through the proxy each time.
    req = request._get_current_object()
    # CORS preflights never carry credentials; they reach no view anyway. Any other OPTIONS
    # is authenticated like every method, so it cannot tell a stranger which routes exist.
    if not is_api_path(req.path) or is_preflight(req, current_app.config):
        return
    bearer = current_app.config["AUTH"] == "bearer"
    principal = authenticate() if bearer else ANONYMOUS_ADMIN
    g.principal = principal
    if req.url_rule is None:
        return  # unrouted: authenticated callers get the 404/405 envelope, as upstream
    required = required_role(req.method, req.url_rule.rule)
    if rank(principal.role) < rank(required):
        raise InsufficientPermissions(required=required, actual=principal.role)


def current_principal() -> Principal:
    """Return the principal of this `/v0` request."""
    return g.get("principal", ANONYMOUS_ADMIN)


def authenticate() -> Principal:
    """Identify the bearer of the Authorization header, or raise AuthenticationFailed."""
    header = request.headers.get("Authorization", "")
    if not header and is_upgrade(request):
        # A browser's WebSocket carries the token as a subprotocol (dataplane.md §4.x).
        offered = bearer_from_protocols(request)
        header = f"Bearer {offered}" if offered else ""
    scheme, _, token = header.partition(" ")
    token = token.strip()
    # RFC 7235: the scheme name is case-insensitive.
    if scheme.lower() != "bearer" or not token:
        raise AuthenticationFailed(
            message="Missing or malformed Authorization header: expected `Bearer <token>`"
        )
    if token.startswith(API_KEY_PREFIX):
        return api_key_principal(token)
    if token.startswith(TOKEN_PREFIX):
        return token_principal(token)
    return jwt_principal(token)


def api_key_principal(key: str) -> Principal:
    """Look the key up by its hash (the key itself is never stored)."""
    try:
        row = storage.get_store().api_keys.find_by_hash(hash_api_key(key))
    except Exception as exc:
        if storage.translate(exc) is None:
            raise
        row = None  # upstream answers any lookup failure with 401
    if row is None:
        raise AuthenticationFailed(message="Unauthorized API key")
    return Principal(row["role"], "apikey", tenant_id=row["tenant_id"])


def token_principal(token: str) -> Principal:
    """Verify a self-issued token against this instance's SECRET_KEY."""
    try:
        payload = verify_token(str(current_app.config["SECRET_KEY"]), token)
    except InvalidToken as exc:
        raise AuthenticationFailed(
            message=f"Invalid token: {exc}", description="InvalidToken"
        ) from exc
    return Principal(payload["role"], "token")


def jwt_principal(token: str) -> Principal:
    """Validate a JWT with the configured keys."""
    verifier = current_app.extensions[EXTENSION]["jwt"]
    if not verifier.enabled:
        raise AuthenticationFailed(
            message="Unauthorized token: not an API key, and no JWT key is configured",
            description="InvalidToken",
        )
    try:
        _claims, role = verifier.verify(token)
    except JwtRejected as exc:
        raise AuthenticationFailed(
            message=f"Invalid JWT ({exc.kind}): {exc}", description=exc.kind
        ) from exc
    return Principal(role, "jwt")
