"""CORS for browser dashboards on other origins (CORS_ORIGINS; off by default)."""

from flask_cors import CORS

# What upstream allows (platform.md §B1): the SDK's and the web console's methods and headers,
# plus what a script needs to revalidate a list itself (pipeline-store's ETags).
METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE"]
HEADERS = ["Authorization", "Accept", "Content-Type", "Feldera-Tenant", "If-None-Match"]
EXPOSED = ["ETag"]
# Upstream leaves /healthz without CORS; the API and the console's first call get it.
PATHS = (r"/v0/*", r"/config/authentication")


def allowed_origins(value) -> list[str]:
    """Normalise CORS_ORIGINS: empty, `*`, a comma-separated string, or a list."""
    if not value:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return [item.strip() for item in items if item.strip()]


def allows(origins: list[str], origin: str | None) -> bool:
    """Whether normalised CORS_ORIGINS admit `origin` (compared case-insensitively)."""
    if origin is None:
        return False
    return "*" in origins or origin.lower().rstrip("/") in {o.lower().rstrip("/") for o in origins}


def is_preflight(request, config) -> bool:
    """Whether the request is a CORS preflight from an origin CORS_ORIGINS admits."""
    return (
        request.method == "OPTIONS"
        and "Access-Control-Request-Method" in request.headers
        and allows(allowed_origins(config["CORS_ORIGINS"]), request.headers.get("Origin"))
    )


def init_app(app) -> None:
    """Answer preflights and add CORS headers for the configured origins only."""
    origins = allowed_origins(app.config["CORS_ORIGINS"])
    if not origins:
        return  # same-origin only: a random web page cannot drive the API from a browser
    options = {
        "origins": origins,
        "methods": METHODS,
        "allow_headers": HEADERS,
        "expose_headers": EXPOSED,
        "max_age": 600,
    }
    if "*" in origins:
        # Answer a literal `*` rather than echoing each origin back.
        options.update(origins="*", send_wildcard=True)
    CORS(app, resources={path: options for path in PATHS})
