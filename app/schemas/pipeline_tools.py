"""Query strings and bodies of the remaining pipeline routes (support bundle, diff, clock)."""

from marshmallow import Schema
from marshmallow import fields
from marshmallow import validate

from app.pipelines.support_bundle import PARTS
from app.pipelines.support_bundle import UNAVAILABLE
from app.schemas.lifecycle import flag

# `GET …/support_bundle` query: one flag per part, and how many collections.
SupportBundleQuerySchema = Schema.from_dict(
    {
        "collect": flag(True, "Collect new data (pipeline-store always reads the store)"),
        "limit": fields.Integer(
            load_default=None,
            metadata={"description": "Collections to include; must be at least 1."},
        ),
        **{part: flag(True, f"Include `{part}`") for part in [*PARTS, *UNAVAILABLE]},
    },
    name="SupportBundleQuerySchema",
)


class IncarnationQuerySchema(Schema):
    """`?incarnation_uuid=` of the checkpoint status routes."""

    incarnation_uuid = fields.String(
        load_default=None, metadata={"description": "Fails unless it is the current process's."}
    )


class DiffBodySchema(Schema):
    """`POST …/diff` body."""

    program_code = fields.String(load_default=None, allow_none=True)
    runtime_version = fields.String(load_default=None, allow_none=True)


class ClockAdvanceBodySchema(Schema):
    """`POST …/clock/advance` body."""

    delta_ms = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=0))


class SamplyQuerySchema(Schema):
    """`…/samply_profile` query."""

    duration_secs = fields.Integer(load_default=30)
    latest = flag(False, "Wait for a profile in progress")
