"""Create, replace, patch and delete pipelines with upstream's checks, order and counters."""

import contextlib
import json
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from app.errors import BadRequest
from app.errors import UnknownPipelineName
from app.pipeline_config import ConfigError
from app.pipeline_config import config_error_message
from app.pipeline_config import normalize_program_config
from app.pipeline_config import normalize_runtime_config
from app.pipeline_config import storage_restricted_changes
from app.records import EMPTY_PROGRAM_ERROR
from app.records import fresh_record
from app.schemas.pipelines import MUTATION
from app.status import fully_stopped
from app.storage import transaction
from app.storage.pipelines import PipelineStore
from app.timeutil import format_timestamp
from app.timeutil import now
from app.timeutil import uuid7
from app.validation import validate_description
from app.validation import validate_name
from app.validation import validate_tags

# crud.md §5.1: what counts as a core change, and which of those are program changes.
CORE_FIELDS = ("name", "runtime_config", "program_code", "udf_rust", "udf_toml", "program_config")
PROGRAM_FIELDS = ("program_code", "udf_rust", "udf_toml", "program_config")
EDITABLE_FIELDS = ("name", "description", "tags", *PROGRAM_FIELDS, "runtime_config")


@dataclass(frozen=True)
class WriteSettings:
    """The server settings that change how writes behave."""

    platform_version: str
    enterprise: bool = False
    # Runs first inside every write transaction (the simulator's catch-up), so checks see
    # transitions that fell due between the request's own catch-up and taking the lock.
    catch_up: Callable[[Any], None] | None = None


@contextlib.contextmanager
def write_transaction(store: PipelineStore, settings: WriteSettings) -> Iterator[None]:
    """Hold the write lock for one request, with the state brought up to date first."""
    with transaction(store.db):
        if settings.catch_up is not None:
            settings.catch_up(store.db)
        yield


def cannot_rename_missing() -> BadRequest:
    """PUT with a body name that differs from an unknown path name."""
    return BadRequest(
        "The pipeline name in the request body does not match the one provided in the URL "
        "path. This is not allowed when no pipeline with the name provided in the URL path "
        "exists.",
        {},
        "CannotRenameNonExistingPipeline",
    )


def update_restricted_to_stopped() -> BadRequest:
    """A core edit of a pipeline that is not fully stopped."""
    return BadRequest(
        "Pipeline can only be updated while stopped. Stop it first by invoking '/stop'.",
        {},
        "UpdateRestrictedToStopped",
    )


def edit_restricted_to_cleared_storage(not_allowed: list[str]) -> BadRequest:
    """Core edits that need cleared storage (crud.md §5.3)."""
    return BadRequest(
        "The following pipeline edits are not allowed while storage is not cleared: "
        + ", ".join(not_allowed),
        {"not_allowed": not_allowed},
        "EditRestrictedToClearedStorage",
    )


def config_error(field: str, code: str, value: Any, err: ConfigError) -> BadRequest:
    """InvalidRuntimeConfig / InvalidProgramConfig with the value as submitted."""
    return BadRequest(
        config_error_message(field, value, err),
        {"value": value, "error": {err.kind: err.text}},
        code,
    )


def runtime_config(value: Any, settings: WriteSettings) -> dict:
    """Normalize a submitted runtime_config or raise InvalidRuntimeConfig."""
    try:
        return normalize_runtime_config(value, enterprise=settings.enterprise)
    except ConfigError as err:
        raise config_error("runtime_config", "InvalidRuntimeConfig", value, err) from None


def program_config(value: Any) -> dict:
    """Normalize a submitted program_config or raise InvalidProgramConfig."""
    try:
        return normalize_program_config(value)
    except ConfigError as err:
        raise config_error("program_config", "InvalidProgramConfig", value, err) from None


def same(new: Any, stored: Any) -> bool:
    """Whether two JSON values are equal as serde_json values (1 ≠ 1.0 ≠ true, key order free)."""
    if isinstance(new, str) or isinstance(stored, str):
        return new == stored
    return json.dumps(new, sort_keys=True) == json.dumps(stored, sort_keys=True)


def existing(store: PipelineStore, name: str) -> dict:
    """Return the stored record or raise UnknownPipelineName."""
    record = store.get(name)
    if record is None:
        raise UnknownPipelineName(name)
    return record


