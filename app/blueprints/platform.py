"""Platform endpoints: configuration, session, authentication provider, health and demos."""

import logging
import platform

from flask import current_app
from flask.views import MethodView

from app import auth
from app.http.api import NO_CACHE
from app.http.api import Blueprint
from app.schemas.platform import AuthProviderSchema
from app.schemas.platform import ConfigurationSchema
from app.schemas.platform import DemoSchema
from app.schemas.platform import HealthStatusSchema
from app.schemas.platform import HealthzSchema
from app.schemas.platform import SessionInfoSchema
from app.storage import check_health
from app.timeutil import format_timestamp
from app.timeutil import now

log = logging.getLogger(__name__)
blp = Blueprint(
    "platform",
    __name__,
    description="Platform configuration, session and health.",
)

EDITIONS = {"open-source": "Open source", "enterprise": "Enterprise"}
REVISION = "pipeline-store"
UNHEALTHY = "unhealthy: unable to reach database (see logs for further details)"


def store_healthy() -> bool:
    """Check the store, logging what is wrong with it."""
    problem = check_health()
    if problem is not None:
        log.warning("unhealthy database: %s", problem)
    return problem is None


@blp.route("/config/authentication")
class AuthenticationConfig(MethodView):
    """The login provider the web console should use."""

    @blp.doc(operationId="get_config_authentication")
    @blp.response(200, AuthProviderSchema)
    def get(self):
        """Get the authentication provider

        Public. `{}` means no login flow: the server runs with `AUTH=none`, or with
        `AUTH=bearer` and no `OIDC_PROVIDER` (credentials are API keys or tokens).
        """
        if current_app.config["AUTH"] != "bearer":
            return {}
        return current_app.extensions[auth.EXTENSION]["oidc_provider"]


@blp.route("/v0/config")
class Configuration(MethodView):
    """Platform configuration."""

    @blp.doc(operationId="get_config")
    @blp.response(200, ConfigurationSchema)
    def get(self):
        """Get the platform configuration

        Required role: `read`. `edition` and `version` come from the `EDITION` and
        `PLATFORM_VERSION` settings; telemetry keys are empty.
        """
        config = current_app.config
        version = config["PLATFORM_VERSION"]
        build = {
            "build_timestamp": "n/a",
            "build_cpu": platform.machine() or "n/a",
            "build_os": platform.system().lower() or "n/a",
            "cargo_dependencies": "n/a",
            "cargo_features": "n/a",
            "cargo_debug": "n/a",
            "cargo_opt_level": "n/a",
            "cargo_target_triple": "n/a",
            "rustc_version": "n/a",
        }
        body = {
            "posthog": "",
            "conceptualhq": "",
            "product_fruits": "",
            "edition": EDITIONS.get(config["EDITION"], config["EDITION"]),
            "version": version,
            "revision": REVISION,
            "runtime_revision": REVISION,
            "unstable_features": None,
            "changelog_url": f"https://github.com/feldera/feldera/releases/tag/v{version}",
            "license_validity": None,
            "update_info": None,
            "build_info": build,
            "build_source": "source",
        }
        return body, NO_CACHE


@blp.route("/v0/config/session")
class Session(MethodView):
    """The caller's session."""

    @blp.doc(operationId="get_config_session")
    @blp.response(200, SessionInfoSchema)
    def get(self):
        """Get the session

        Required role: `read`. The tenant is always `default` (nil UUID); `role` is the
        caller's (`admin` with `AUTH=none`, else the key's, token's or JWT's role).
        """
        principal = auth.current_principal()
        body = {
            "tenant_id": principal.tenant_id,
            "tenant_name": principal.tenant_name,
            "role": principal.role,
            "memberships": [],
        }
        return body, NO_CACHE


@blp.route("/v0/config/demos")
class Demos(MethodView):
    """Web-console demos."""

    @blp.doc(operationId="get_config_demos")
    @blp.response(200, DemoSchema(many=True))
    def get(self):
        """List demos

        Required role: `read`. pipeline-store ships no demos: always `[]`.
        """
        return [], NO_CACHE


@blp.route("/healthz")
class Healthz(MethodView):
    """Liveness of this server and its database."""

    @blp.doc(operationId="get_health")
    @blp.response(200, HealthzSchema)
    def get(self):
        """Check health

        Public. 200 `{"status": "healthy"}` when the database can be written (a write rolled
        back) and is intact (SQLite's quick_check, at most every `INTEGRITY_CHECK_SECONDS`);
        otherwise 500 `{"status": "unhealthy: unable to reach database (see logs for further
        details)"}`, and the log says what is wrong.
        """
        if store_healthy():
            return {"status": "healthy"}
        return {"status": UNHEALTHY}, 500


@blp.route("/v0/cluster_healthz")
class ClusterHealth(MethodView):
    """Health of the API, compiler and runner."""

    @blp.doc(operationId="get_cluster_health")
    @blp.response(200, HealthStatusSchema)
    def get(self):
        """Check cluster health

        Required role: `read`. The simulated compiler and runner live in the database, so all
        three services are healthy exactly when it is (as for `/healthz`): 200 with
        `all_healthy: true`, otherwise 503 with the same shape and `all_healthy: false`.
        """
        healthy = store_healthy()
        moment = format_timestamp(now())
        message = "Database reachable" if healthy else UNHEALTHY

        def service(role: str) -> dict:
            return {
                "healthy": healthy,
                "message": f"{role}: {message}",
                "unchanged_since": moment,
                "checked_at": moment,
            }

        body = {
            "all_healthy": healthy,
            "api": service("API server"),
            "compiler": service("Compiler (simulated)"),
            "runner": service("Runner (simulated)"),
        }
        return body, 200 if healthy else 503
