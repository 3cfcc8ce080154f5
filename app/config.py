"""Default settings; every key can be overridden by instance/config.py or PIPELINE_STORE_<KEY>."""

import secrets

DEV_SECRET_KEY = "dev"

# Each setting with its default and the one-line description the README table repeats.
SETTINGS = {
    "DATABASE": (
        "pipelines.sqlite3",
        "SQLite file; relative paths are inside the instance folder",
    ),
    "SECRET_KEY": (
        DEV_SECRET_KEY,
        "Signs self-issued tokens; must be changed for `AUTH=bearer`",
    ),
    "EDITION": (
        "open-source",
        "`open-source` or `enterprise` (what upstream build to imitate)",
    ),
    "PLATFORM_VERSION": (
        "0.369.0",
        "Reported as `platform_version` and `/v0/config` `version`",
    ),
    "BUSY_TIMEOUT_MS": (
        10_000,
        "How long a worker waits for another worker's write lock",
    ),
    "MAX_BODY_BYTES": (2 * 1024 * 1024, "Largest accepted JSON body (upstream: 2 MiB)"),
}


class DefaultConfig:
    """Flask config defaults, including the flask-smorest OpenAPI settings."""

    API_TITLE = "pipeline-store"
    API_VERSION = "v0"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "/docs"
    OPENAPI_SWAGGER_UI_URL = "https://cdn.jsdelivr.net/npm/swagger-ui-dist/"


for _key, (_default, _doc) in SETTINGS.items():
    setattr(DefaultConfig, _key, _default)


def generate_secret_key() -> str:
    """Return a random secret suitable for SECRET_KEY."""
    return secrets.token_urlsafe(48)
