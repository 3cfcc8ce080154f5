"""Request and response bodies of the admin API (`/__admin/`), pipeline-store's own."""

from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import validate
from marshmallow import validates_schema

from app.admin.journal import MAX_SIZE

# Ten years: further than any simulated delay, well inside what timestamps can hold.
MAX_SECONDS = 10 * 365 * 86400
METHODS = ("*", "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class ResetSchema(Schema):
    """What to delete; an empty body deletes every pipeline and the admin state."""

    name_prefix = fields.String(
        load_default="", metadata={"description": "Only pipelines whose name starts with this."}
    )
    tag = fields.String(
        load_default=None, allow_none=True, metadata={"description": "Only pipelines with it."}
    )
    drop_api_keys = fields.Boolean(
        load_default=False, metadata={"description": "Delete every API key too (default: keep)."}
    )
    admin_state = fields.Boolean(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "Delete fault rules and journal entries and put the clock back on "
            "the wall clock (default: only when nothing is filtered)."
        },
    )


class ResetResultSchema(Schema):
    """What a reset deleted."""

    pipelines_deleted = fields.Integer(required=True)
    api_keys_deleted = fields.Integer(required=True)
    admin_state = fields.Boolean(required=True, metadata={"description": "Whether it was reset."})


class SnapshotSchema(Schema):
    """A saved snapshot of the whole store."""

    name = fields.String(required=True)
    size_bytes = fields.Integer(required=True)
    saved_at = fields.String(required=True, metadata={"description": "RFC 3339, UTC."})


class NewFaultSchema(Schema):
    """A fault rule: which requests, what happens, how often and for how long."""

    method = fields.String(
        load_default="*",
        validate=validate.OneOf(METHODS),
        metadata={"description": "HTTP method, or `*` (default) for any."},
    )
    path = fields.String(
        required=True,
        validate=validate.Length(min=1),
        metadata={
            "description": "Path pattern (fnmatch: `*` matches any text, `/` included), e.g. "
            "`/v0/pipelines/*/stats`. Applies to `/v0` and `/config/` paths."
        },
    )
    status = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(400, 599),
        metadata={"description": "Answer with this status (e.g. 502, 503, 429)."},
    )
    error_code = fields.String(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "The body's `error_code`, e.g. upstream's "
            "`PipelineInteractionUnreachable` (default `InjectedFault`)."
        },
    )
    message = fields.String(load_default=None, allow_none=True)
    details = fields.Raw(load_default=None, allow_none=True)
    retry_after = fields.Integer(
        validate=validate.Range(min=0),
        allow_none=True,
        metadata={"description": "`Retry-After` seconds (default 5 for 503, none otherwise)."},
    )
    latency_ms = fields.Integer(
        load_default=0,
        validate=validate.Range(0, 600_000),
        metadata={"description": "Wait this long first (alone: then answer normally)."},
    )
    drop_connection = fields.Boolean(
        load_default=False,
        metadata={"description": "Reset the connection instead of answering (under gunicorn)."},
    )
    probability = fields.Float(
        load_default=1.0,
        validate=validate.Range(0, 1, min_inclusive=False),
        metadata={"description": "Chance that a matching request is hit (default 1)."},
    )
    count = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1),
        metadata={"description": "Hit at most this many requests, over all workers."},
    )
    duration_seconds = fields.Float(
        load_default=None,
        allow_none=True,
        validate=validate.Range(0, MAX_SECONDS, min_inclusive=False),
        metadata={"description": "Only for this long (real time) from now."},
    )

    @validates_schema
    def does_something(self, data, **_kwargs):
        """A rule must answer, wait or drop."""
        if data.get("status") is None and not data.get("latency_ms"):
            if not data.get("drop_connection"):
                raise ValidationError("give `status`, `latency_ms` or `drop_connection`")


class FaultSchema(Schema):
    """A stored fault rule."""

    id = fields.Integer(required=True)
    method = fields.String(required=True)
    path = fields.String(required=True)
    status = fields.Integer(allow_none=True)
    error_code = fields.String(allow_none=True)
    message = fields.String(allow_none=True)
    details = fields.Raw(allow_none=True)
    retry_after = fields.Integer(allow_none=True)
    latency_ms = fields.Integer(required=True)
    drop_connection = fields.Boolean(required=True)
    probability = fields.Float(required=True)
    remaining = fields.Integer(
        allow_none=True, metadata={"description": "Hits left (null: unlimited)."}
    )
    hits = fields.Integer(required=True, metadata={"description": "Requests it answered."})
    expires_at = fields.String(allow_none=True)


class ClockSchema(Schema):
    """The simulation's clock, shared by every worker."""

    now = fields.String(required=True, metadata={"description": "The simulation's moment."})
    frozen = fields.Boolean(required=True)
    offset_seconds = fields.Float(
        required=True, metadata={"description": "Ahead of the wall clock by (when running)."}
    )


class AdvanceSchema(Schema):
    """How far to move the clock."""

    seconds = fields.Float(required=True, validate=validate.Range(0, MAX_SECONDS))


class JournalConfigSchema(Schema):
    """How many requests the journal keeps (0: off, the default)."""

    size = fields.Integer(required=True, validate=validate.Range(0, MAX_SIZE))


class JournalQuerySchema(Schema):
    """Which recorded requests to list."""

    method = fields.String(load_default=None, metadata={"description": "e.g. `GET`."})
    path = fields.String(
        load_default=None, metadata={"description": "Path pattern (GLOB: `*`, `?`, `[...]`)."}
    )
    limit = fields.Integer(load_default=100, validate=validate.Range(1, MAX_SIZE))


class JournalEntrySchema(Schema):
    """One recorded request (never its body or headers)."""

    seq = fields.Integer(required=True)
    at = fields.String(required=True)
    method = fields.String(required=True)
    path = fields.String(required=True)
    query = fields.String(required=True, metadata={"description": "Raw query string."})
    status = fields.Integer(required=True)
    duration_ms = fields.Float(required=True)
    caller = fields.String(
        required=True, metadata={"description": "Credential kind and role, e.g. `apikey:write`."}
    )
