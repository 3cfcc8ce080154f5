"""The stored shape of a pipeline: a fresh record as upstream creates it (crud.md §2.1)."""

from app.pipelines.status import derive_deployment_fields

EMPTY_PROGRAM_ERROR = {"sql_compilation": None, "rust_compilation": None, "system_error": None}


def fresh_record(
    *,
    pipeline_id: str,
    name: str,
    now: str,
    platform_version: str,
    runtime_config: dict,
    program_config: dict,
    program_code: str = "",
    udf_rust: str = "",
    udf_toml: str = "",
    description: str = "",
    tags: list | None = None,
) -> dict:
    """Return the complete record of a newly created pipeline."""
    record = {
        "id": pipeline_id,
        "name": name,
        "description": description,
        "tags": [] if tags is None else tags,
        "created_at": now,
        "version": 1,
        "platform_version": platform_version,
        "runtime_config": runtime_config,
        "program_code": program_code,
        "udf_rust": udf_rust,
        "udf_toml": udf_toml,
        "program_config": program_config,
        "program_version": 1,
        "program_status": "Pending",
        "program_status_since": now,
        "program_error": dict(EMPTY_PROGRAM_ERROR),
        "program_info": None,
        "deployment_error": None,
        "refresh_version": 1,
        "storage_status": "Cleared",
        "storage_status_details": None,
        "deployment_id": None,
        "deployment_initial": None,
        "deployment_resources_status": "Stopped",
        "deployment_resources_status_details": None,
        "deployment_resources_status_since": now,
        "deployment_resources_desired_status": "Stopped",
        "deployment_resources_desired_status_since": now,
        "deployment_runtime_status": None,
        "deployment_runtime_status_details": None,
        "deployment_runtime_status_since": None,
        "deployment_runtime_desired_status": None,
        "deployment_runtime_desired_status_since": None,
        "bootstrap_policy": None,
        "silent_bootstrap": False,
        "concurrent_bootstrap": False,
    }
    record.update(derive_deployment_fields(record))
    return record


def trim_program_info(info: dict | None) -> dict | None:
    """Drop the keys upstream never returns (`main_rust`, `dataflow`)."""
    if info is None:
        return None
    return {k: v for k, v in info.items() if k not in ("main_rust", "dataflow")}


def runtime_details_compat(value):
    """Upstream's backward-compatible reading of stored runtime status details (crud.md §2.8)."""
    if isinstance(value, str):
        return {"reason": value}
    if isinstance(value, bool | int | float | list):
        kind = {bool: "Bool", int: "Number", float: "Number", list: "Array"}[type(value)]
        return {"reason": f"{kind}: {value}"}
    if isinstance(value, dict) and "program_diff" in value:
        return {"approval_diff": value}
    return value
