"""Roles and the minimum role of every `/v0` route, derived from method and URL rule."""

import functools
import re

# Upstream's total order; API keys carry read or write, nothing here grants owner.
ROLES = ("read", "write", "admin", "owner")
MINTABLE_ROLES = ("read", "write")
PRINCIPAL_ROLES = ("read", "write", "admin")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# platform.md §A5 exceptions to "safe methods need read, the others write"; first match wins.
# Patterns match the Flask URL rule after `/v0`, so a path parameter never matches a keyword.
ROUTE_MINIMUMS = (
    (None, r"/api_keys(/[^/]+)?", "write"),
    ({"POST"}, r"/pipelines/[^/]+/samply_profile", "read"),
    ({"GET", "HEAD"}, r"/pipelines/[^/]+/query", "write"),
    ({"GET", "HEAD"}, r"/pipelines/[^/]+/.+/completion_token", "write"),
    (None, r"/(oidc_trust|tenant/users)(/.*)?", "admin"),
    (None, r"/tenants(/.*)?", "owner"),
    ({"GET", "HEAD"}, r"/config/owners", "owner"),
)


def is_api_path(path: str) -> bool:
    """Whether the path is under `/v0`, where authentication and roles apply."""
    return path == "/v0" or path.startswith("/v0/")


def rank(role: str) -> int:
    """Return the role's position in `read < write < admin < owner`."""
    return ROLES.index(role)


# A pure function of the route: every request of a route asks the same question.
@functools.lru_cache(maxsize=256)
def required_role(method: str, rule: str) -> str:
    """Return the minimum role for `method` on the URL rule (e.g. `/v0/pipelines/<name>`)."""
    path = rule.removeprefix("/v0")
    for methods, pattern, role in ROUTE_MINIMUMS:
        if (methods is None or method in methods) and re.fullmatch(pattern, path):
            return role
    return "read" if method in SAFE_METHODS else "write"