def create(store: PipelineStore, body: dict, settings: WriteSettings) -> str:
    """Validate in POST's order, insert and return the pipeline's name (crud.md §3.3)."""
    validate_name(body["name"])
    validate_description(body["description"])
    validate_tags(body["tags"])
    record = fresh_record(
        pipeline_id=uuid7(),
        name=body["name"],
        now=format_timestamp(now()),
        platform_version=settings.platform_version,
        runtime_config=runtime_config(body["runtime_config"], settings),
        program_config=program_config(body["program_config"]),
        program_code=body["program_code"],
        udf_rust=body["udf_rust"] or "",
        udf_toml=body["udf_toml"] or "",
        description=body["description"],
        tags=list(body["tags"]),
    )
    store.insert(record, simulated=True)
    return record["name"]


def update(
    store: PipelineStore, current: dict, new: dict, settings: WriteSettings, *, put: bool
) -> str:
    """Apply crud.md §5 to `current` with the supplied normalized values; return the name."""
    changed = {key: value for key, value in new.items() if not same(value, current[key])}
    # §4.4: an unchanged (even legacy over-limit) value is not re-validated.
    if "description" in changed:
        validate_description(changed["description"])
    if "tags" in changed:
        validate_tags(changed["tags"])
    program_change = any(key in changed for key in PROGRAM_FIELDS) or (
        put and current["platform_version"] != settings.platform_version
    )
    core_change = program_change or any(key in changed for key in CORE_FIELDS)
    if core_change and not fully_stopped(current):
        raise update_restricted_to_stopped()
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
                raise edit_restricted_to_cleared_storage(not_allowed)
        # Exactly once per accepted request, however many fields changed.
        changes["version"] = current["version"] + 1
        changes["refresh_version"] = current["refresh_version"] + 1
    if program_change:
        changes.update(
            program_version=current["program_version"] + 1,
            program_status="Pending",
            program_status_since=format_timestamp(now()),
            program_error=dict(EMPTY_PROGRAM_ERROR),
            program_info=None,
            platform_version=settings.platform_version,
        )
    # A name taken meanwhile surfaces here as DuplicateName (the unique index decides).
    store.update(current["id"], changes)
    return new.get("name", current["name"])


def create_pipeline(store: PipelineStore, body: dict, settings: WriteSettings) -> str:
    """POST: create and return the mutation JSON; 409 DuplicateName if the name is taken."""
    with write_transaction(store, settings):
        return store.get_json(create(store, body, settings), MUTATION)


def put_pipeline(
    store: PipelineStore, path_name: str, body: dict, settings: WriteSettings
) -> tuple[str, bool]:
    """PUT: create or fully replace; return (mutation JSON, whether it was created)."""
    with write_transaction(store, settings):
        current = store.get(path_name)
        if current is None:
            if body["name"] != path_name:
                raise cannot_rename_missing()
            return store.get_json(create(store, body, settings), MUTATION), True
        validate_name(body["name"])
        new = {
            "name": body["name"],
            "description": body["description"],
            "tags": list(body["tags"]),
            "runtime_config": runtime_config(body["runtime_config"], settings),
            "program_code": body["program_code"],
            "udf_rust": body["udf_rust"] or "",
            "udf_toml": body["udf_toml"] or "",
            "program_config": program_config(body["program_config"]),
        }
        name = update(store, current, new, settings, put=True)
        return store.get_json(name, MUTATION), False


def patch_pipeline(
    store: PipelineStore, path_name: str, body: dict, settings: WriteSettings
) -> str:
    """PATCH: update the supplied (non-null) fields; return the mutation JSON."""
    new = {key: body[key] for key in EDITABLE_FIELDS if body.get(key) is not None}
    # §3.5: these checks come before the lookup, so a bad name on an unknown pipeline is 400.
    if "name" in new:
        validate_name(new["name"])
    if "runtime_config" in new:
        new["runtime_config"] = runtime_config(new["runtime_config"], settings)
    if "program_config" in new:
        new["program_config"] = program_config(new["program_config"])
    with write_transaction(store, settings):
        name = update(store, existing(store, path_name), new, settings, put=False)
        return store.get_json(name, MUTATION)


def delete_pipeline(store: PipelineStore, name: str, settings: WriteSettings) -> None:
    """DELETE: only a fully stopped pipeline with cleared storage (crud.md §3.6)."""
    with write_transaction(store, settings):
        current = existing(store, name)
        if not fully_stopped(current):
            raise BadRequest(
                "Cannot delete a pipeline which is not fully stopped. Stop the pipeline first "
                "fully by invoking the '/stop' endpoint.",
                {},
                "DeleteRestrictedToFullyStopped",
            )
        if current["storage_status"] != "Cleared":
            raise BadRequest(
                "Cannot delete pipeline unless its storage is cleared. Clear storage first "
                "using `/clear`.",
                {},
                "DeleteRestrictedToClearedStorage",
            )
        store.delete(current["id"])
