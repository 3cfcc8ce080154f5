"""Body of `POST /v0/validate_program` (upstream's `ValidateProgramRequest`)."""

from marshmallow import EXCLUDE
from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields

from app.schemas.pipeline_bodies import messages
from app.schemas.pipeline_bodies import string
from app.serde_text import describe_value


class SerdeBool(fields.Boolean):
    """A JSON boolean, refusing strings and numbers with serde's wording."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ValidationError(f"invalid type: {describe_value(value)}, expected a boolean")
        return value


class ValidateProgramRequestSchema(Schema):
    """The SQL program to compile, and what to compile it for."""

    class Meta:
        unknown = EXCLUDE  # upstream ignores unknown fields

    program_code = string("program_code", "SQL program to validate.", required=True)
    runtime_version = string(
        "runtime_version",
        "`vX.Y.Z` or a 40-hex git SHA; this instance has no custom runtimes.",
        nullable=True,
        load_default=None,
    )
    ir = SerdeBool(
        load_default=False,
        error_messages=messages("ir", "a boolean"),
        metadata={"description": "Also return the dataflow IR (`program_info.dataflow`)."},
    )
