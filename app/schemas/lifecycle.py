"""Query parameters of the lifecycle actions (`/start`, `/stop`, `/approve`, `/activate`)."""

from marshmallow import Schema
from marshmallow import fields
from marshmallow import validate

from app.schemas.pipelines import BOOTSTRAP_POLICIES


def flag(default: bool, doc: str) -> fields.Boolean:
    """A boolean query parameter spelled `true` or `false`, as upstream's parser requires."""
    return fields.Boolean(
        load_default=default,
        truthy={"true"},
        falsy={"false"},
        error_messages={"invalid": "provided string was not `true` or `false`"},
        metadata={"description": f"{doc} (default `{str(default).lower()}`)."},
    )


def silent_bootstrap() -> fields.Boolean:
    """`silent_bootstrap` of /start and /approve."""
    return flag(False, "Bootstrap the pipeline with output connectors disabled")


def concurrent_bootstrap() -> fields.Boolean:
    """`concurrent_bootstrap` of /start and /approve."""
    return flag(
        False,
        "Bootstrap new and modified views concurrently, keeping the pre-existing views live "
        "while the new ones backfill; mutually exclusive with `silent_bootstrap`",
    )


class StartQuerySchema(Schema):
    """`POST /v0/pipelines/{name}/start` query."""

    initial = fields.String(
        load_default="running",
        metadata={
            "description": "Runtime status once provisioned: `running` (default), `paused` or "
            "`standby` (enterprise, file storage with sync). Other values: 405."
        },
    )
    bootstrap_policy = fields.String(
        load_default=None,
        validate=validate.OneOf(
            BOOTSTRAP_POLICIES,
            error="unknown variant `{input}`, expected one of `allow`, `reject`, `await_approval`",
        ),
        metadata={
            "description": "What to do when resuming from a checkpoint of a changed program "
            "(default `await_approval`).",
            "enum": list(BOOTSTRAP_POLICIES),
        },
    )
    silent_bootstrap = silent_bootstrap()
    concurrent_bootstrap = concurrent_bootstrap()
    dismiss_error = flag(True, "Dismiss a deployment error left by the previous run first")


class StopQuerySchema(Schema):
    """`POST /v0/pipelines/{name}/stop` query."""

    force = flag(
        False,
        "`true` deprovisions at once; `false` first checkpoints (suspends), which only the "
        "enterprise edition supports",
    )


class ApproveQuerySchema(Schema):
    """`POST /v0/pipelines/{name}/approve` query."""

    silent_bootstrap = silent_bootstrap()
    concurrent_bootstrap = concurrent_bootstrap()


class ActivateQuerySchema(Schema):
    """`POST /v0/pipelines/{name}/activate` query."""

    initial = fields.String(
        load_default="running",
        metadata={"description": "`running` (default) or `paused`."},
    )
