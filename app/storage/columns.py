"""How stored values are encoded: which columns hold JSON, booleans and integers."""

import json

PIPELINE_JSON_COLUMNS = frozenset(
    {
        "tags",
        "runtime_config",
        "program_config",
        "program_error",
        "program_info",
        "deployment_error",
        "storage_status_details",
        "deployment_resources_status_details",
        "deployment_runtime_status_details",
        "simulation",  # the lifecycle simulator's private state
    }
)
PIPELINE_BOOL_COLUMNS = frozenset({"silent_bootstrap", "concurrent_bootstrap"})
PIPELINE_INT_COLUMNS = frozenset({"version", "program_version", "refresh_version"})


def encode(column: str, value):
    """Encode a Python value for its column."""
    if column in PIPELINE_JSON_COLUMNS:
        return None if value is None else json.dumps(value, separators=(",", ":"))
    if column in PIPELINE_BOOL_COLUMNS:
        return int(bool(value))
    return value


def decode_row(row) -> dict:
    """Decode a stored row into a record with JSON values and booleans restored."""
    record = dict(row)
    for column in PIPELINE_JSON_COLUMNS:
        if record.get(column) is not None:
            record[column] = json.loads(record[column])
    for column in PIPELINE_BOOL_COLUMNS:
        if column in record:
            record[column] = bool(record[column])
    return record
