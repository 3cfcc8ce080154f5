"""Platform bodies: configuration, session, authentication provider, health, demos."""

from marshmallow import Schema
from marshmallow import fields
from marshmallow import validate

from app.auth.roles import ROLES


def text(description: str, **kw):
    """A required string field."""
    return fields.String(required=True, metadata={"description": description}, **kw)


class BuildInformationSchema(Schema):
    """Information about the build of the platform (all strings)."""

    build_timestamp = text("Timestamp of the build.")
    build_cpu = text("CPU of build machine.")
    build_os = text("OS of build machine.")
    cargo_dependencies = text("Dependencies used during the build.")
    cargo_features = text("Features enabled during the build.")
    cargo_debug = text("Whether the build is optimized for performance.")
    cargo_opt_level = text("Optimization level of the build.")
    cargo_target_triple = text("Target triple of the build.")
    rustc_version = text("Rust version of the build used.")


class ConfigurationSchema(Schema):
    """Configuration of the platform; the SDK reads it once, at construction."""

    posthog = text("PostHog telemetry key. Empty when disabled.")
    conceptualhq = text("ConceptualHQ analytics key. Empty when disabled.")
    product_fruits = text("Product Fruits workspace code. Empty when disabled.")
    edition = text('Feldera edition: "Open source" or "Enterprise" (setting `EDITION`).')
    version = text("Platform version `x.y.z` (setting `PLATFORM_VERSION`).")
    revision = text("Revision of the edition version.")
    runtime_revision = text("Revision of the default runtime version.")
    unstable_features = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "Comma-separated unstable features that are enabled."},
    )
    changelog_url = text("URL of the changelog of the current version.")
    license_validity = fields.Dict(
        required=True,
        allow_none=True,
        metadata={"description": "Enterprise licence check; always null here."},
    )
    update_info = fields.Dict(
        required=True,
        allow_none=True,
        metadata={"description": "Newer-version information; always null here."},
    )
    build_info = fields.Nested(BuildInformationSchema, required=True)
    build_source = text('Build source: "ci" or "source".')


class UserMembershipSchema(Schema):
    """One tenant a user may act in."""

    tenant_id = fields.UUID(required=True)
    name = text("The tenant's name.")
    role = fields.String(required=True, validate=validate.OneOf(ROLES))


class SessionInfoSchema(Schema):
    """The caller's acting tenant and role."""

    tenant_id = fields.UUID(
        required=True, allow_none=True, metadata={"description": "Acting tenant id."}
    )
    tenant_name = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "Acting tenant name; null exactly when `tenant_id` is."},
    )
    role = fields.String(
        required=True,
        allow_none=True,
        validate=validate.OneOf(ROLES),
        metadata={"description": "The caller's role."},
    )
    memberships = fields.List(
        fields.Nested(UserMembershipSchema),
        required=True,
        metadata={"description": "Always empty here: there are no human logins or tenants."},
    )


class AuthProviderSchema(Schema):
    """`{}` without a login provider, else exactly one of `AwsCognito` or `GenericOidc`."""

    AwsCognito = fields.Dict(
        metadata={"description": "`{issuer, login_url, logout_url}`."},
    )
    GenericOidc = fields.Dict(
        metadata={"description": "`{issuer, client_id, extra_oidc_scopes}`."},
    )


class ServiceStatusSchema(Schema):
    """Health of a single service."""

    healthy = fields.Boolean(required=True)
    message = text("Human-readable report from the most recent health check.")
    unchanged_since = fields.String(
        required=True,
        metadata={"format": "date-time", "description": "Time of the last health change seen."},
    )
    checked_at = fields.String(
        required=True, metadata={"format": "date-time", "description": "Time of the check."}
    )


class HealthStatusSchema(Schema):
    """Health of the cluster as a whole and of each of its services."""

    all_healthy = fields.Boolean(required=True)
    api = fields.Nested(ServiceStatusSchema, required=True)
    compiler = fields.Nested(ServiceStatusSchema, required=True)
    runner = fields.Nested(ServiceStatusSchema, required=True)


class HealthzSchema(Schema):
    """`{"status": "healthy"}`, or `unhealthy: …` when the database does not answer."""

    status = text("`healthy` or `unhealthy: <reason>`.")


class DemoSchema(Schema):
    """A web-console demo (none are shipped)."""

    name = text("Name of the demo.")
    title = text("Title of the demo.")
    description = text("Description of the demo.")
    program_code = text("Program SQL code.")
    udf_rust = text("UDF Rust code.")
    udf_toml = text("UDF TOML dependencies.")
