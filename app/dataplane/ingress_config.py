"""Read an ingress request's query string into a parser configuration (spec §2.1, §2.5)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from app.dataplane import errors
from app.dataplane.errors import DataplaneError
from app.dataplane.relations import Catalog
from app.dataplane.relations import Relation

# Variant lists in upstream's declaration order (they appear in serde's error text).
UPDATE_FORMATS = ("insert_delete", "weighted", "debezium", "snowflake", "raw", "redis")
JSON_FLAVORS = (
    "default",
    "debezium_mysql",
    "debezium_postgres",
    "snowflake",
    "kafka_connect_json_converter",
    "pandas",
    "blockchain",
    "c_hex",
    "datagen",
    "postgres",
)
LINES = ("multiple", "single")
# Formats the process knows but pipeline-store does not ingest.
_OTHER_FORMATS = ("avro", "parquet", "raw")
# Update formats the JSON parser accepts in its config but cannot ingest.
_REFUSED_UPDATE_FORMATS = {"snowflake": "Snowflake", "weighted": "Weighted", "redis": "Redis"}
_BOOL_ERROR = "provided string was not `true` or `false`"


@dataclass(frozen=True)
class IngressConfig:
    """What one `POST /ingress/{table}` asks for."""

    path_name: str  # the table as written in the path
    format: str  # json or csv
    force: bool = False
    update_format: str = "insert_delete"
    array: bool = False
    json_flavor: str = "default"
    lines: str = "multiple"

    @property
    def endpoint_name(self) -> str:
        """`<path name>.api-ingress-<16 hex>`: one endpoint per table and configuration."""
        parts = [self.path_name, self.format]
        if self.format == "json":
            parts += [self.update_format, str(self.array), self.json_flavor, self.lines]
        digest = hashlib.sha256("\0".join(parts).encode()).hexdigest()
        return f"{self.path_name}.api-ingress-{digest[:16]}"


def _boolean(value: str | None, default: bool) -> bool | None:
    if value is None:
        return default
    return {"true": True, "false": False}.get(value)


def _variant(value: str, allowed: tuple[str, ...]) -> str | None:
    """Return serde's error for an enum value outside `allowed`, else None."""
    if value in allowed:
        return None
    expected = ", ".join(f"`{v}`" for v in allowed)
    return f"unknown variant `{value}`, expected one of {expected}"


def parse_ingress_config(
    path_name: str, args: Mapping[str, str], raw_query: str = ""
) -> IngressConfig:
    """Validate the query string in upstream's order; raise DataplaneError."""
    force = _boolean(args.get("force"), False)
    if force is None:
        raise errors.invalid_query_parameter(_BOOL_ERROR)
    format_name = args.get("format", "csv")
    if format_name in _OTHER_FORMATS:
        endpoint = f"{path_name}.api-ingress-{format_name}"
        text = f"pipeline-store ingests only the json and csv formats, not '{format_name}'"
        raise errors.input_format_not_supported(endpoint, text)
    if format_name not in ("json", "csv"):
        raise errors.unknown_input_format(path_name, format_name)
    if format_name == "csv":
        # The CSV parser's settings are fixed: the query string is not read.
        return IngressConfig(path_name, "csv", force)
    update_format = args.get("update_format", "insert_delete")
    flavor = args.get("json_flavor", "default")
    lines = args.get("lines", "multiple")
    array = _boolean(args.get("array"), False)
    problem = (
        _variant(update_format, UPDATE_FORMATS)
        or (_BOOL_ERROR if array is None else None)
        or _variant(flavor, JSON_FLAVORS)
        or _variant(lines, LINES)
    )
    if problem is not None:
        raise errors.parser_config_parse_error(path_name, format_name, problem, raw_query)
    return IngressConfig(path_name, "json", force, update_format, bool(array), flavor, lines)


def resolve_ingress_table(catalog: Catalog, config: IngressConfig) -> Relation:
    """Return the table the request names, or raise 404/400 as the controller would."""
    table = catalog.table_for_path(config.path_name)
    if table is None:
        raise errors.unknown_input_stream(config.endpoint_name, config.path_name)
    refused = _REFUSED_UPDATE_FORMATS.get(config.update_format)
    if config.format == "json" and refused is not None:
        text = f"{refused} is not supported for JSON input streams"
        raise errors.input_format_not_supported(config.endpoint_name, text)
    return table


__all__ = ["DataplaneError", "IngressConfig", "parse_ingress_config", "resolve_ingress_table"]
