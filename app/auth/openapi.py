"""Declare the bearer scheme in the generated OpenAPI document, on every `/v0` operation."""

from apispec import BasePlugin

from app.auth.roles import is_api_path

SCHEME_NAME = "bearerAuth"
SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": (
        "An API key (`apikey:…`, from `POST /v0/api_keys` or `pipeline-store api-key create`), "
        "a self-issued token (`pstoken:…`, from `pipeline-store token create`) or a JWT. "
        "Ignored when the server runs with `AUTH=none`."
    ),
}
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class BearerSecurityPlugin(BasePlugin):
    """apispec plugin: one place marks every protected operation, whoever wrote the view."""

    def init_spec(self, spec):
        """Register the security scheme component."""
        super().init_spec(spec)
        spec.components.security_scheme(SCHEME_NAME, SCHEME)

    def operation_helper(self, path=None, operations=None, **kwargs):
        """Require the scheme on operations under `/v0`; public ones stay unmarked."""
        if path is None or not is_api_path(path):
            return
        for method, operation in (operations or {}).items():
            if method in HTTP_METHODS:
                operation.setdefault("security", [{SCHEME_NAME: []}])
