"""Query strings and answers of the data plane routes (ingress, query, stats, logs, …)."""

from marshmallow import Schema
from marshmallow import fields
from marshmallow import validate

from app.dataplane_service.formats import FORMATS
from app.schemas.lifecycle import flag


def variant(values: tuple[str, ...]) -> validate.OneOf:
    """serde's refusal of an enum value, as upstream's framework words it."""
    listed = ", ".join(f"`{v}`" for v in values)
    return validate.OneOf(values, error=f"unknown variant `{{input}}`, expected one of {listed}")


class IngressQuerySchema(Schema):
    """`POST …/ingress/{table}` query (documentation: the process parses it itself, §2.1)."""

    format = fields.String(
        metadata={"description": "`csv` (default) or `json`.", "enum": ["csv", "json"]}
    )
    force = fields.String(metadata={"description": "`true` pushes even while paused."})
    update_format = fields.String(
        metadata={"description": "JSON only: `insert_delete` (default), `raw` or `debezium`."}
    )
    array = fields.String(metadata={"description": "JSON only: `true` when the body holds arrays."})
    json_flavor = fields.String(metadata={"description": "JSON only: value spellings (`default`)."})
    lines = fields.String(metadata={"description": "JSON only: `multiple` (default) or `single`."})


class CompletionStatusQuerySchema(Schema):
    """`GET …/completion_status` query."""

    token = fields.String(
        required=True,
        error_messages={"required": "missing field `token`"},
        metadata={"description": "A token from ingress or a connector's completion_token."},
    )


class AdhocQuerySchema(Schema):
    """`GET …/query` query."""

    sql = fields.String(load_default="", metadata={"description": "The SQL to run."})
    format = fields.String(
        load_default="text",
        validate=variant(FORMATS),
        metadata={"description": "Result format (default `text`).", "enum": list(FORMATS)},
    )


class StatsQuerySchema(Schema):
    """`GET …/stats` query."""

    include_connector_errors = flag(False, "List each connector's recent errors")


class MetricsQuerySchema(Schema):
    """`GET …/metrics` query."""

    format = fields.String(
        load_default="prometheus",
        validate=variant(("prometheus", "json")),
        metadata={
            "description": "`prometheus` (default) or `json`.",
            "enum": ["prometheus", "json"],
        },
    )


class LogsQuerySchema(Schema):
    """`GET …/logs` query (SDK 0.369's resume protocol)."""

    cursor = fields.String(
        load_default=None,
        metadata={"description": "`<epoch>:<seq>` from an earlier stream: resume after that line."},
    )


class TokenSchema(Schema):
    """A completion token."""

    token = fields.String(required=True)


class CompletionStatusSchema(Schema):
    """Whether a token's records are processed, and in which step."""

    status = fields.String(required=True, metadata={"enum": ["complete", "inprogress"]})
    step = fields.Integer(allow_none=True)
