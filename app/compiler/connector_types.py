"""What both connector checkers know: transports, formats and ConnectorConfig's typed shape."""

from __future__ import annotations

from app.compiler.serde_check import REQUIRED
from app.compiler.serde_check import AdjacentlyTagged
from app.compiler.serde_check import Any_
from app.compiler.serde_check import Bool
from app.compiler.serde_check import Map
from app.compiler.serde_check import Optional
from app.compiler.serde_check import Seq
from app.compiler.serde_check import Signed
from app.compiler.serde_check import String
from app.compiler.serde_check import Struct
from app.compiler.serde_check import UnitEnum
from app.compiler.serde_check import Unsigned

USIZE = Unsigned("usize")
U64 = Unsigned("u64")
U32 = Unsigned("u32", 32)

DATAGEN_STRATEGIES = [
    "increment", "uniform", "zipf", "word", "words", "sentence", "sentences", "paragraph",
    "paragraphs", "first_name", "last_name", "title", "suffix", "name", "name_with_title",
    "domain_suffix", "email", "username", "password", "field", "position", "seniority",
    "job_title", "ipv4", "ipv6", "ip", "mac_address", "user_agent", "rfc_status_code",
    "valid_status_code", "company_suffix", "company_name", "buzzword", "buzzword_middle",
    "buzzword_tail", "catch_phrase", "bs_verb", "bs_adj", "bs_noun", "bs", "profession",
    "industry", "currency_code", "currency_name", "currency_symbol", "credit_card_number",
    "city_prefix", "city_suffix", "city_name", "country_name", "country_code",
    "street_suffix", "street_name", "time_zone", "state_name", "state_abbr",
    "secondary_address_type", "secondary_address", "zip_code", "post_code",
    "building_number", "latitude", "longitude", "isbn", "isbn13", "isbn10", "phone_number",
    "cell_number", "file_path", "file_name", "file_extension", "dir_path",
]  # fmt: skip


def _field_settings() -> Struct:
    """RngFieldSettings: strict, and recursive through `fields`, `key` and `value`."""
    settings = Struct("RngFieldSettings", [], strict=True)
    settings.fields = [
        ("null_percentage", Optional(USIZE), None),
        ("values", Optional(Seq(Any_())), None),
        ("range", Any_(), None),
        ("strategy", UnitEnum("DatagenStrategy", DATAGEN_STRATEGIES), "increment"),
        ("e", Signed(), 1),
        ("scale", Signed(), 1),
        ("fields", Optional(Map(settings)), None),
        ("key", Optional(settings), None),
        ("value", Optional(settings), None),
    ]
    return settings


def _default_plan() -> list:
    return [{"rate": None, "limit": None, "worker_chunk_size": None, "fields": {}}]


_FIELD_SETTINGS = _field_settings()
_GENERATION_PLAN = Struct(
    "GenerationPlan",
    [
        ("rate", Optional(U32), None),
        ("limit", Optional(USIZE), None),
        ("worker_chunk_size", Optional(USIZE), None),
        ("fields", Map(_FIELD_SETTINGS), dict),
    ],
    strict=True,
)
DATAGEN = Struct(
    "DatagenInputConfig",
    [
        ("plan", Seq(_GENERATION_PLAN), _default_plan),
        ("workers", USIZE, 1),
        ("seed", Optional(U64), None),
        ("transaction_size", Optional(USIZE), None),
    ],
    strict=True,
)


class _Opaque(Struct):
    """A transport config whose fields pipeline-store does not model: kept as written."""

    def check(self, node):
        super().check(node)
        return {key.name: _plain(value) for key, value in node.value}


def _plain(node):
    return Any_().check(node)


def _opaque(name: str, *required: str) -> Struct:
    return _Opaque(name, [(field, Any_(), REQUIRED) for field in required])


# Every transport tag, in the order serde lists them, with its direction and config type
# (None: a unit variant, written without "config").
TRANSPORTS: dict[str, tuple[str, Struct | None]] = {
    "file_input": ("input", _opaque("FileInputConfig", "path")),
    "file_output": ("output", _opaque("FileOutputConfig", "path")),
    "nats_input": ("input", _opaque("NatsInputConfig")),
    "kafka_input": ("input", _opaque("KafkaInputConfig")),
    "kafka_output": ("output", _opaque("KafkaOutputConfig")),
    "pub_sub_input": ("input", _opaque("PubSubInputConfig")),
    "url_input": ("input", _opaque("UrlInputConfig", "path")),
    "s3_input": ("input", _opaque("S3InputConfig")),
    "delta_table_input": ("input", _opaque("DeltaTableReaderConfig")),
    "delta_table_output": ("output", _opaque("DeltaTableWriterConfig")),
    "dynamodb_output": ("output", _opaque("DynamoDBWriterConfig")),
    "redis_output": ("output", _opaque("RedisOutputConfig")),
    "iceberg_input": ("input", _opaque("IcebergReaderConfig")),
    "postgres_input": ("input", _opaque("PostgresReaderConfig")),
    "postgres_cdc_input": ("input", _opaque("PostgresCdcReaderConfig")),
    "postgres_output": ("output", _opaque("PostgresWriterConfig")),
    "datagen": ("input", DATAGEN),
    "nexmark": ("input", _opaque("NexmarkInputConfig", "table")),
    "http_input": ("input", _opaque("HttpInputConfig", "name")),
    "http_output": ("output", _opaque("HttpOutputConfig")),
    "ad_hoc_input": ("input", _opaque("AdHocInputConfig", "name")),
    "clock_input": ("input", _opaque("ClockConfig", "clock_resolution_usecs")),
    "null_output": ("output", None),
    "empty_input": ("input", None),
}
FORMATS = ("json", "csv", "avro", "parquet", "raw")
# Transport configs whose every field the compiler knows, so it warns about unknown ones.
KNOWN_CONFIG_FIELDS = {
    "file_input": ("path", "buffer_size_bytes", "follow"),
    "file_output": ("path",),
    "url_input": ("path", "pause_timeout"),
}

# serde_json::Value::default() is null.
_FORMAT = Struct("FormatConfig", [("name", String(), REQUIRED), ("config", Any_(), None)])
_TRANSPORT = AdjacentlyTagged("TransportConfig", {k: v for k, (_, v) in TRANSPORTS.items()})
CONNECTOR = Struct(
    "ConnectorConfig",
    [
        ("transport", _TRANSPORT, REQUIRED),
        ("preprocessor", Optional(Seq(Any_())), None),
        ("postprocessor", Optional(Seq(Any_())), None),
        ("format", Optional(_FORMAT), None),
        ("index", Optional(String()), None),
        ("max_batch_size", Optional(U64), None),
        ("max_worker_batch_size", Optional(U64), None),
        ("max_queued_records", U64, 1000000),
        ("max_queued_bytes", Optional(U64), None),
        ("paused", Bool(), False),
        ("labels", Seq(String()), list),
        ("start_after", Optional(Seq(String())), None),
        ("send_snapshot", Bool(), False),
        ("soft_delete", Bool(), False),
    ],
    # OutputBufferConfig is a flattened member of ConnectorConfig.
    flattened=[
        ("enable_output_buffer", Bool(), False),
        ("max_output_buffer_time_millis", USIZE, 18446744073709551615),
        ("max_output_buffer_size_records", USIZE, 10000000),
    ],
    after="index",
)  # fmt: skip


def direction(transport: str) -> str:
    """Whether a transport tag is an input or an output variant."""
    return TRANSPORTS[transport][0]
