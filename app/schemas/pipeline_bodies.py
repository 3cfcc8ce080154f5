"""Request bodies of POST/PUT (`PostPutPipeline`) and PATCH (`PatchPipeline`)."""

from marshmallow import EXCLUDE
from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields

from app.pipelines.validation import MAX_DESCRIPTION_CHARS
from app.pipelines.validation import MAX_NAME_BYTES
from app.pipelines.validation import MAX_TAG_CHARS
from app.pipelines.validation import MAX_TAGS
from app.pipelines.validation import NAME_PATTERN
from app.pipelines.validation import TAG_PATTERN
from app.serde_text import describe_value

# The rules app.validation enforces after parsing, documented (not enforced) here: a violation
# is a 400 with upstream's own error code, not a parse error.
NAME_RULES = {"pattern": NAME_PATTERN, "maxLength": MAX_NAME_BYTES}
DESCRIPTION_RULES = {"maxLength": MAX_DESCRIPTION_CHARS}
TAG_RULES = {"pattern": f"^{TAG_PATTERN.pattern}$", "maxLength": MAX_TAG_CHARS}


class SerdeString(fields.String):
    """A string that refuses other JSON types with serde's wording."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise ValidationError(f"invalid type: {describe_value(value)}, expected a string")
        return value


class SerdeList(fields.List):
    """An array that refuses other JSON types with serde's wording."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, list):
            raise ValidationError(f"invalid type: {describe_value(value)}, expected a sequence")
        return super()._deserialize(value, attr, data, **kwargs)


def messages(name: str, expected: str) -> dict:
    """serde_json's texts for a missing or null field."""
    return {
        "required": f"missing field `{name}`",
        "null": f"invalid type: null, expected {expected}",
    }


def string(name: str, doc: str, *, required=False, nullable=False, rules: dict | None = None, **kw):
    """A string body field."""
    return SerdeString(
        required=required,
        allow_none=nullable,
        error_messages=messages(name, "a string"),
        metadata={"description": doc, **(rules or {})},
        **kw,
    )


def tags_field(nullable: bool, **kw):
    """The `tags` body field: an array of strings."""
    return SerdeList(
        SerdeString(error_messages=messages("tags", "a string"), metadata=TAG_RULES),
        allow_none=nullable,
        error_messages=messages("tags", "a sequence"),
        metadata={
            "description": "Free-form labels; order and duplicates are kept.",
            "maxItems": MAX_TAGS,
        },
        **kw,
    )


def config_field(doc: str):
    """A configuration object; any JSON is accepted here and validated after the name."""
    # Validated by app.pipeline_config, so a bad value is InvalidRuntimeConfig/
    # InvalidProgramConfig (400 with details), not a parse error.
    return fields.Raw(
        allow_none=True,
        load_default=None,
        metadata={"description": doc, "type": "object"},
    )


RUNTIME_DOC = (
    "Runtime configuration; omitted keys take their defaults, unknown keys are dropped, "
    "and the complete normalized object is stored."
)
PROGRAM_DOC = "Program configuration (`profile`, `cache`, `runtime_version`, ...), normalized."


class PostPutPipelineSchema(Schema):
    """Create a pipeline (POST) or replace one (PUT); omitted optional fields are empty."""

    class Meta:
        unknown = EXCLUDE

    name = string("name", "Unique pipeline name.", required=True, rules=NAME_RULES)
    description = string(
        "description", "Free-form description.", rules=DESCRIPTION_RULES, load_default=""
    )
    tags = tags_field(nullable=False, load_default=list)
    runtime_config = config_field(RUNTIME_DOC)
    program_code = string("program_code", "SQL program (may be empty).", required=True)
    udf_rust = string("udf_rust", "Rust UDF implementations.", nullable=True, load_default=None)
    udf_toml = string("udf_toml", "UDF dependencies (TOML).", nullable=True, load_default=None)
    program_config = config_field(PROGRAM_DOC)


class PatchPipelineSchema(Schema):
    """Partially update a pipeline: every key is optional and `null` means "leave unchanged"."""

    class Meta:
        unknown = EXCLUDE

    name = string(
        "name",
        "New name (renames the pipeline).",
        nullable=True,
        rules=NAME_RULES,
        load_default=None,
    )
    description = string(
        "description", "New description.", nullable=True, rules=DESCRIPTION_RULES, load_default=None
    )
    tags = tags_field(nullable=True, load_default=None)
    runtime_config = config_field(RUNTIME_DOC + " Replaces the stored object wholesale.")
    program_code = string("program_code", "New SQL program.", nullable=True, load_default=None)
    udf_rust = string("udf_rust", "New Rust UDFs.", nullable=True, load_default=None)
    udf_toml = string("udf_toml", "New UDF dependencies.", nullable=True, load_default=None)
    program_config = config_field(PROGRAM_DOC + " Replaces the stored object wholesale.")
