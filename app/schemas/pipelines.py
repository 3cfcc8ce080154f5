"""The pipeline resource: one declaration of every field and of the field set each response uses."""

from marshmallow import Schema
from marshmallow import fields
from marshmallow import validate

from app.pipelines.validation import MAX_TAGS

ALL = "all"
STATUS = "status"
STATUS_WITH_CONNECTORS = "status_with_connectors"
MUTATION = "mutation"  # POST/PUT/PATCH responses ("PipelineInfo" upstream)
SELECTORS = (ALL, STATUS, STATUS_WITH_CONNECTORS)

EVERY = (ALL, STATUS, STATUS_WITH_CONNECTORS, MUTATION)
FULL = (ALL, MUTATION)  # dropped by the status selectors
GET_ONLY = (
    ALL,
    STATUS,
    STATUS_WITH_CONNECTORS,
)  # the bootstrap keys are not in mutations

PROGRAM_STATUSES = (
    "Pending", "CompilingSql", "SqlCompiled", "CompilingRust",
    "Success", "SqlError", "RustError", "SystemError",
)  # fmt: skip
STORAGE_STATUSES = ("Cleared", "InUse", "Clearing")
RESOURCES_STATUSES = ("Stopped", "Provisioning", "Provisioned", "Stopping")
RESOURCES_DESIRED_STATUSES = ("Stopped", "Provisioned")
RUNTIME_STATUSES = (
    "Unavailable", "Standby", "Initializing", "AwaitingApproval", "Bootstrapping",
    "Replaying", "Paused", "Running", "Suspended", "ConcurrentBootstrapping", "Synchronizing",
)  # fmt: skip
RUNTIME_DESIRED_STATUSES = ("Unavailable", "Standby", "Paused", "Running", "Suspended")
COMBINED_STATUSES = ("Stopped", "Provisioning", "Stopping", *RUNTIME_STATUSES)
COMBINED_DESIRED_STATUSES = ("Stopped", *RUNTIME_DESIRED_STATUSES)
BOOTSTRAP_POLICIES = ("allow", "reject", "await_approval")


def text(sets, doc, **kw):
    """A string field in the given field sets."""
    return fields.String(metadata={"sets": sets, "description": doc}, **kw)


def timestamp(sets, doc, **kw):
    """An RFC 3339 timestamp field."""
    return fields.String(metadata={"sets": sets, "description": doc, "format": "date-time"}, **kw)


def enum(sets, choices, doc, **kw):
    """A string field restricted to upstream's enum values."""
    return fields.String(
        validate=validate.OneOf(choices),
        metadata={"sets": sets, "description": doc},
        **kw,
    )


def integer(sets, doc):
    """An integer counter field."""
    return fields.Integer(metadata={"sets": sets, "description": doc})


def obj(sets, doc, **kw):
    """A JSON object field (stored in a JSON column)."""
    return fields.Dict(metadata={"sets": sets, "description": doc}, **kw)


