"""Create, replace, patch and delete pipelines with upstream's checks, order and counters."""

import json
from typing import Any

from app import errors
from app.pipeline_config import ConfigError
from app.pipeline_config import config_error
from app.pipeline_config import normalize_program_config
from app.pipeline_config import normalize_runtime_config
from app.pipeline_config import storage_restricted_changes
from app.pipelines import persistence
from app.pipelines.catch_up import write
from app.pipelines.context import Context
from app.pipelines.records import EMPTY_PROGRAM_ERROR
from app.pipelines.records import fresh_record
from app.pipelines.status import fully_stopped
from app.pipelines.validation import validate_description
from app.pipelines.validation import validate_name
from app.pipelines.validation import validate_tags
from app.schemas.pipelines import FIELD_SETS
from app.schemas.pipelines import MUTATION
from app.timeutil import format_timestamp
from app.timeutil import uuid7

# crud.md §5.1: what counts as a core change, and which of those are program changes.
CORE_FIELDS = ("name", "runtime_config", "program_code", "udf_rust", "udf_toml", "program_config")
PROGRAM_FIELDS = ("program_code", "udf_rust", "udf_toml", "program_config")
EDITABLE_FIELDS = ("name", "description", "tags", *PROGRAM_FIELDS, "runtime_config")


def runtime_config(value: Any, ctx: Context) -> dict:
    """Normalize a submitted runtime_config or raise InvalidRuntimeConfig."""
    try:
        return normalize_runtime_config(value, enterprise=ctx.settings.enterprise)
    except ConfigError as err:
        raise config_error("runtime_config", value, err) from None


def program_config(value: Any) -> dict:
    """Normalize a submitted program_config or raise InvalidProgramConfig."""
    try:
        return normalize_program_config(value)
    except ConfigError as err:
        raise config_error("program_config", value, err) from None


def same(new: Any, stored: Any) -> bool:
    """Whether two JSON values are equal as serde_json values (1 ≠ 1.0 ≠ true, key order free)."""
    if isinstance(new, str) or isinstance(stored, str):
        return new == stored
    return json.dumps(new, sort_keys=True) == json.dumps(stored, sort_keys=True)


def existing(ctx: Context, name: str) -> dict:
    """Return the stored record or raise UnknownPipelineName."""
    record = ctx.store.pipelines.get(name)
    if record is None:
        raise errors.UnknownPipelineName(pipeline_name=name)
    return record


def rendered(ctx: Context, name: str) -> str:
    """Return the mutation response (upstream's `PipelineInfo`) of a pipeline just written."""
    return ctx.store.pipelines.render_one(name, FIELD_SETS[MUTATION])


def create(ctx: Context, body: dict, at) -> str:
    """Validate in POST's order, insert and return the pipeline's name (crud.md §3.3)."""
    validate_name(body["name"])
    validate_description(body["description"])
    validate_tags(body["tags"])
    record = fresh_record(
        pipeline_id=uuid7(),
        name=body["name"],
        now=format_timestamp(at),
        platform_version=ctx.settings.platform_version,
        runtime_config=runtime_config(body["runtime_config"], ctx),
        program_config=program_config(body["program_config"]),
        program_code=body["program_code"],
        udf_rust=body["udf_rust"] or "",
        udf_toml=body["udf_toml"] or "",
        description=body["description"],
        tags=list(body["tags"]),
    )
    persistence.insert(ctx.store, record, simulated=True)
    return record["name"]


def update(ctx: Context, current: dict, new: dict, at, *, put: bool) -> str:
    """Apply crud.md §5 to `current` with the supplied normalized values; return the name."""
    changed = {key: value for key, value in new.items() if not same(value, current[key])}
    # §4.4: an unchanged (even legacy over-limit) value is not re-validated.
    if "description" in changed:
        validate_description(changed["description"])
    if "tags" in changed:
        validate_tags(changed["tags"])
    platform_version = ctx.settings.platform_version
    program_change = any(key in changed for key in PROGRAM_FIELDS) or (
        put and current["platform_version"] != platform_version
    )
    core_change = program_change or any(key in changed for key in CORE_FIELDS)
    if core_change and not fully_stopped(current):
        raise errors.UpdateRestrictedToStopped()
    if not changed and not core_change:
        return current["name"]
    changes = {**changed, "simulated": 1}
    if core_change:
        if current["storage_status"] != "Cleared":
            not_allowed = ["`name`"] if "name" in changed else []
            if "runtime_config" in new:
                not_allowed += storage_restricted_changes(
                    current["runtime_config"], new["runtime_config"]
                )
            if not_allowed:
                raise errors.EditRestrictedToClearedStorage(
                    not_allowed=not_allowed, listed=", ".join(not_allowed)
                )
        # Exactly once per accepted request, however many fields changed.
        changes["version"] = current["version"] + 1
        changes["refresh_version"] = current["refresh_version"] + 1
    if program_change:
        changes.update(
            program_version=current["program_version"] + 1,
            program_status="Pending",
            program_status_since=format_timestamp(at),
            program_error=dict(EMPTY_PROGRAM_ERROR),
            program_info=None,
            platform_version=platform_version,
        )
    # A name taken meanwhile surfaces here as DuplicateName (the unique index decides).
    persistence.save(ctx.store, current, changes)
    return new.get("name", current["name"])


def create_pipeline(ctx: Context, body: dict) -> str:
    """POST: create and return the mutation JSON; 409 DuplicateName if the name is taken."""
    with write(ctx) as at:
        return rendered(ctx, create(ctx, body, at))


def put_pipeline(ctx: Context, path_name: str, body: dict) -> tuple[str, bool]:
    """PUT: create or fully replace; return (mutation JSON, whether it was created)."""
    with write(ctx, path_name) as at:
        current = ctx.store.pipelines.get(path_name)
        if current is None:
            if body["name"] != path_name:
                raise errors.CannotRenameNonExistingPipeline()
            return rendered(ctx, create(ctx, body, at)), True
        validate_name(body["name"])
        new = {
            "name": body["name"],
            "description": body["description"],
            "tags": list(body["tags"]),
            "runtime_config": runtime_config(body["runtime_config"], ctx),
            "program_code": body["program_code"],
            "udf_rust": body["udf_rust"] or "",
            "udf_toml": body["udf_toml"] or "",
            "program_config": program_config(body["program_config"]),
        }
        return rendered(ctx, update(ctx, current, new, at, put=True)), False


def patch_pipeline(ctx: Context, path_name: str, body: dict) -> str:
    """PATCH: update the supplied (non-null) fields; return the mutation JSON."""
    new = {key: body[key] for key in EDITABLE_FIELDS if body.get(key) is not None}
    # §3.5: these checks come before the lookup, so a bad name on an unknown pipeline is 400.
    if "name" in new:
        validate_name(new["name"])
    if "runtime_config" in new:
        new["runtime_config"] = runtime_config(new["runtime_config"], ctx)
    if "program_config" in new:
        new["program_config"] = program_config(new["program_config"])
    with write(ctx, path_name) as at:
        name = update(ctx, existing(ctx, path_name), new, at, put=False)
        return rendered(ctx, name)


def delete_pipeline(ctx: Context, name: str) -> None:
    """DELETE: only a fully stopped pipeline with cleared storage (crud.md §3.6)."""
    with write(ctx, name):
        current = existing(ctx, name)
        if not fully_stopped(current):
            raise errors.DeleteRestrictedToFullyStopped()
        if current["storage_status"] != "Cleared":
            raise errors.DeleteRestrictedToClearedStorage()
        ctx.store.pipelines.delete(current["id"])
