"""Default settings; every key can be overridden by instance/config.py or PIPELINE_STORE_<KEY>."""

import secrets

DEV_SECRET_KEY = "dev"
# instance/config.example.py's placeholder: bearer mode refuses it like any guessable secret.
EXAMPLE_SECRET_KEY = "change-me-to-a-random-string-of-at-least-32-bytes"
# Bearer mode's SECRET_KEY, and a JWT_SECRET, must have at least this many bytes.
MIN_SECRET_BYTES = 32
EDITIONS = ("open-source", "enterprise")
LOG_FORMATS = ("logfmt", "json")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")

# Each setting with its default and the one-line description the README table repeats.
SETTINGS = {
    "DATABASE": (
        "pipelines.sqlite3",
        "SQLite file; relative paths are inside the instance folder",
    ),
    "SECRET_KEY": (
        DEV_SECRET_KEY,
        "Signs self-issued tokens; `AUTH=bearer` needs one of your own, at least 32 bytes",
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
    "INTEGRITY_CHECK_SECONDS": (
        60,
        "Health checks run SQLite's `quick_check` at most this often (shared by all workers)",
    ),
    "MAX_BODY_BYTES": (2 * 1024 * 1024, "Largest accepted JSON body (upstream: 2 MiB)"),
    "REQUEST_TIMEOUT_SECONDS": (
        15.0,
        "How long a client may take to send a request (head and body) before `408`; "
        "gunicorn workers only",
    ),
    "AUTH": (
        "none",
        "`none` (every caller is admin) or `bearer` (every `/v0` route needs a bearer token)",
    ),
    "ADMIN_API": (
        "auto",
        "The admin API under `/__admin/` (tests' controls): `auto` (on with `AUTH=none` only), "
        "`on` (with `AUTH=bearer`: `admin` tokens only) or `off`",
    ),
    "JWT_SECRET": ("", "HS256 shared secret for JWTs (empty: HS256 refused)"),
    "JWT_PUBLIC_KEY": ("", "RS256 public key for JWTs: PEM text or a path to a PEM file"),
    "JWT_JWKS_URL": ("", "RS256 keys for JWTs: a JWKS URL or a path to a JWKS file (by `kid`)"),
    "JWT_ISSUER": ("", "Required JWT `iss` (empty: not checked)"),
    "JWT_AUDIENCE": ("feldera-api", "Required JWT `aud` (empty: not checked)"),
    "JWT_ROLE_CLAIM": ("role", "JWT claim holding the role; dots reach nested claims"),
    "JWT_DEFAULT_ROLE": ("write", "Role of a JWT without the role claim (empty: rejected)"),
    "OIDC_PROVIDER": (
        None,
        '`GET /config/authentication` answer in bearer mode, e.g. `{"GenericOidc": {...}}`',
    ),
    "CORS_ORIGINS": (
        "",
        "Origins allowed to call the API from a browser: empty (none), `*`, or a list",
    ),
    "ALLOWED_HOSTS": (
        "",
        "Host names the server answers to besides IP addresses and `localhost`: names "
        "(comma-separated or a JSON list) or `*`; empty: checked with `AUTH=none` only",
    ),
    "COMPILE_BUDGET_SECONDS": (
        20.0,
        "Longest the simulated compiler may work on one program (past it: `SystemError`)",
    ),
    # Simulated lifecycle (README "Simulated lifecycle"): seconds per phase, times the scale.
    "SIMULATION_SCALE": (
        1.0,
        "Multiplies every simulated delay; `0` makes every transition immediate",
    ),
    "COMPILE_QUEUE_SECONDS": (0.25, "Compilation: `Pending` until the SQL compiler picks it up"),
    "COMPILE_SQL_SECONDS": (1.0, "Compilation: `CompilingSql` until `SqlCompiled` or `SqlError`"),
    "COMPILE_RUST_QUEUE_SECONDS": (0.25, "Compilation: `SqlCompiled` until `CompilingRust`"),
    "COMPILE_RUST_SECONDS": (1.25, "Compilation: `CompilingRust` until `Success` or `RustError`"),
    "RUNNER_SECONDS": (0.1, "Deployment: the runner acting on `/start` or `/stop`"),
    "PROVISION_SECONDS": (1.0, "Deployment: `Provisioning` until `Provisioned` (`Initializing`)"),
    "PROVISIONING_TIMEOUT_SECONDS": (
        20.0,
        "Deployment: a `provisioning-timeout` fault fails after this (or the pipeline's "
        "`provisioning_timeout_secs`)",
    ),
    "INITIALIZE_SECONDS": (
        1.0,
        "Deployment: `Initializing` until `Running`, `Paused` or `Standby`",
    ),
    "RUNTIME_CHANGE_SECONDS": (0.1, "Deployment: `/pause`, `/resume` or `/activate` taking effect"),
    "BOOTSTRAP_SECONDS": (1.0, "Deployment (enterprise): each bootstrapping phase"),
    "SUSPEND_SECONDS": (0.5, "Deployment (enterprise): checkpointing for `/stop?force=false`"),
    "STOP_SECONDS": (0.25, "Deployment: `Stopping` until `Stopped`"),
    "CLEAR_SECONDS": (0.25, "Storage: `Clearing` until `Cleared`"),
    # Logs (README "Logs"): one line per event on stderr.
    "LOG_FORMAT": ("logfmt", "`logfmt` (`key=value` pairs) or `json` (one JSON object a line)"),
    "LOG_LEVEL": ("INFO", "`DEBUG`, `INFO` (requests and simulation events), `WARNING` or `ERROR`"),
    # The simulated data plane (README "Data").
    "DATA_MAX_ROWS": (
        1_000_000,
        "Rows the tables of one pipeline may hold together; past it `507 PipelineRowLimitExceeded`",
    ),
    "DATA_MAX_REQUEST_ROWS": (
        500_000,
        "Records one ingress request or ad-hoc INSERT may carry; past it "
        "`413 IngressRowLimitExceeded`",
    ),
    "DATA_MAX_REQUEST_BYTES": (
        64 * 1024 * 1024,
        "Largest ingress body; past it `413 IngressBodyTooLarge`",
    ),
    "DATA_CACHE_PIPELINES": (8, "Pipelines whose data each worker keeps decoded in memory"),
    "INGRESS_PAUSED_WAIT_SECONDS": (
        30.0,
        "How long an unforced ingress into a paused pipeline waits for a resume before "
        "`503 PipelineInteractionUnreachable` (upstream's proxy timeout)",
    ),
    "STREAM_FOLLOW_SECONDS": (
        120.0,
        "How long `/logs` and `/time_series_stream` follow new lines before ending the response "
        "(upstream: forever)",
    ),
    "EGRESS_IDLE_SECONDS": (
        300.0,
        "How long a change stream (`/egress`) stays open without a change to send before it "
        "ends (upstream: forever)",
    ),
}


class DefaultConfig:
    """Flask config defaults, including the flask-smorest OpenAPI settings."""

    API_TITLE = "pipeline-store"
    API_VERSION = "v0"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "/docs"
    # Swagger UI's assets are served from the installed flask-swagger-ui package (offline).
    OPENAPI_SWAGGER_UI_URL = "/docs/assets/"


for _key, (_default, _doc) in SETTINGS.items():
    setattr(DefaultConfig, _key, _default)


def generate_secret_key() -> str:
    """Return a random secret suitable for SECRET_KEY."""
    return secrets.token_urlsafe(48)


def is_enterprise(config) -> bool:
    """Whether the settings imitate upstream's enterprise edition."""
    return config["EDITION"] == "enterprise"
