"""Connectors the pipeline process cannot open: its initialization fails (spec §5, §9.4)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app import errors
from app.dataplane import datagen
from app.dataplane.identifiers import canonical_name
from app.dataplane.relations import Catalog

FORMAT_REFUSED = (
    "datagen endpoints do not support custom formats: remove the 'format' section from "
    "connector specification"
)


def _failure(endpoint: str, error: str) -> dict:
    """The `deployment_error` of a process whose input connector failed to open."""
    inner = f"FATAL error on input endpoint '{endpoint}': {error}"
    body = errors.InitializationError(
        error={"endpoint_name": endpoint, "fatal": True, "error": error, "backtrace": ""}
    ).body()
    # The process's own wording (its template ends with a full stop after the inner text).
    body["message"] = (
        f"Operation failed because the pipeline failed to initialize. Error details: {inner}."
    )
    return body


def start_error(record: Mapping[str, Any]) -> dict | None:
    """The deployment error of the first declared input connector that cannot open, if any."""
    info = record.get("program_info") or {}
    catalog = Catalog.from_schema(info.get("schema") or {})
    for endpoint, config in sorted((info.get("input_connectors") or {}).items()):
        transport = config.get("transport") or {}
        if transport.get("name") != "datagen":
            continue
        if config.get("format"):
            return _failure(endpoint, FORMAT_REFUSED)
        relation = catalog.relation(canonical_name(config.get("stream", ""))[0])
        missing = (
            None
            if relation is None
            else datagen.missing_field(relation, transport.get("config") or {})
        )
        if missing is not None:
            text = f"Field `{missing}` specified in datagen does not exist in the table schema."
            return _failure(endpoint, text)
    return None