class PipelineSchema(Schema):
    """Every field a pipeline response can carry, in upstream's key order."""

    id = text(EVERY, "Pipeline id (UUIDv7, time-ordered).")
    name = text(EVERY, "Unique pipeline name.")
    description = text(EVERY, "Free-form description.")
    tags = fields.List(fields.String(), metadata={"sets": EVERY, "description": "Tags."})
    created_at = timestamp(EVERY, "Creation time.")
    version = integer(EVERY, "Incremented by every accepted core edit.")
    platform_version = text(EVERY, "Platform version the program was last compiled for.")
    runtime_config = obj(FULL, "Runtime configuration, normalized (all keys present).")
    program_code = text(FULL, "SQL program.")
    udf_rust = text(FULL, "Rust UDF implementations.")
    udf_toml = text(FULL, "Rust dependencies of the UDFs (TOML).")
    program_config = obj(EVERY, "Program configuration, normalized.")
    program_version = integer(EVERY, "Incremented by every program change.")
    program_status = enum(EVERY, PROGRAM_STATUSES, "Compilation status.")
    program_status_since = timestamp(EVERY, "When program_status last changed.")
    program_error = obj(
        FULL, "Compilation output: sql_compilation, rust_compilation, system_error."
    )
    program_info = obj(FULL, "Schema and connectors once SQL compiled, else null.", allow_none=True)
    deployment_error = obj(EVERY, "Error that stopped the last deployment.", allow_none=True)
    refresh_version = integer(EVERY, "Incremented whenever a status a client shows changes.")
    storage_status = enum(EVERY, STORAGE_STATUSES, "Storage status.")
    storage_status_details = obj(EVERY, "Storage details (checkpoints).", allow_none=True)
    deployment_id = text(EVERY, "Id of the current deployment.", allow_none=True)
    deployment_initial = enum(
        EVERY,
        RUNTIME_DESIRED_STATUSES,
        "Initial runtime status requested.",
        allow_none=True,
    )
    deployment_status = enum(EVERY, COMBINED_STATUSES, "Combined deployment status.")
    deployment_status_since = timestamp(EVERY, "When deployment_status last changed.")
    deployment_desired_status = enum(
        EVERY, COMBINED_DESIRED_STATUSES, "Combined desired deployment status."
    )
    deployment_desired_status_since = timestamp(EVERY, "When the desired status last changed.")
    deployment_resources_status = enum(EVERY, RESOURCES_STATUSES, "Resources status.")
    deployment_resources_status_details = fields.Raw(
        allow_none=True,
        metadata={"sets": FULL, "description": "Runner health details."},
    )
    deployment_resources_status_since = timestamp(EVERY, "When the resources status changed.")
    deployment_resources_desired_status = enum(
        EVERY, RESOURCES_DESIRED_STATUSES, "Desired resources status."
    )
    deployment_resources_desired_status_since = timestamp(
        EVERY, "When the desired resources status changed."
    )
    deployment_runtime_status = enum(
        EVERY, RUNTIME_STATUSES, "Runtime status while provisioned.", allow_none=True
    )
    deployment_runtime_status_details = obj(EVERY, "Runtime status details.", allow_none=True)
    deployment_runtime_status_since = timestamp(
        EVERY, "When the runtime status changed.", allow_none=True
    )
    deployment_runtime_desired_status = enum(
        EVERY, RUNTIME_DESIRED_STATUSES, "Desired runtime status.", allow_none=True
    )
    deployment_runtime_desired_status_since = timestamp(
        EVERY, "When the desired runtime status changed.", allow_none=True
    )
    bootstrap_policy = enum(
        GET_ONLY,
        BOOTSTRAP_POLICIES,
        "Bootstrap policy of the last start.",
        allow_none=True,
    )
    silent_bootstrap = fields.Boolean(
        metadata={"sets": GET_ONLY, "description": "Silent bootstrap."}
    )
    concurrent_bootstrap = fields.Boolean(
        metadata={"sets": GET_ONLY, "description": "Concurrent bootstrap."}
    )
    connectors = fields.Dict(
        metadata={
            "sets": (STATUS_WITH_CONNECTORS,),
            "description": "`{num_errors}` over all connectors; absent when unavailable.",
        }
    )


# The ordered field names of each response shape, derived from the declarations above.
FIELD_SETS = {
    selector: tuple(
        name
        for name, field in PipelineSchema._declared_fields.items()
        if selector in field.metadata["sets"]
    )
    for selector in EVERY
}


def field_set_schema(schema_name: str, *selectors: str) -> type[Schema]:
    """Build the schema class that documents the union of the selectors' field sets."""
    names = {name for selector in selectors for name in FIELD_SETS[selector]}
    return Schema.from_dict(
        {name: field for name, field in PipelineSchema._declared_fields.items() if name in names},
        name=schema_name,
    )


# List and Get answer any selector's field set, so their documented shape is the union (every
# field optional): `all`'s fields plus `connectors` from `status_with_connectors`.
PipelineSelectedInfoSchema = field_set_schema("PipelineSelectedInfo", *SELECTORS)
PipelineStatusInfoSchema = field_set_schema("PipelineStatusInfo", STATUS_WITH_CONNECTORS)
PipelineInfoSchema = field_set_schema("PipelineInfo", MUTATION)


class SelectorQuerySchema(Schema):
    """`?selector=` of the two GET endpoints."""

    selector = fields.String(
        load_default=ALL,
        validate=validate.OneOf(
            SELECTORS,
            error="unknown variant `{input}`, expected one of `all`, `status`, "
            "`status_with_connectors`",
        ),
        metadata={"description": "Which fields to return (default `all`)."},
    )


class ListQuerySchema(SelectorQuerySchema):
    """List Pipelines' query: the selector, and filters upstream lacks (absent: no filter)."""

    tag = fields.List(
        fields.String(),
        load_default=(),
        # A pipeline has at most MAX_TAGS tags, so more could never match.
        validate=validate.Length(
            max=MAX_TAGS, error=f"at most {MAX_TAGS} `tag` parameters may be given"
        ),
        metadata={
            "description": "Only pipelines carrying this tag (exact, case-sensitive). Repeat "
            f"the parameter (at most {MAX_TAGS} times) to require several tags: every one "
            "must be present. A pipeline-store extension."
        },
    )
    name = fields.String(
        load_default="",
        metadata={
            "description": "Only pipelines whose name starts with this text (case-sensitive "
            "prefix). A pipeline-store extension."
        },
    )
