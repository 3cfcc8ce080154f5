"""The errors lifecycle actions answer with (lifecycle.md B.5 and E)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from app.errors import ApiError
from app.errors import BadRequest
from app.errors import NotImplementedFeature
from app.errors import ServiceUnavailable

RESTART_HINT = (
    "Cannot restart the pipeline while it is stopping. Wait for it to stop before starting a "
    "new instance of the pipeline."
)


class UnsupportedPipelineAction(ApiError):
    """405: upstream refuses an action it does not know or that the pipeline cannot do."""

    status = 405

    def __init__(self, action: str, reason: str):
        super().__init__(
            f"Unsupported pipeline action '{action}': {reason}",
            {"action": action, "reason": reason},
        )


def db_spelling(status: str) -> str:
    """Return a status as upstream's messages print it (`InUse` → `in_use`)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", status).lower()


def enterprise_feature(feature: str) -> NotImplementedFeature:
    """501 of the open-source edition."""
    return NotImplementedFeature(
        f"This feature ({feature}) is only available in the Enterprise edition of Feldera",
        {"feature": feature},
        "EnterpriseFeature",
    )


def invalid_bootstrap_config() -> BadRequest:
    """/start or /approve with both silent and concurrent bootstrap."""
    return BadRequest(
        "Invalid bootstrap configuration: `silent_bootstrap` and `concurrent_bootstrap` are "
        "mutually exclusive",
        {},
        "InvalidBootstrapConfig",
    )


def unknown_initial(initial: str) -> UnsupportedPipelineAction:
    """/start?initial= with a value other than running, paused or standby."""
    return UnsupportedPipelineAction(
        f"/start?initial={initial}", f"unknown initial runtime desired status: {initial}"
    )


def suspend_without_storage() -> UnsupportedPipelineAction:
    """/stop?force=false (suspend) of a pipeline without storage."""
    return UnsupportedPipelineAction(
        "suspend",
        "this pipeline does not support the suspend action for the following reason(s):\n"
        "    - Storage must be configured",
    )


def illegal_start(record: Mapping[str, Any]) -> BadRequest:
    """/start while a stop is still in progress."""
    status = record["deployment_resources_status"]
    desired = record["deployment_resources_desired_status"]
    return BadRequest(
        f"Deployment resources status (current: '{status}', desired: '{desired}') cannot have "
        f"desired changed to 'Provisioned'. {RESTART_HINT}",
        {
            "status": status,
            "current_desired_status": desired,
            "new_desired_status": "Provisioned",
            "hint": RESTART_HINT,
        },
        "IllegalPipelineAction",
    )


def undismissed_error() -> BadRequest:
    """/start?dismiss_error=false while a deployment error is present."""
    return BadRequest(
        "Cannot start the pipeline because it has a deployment error that has not been "
        "dismissed. Dismiss it first by invoking '/dismiss_error', or start with "
        "'dismiss_error=true'.",
        {},
        "CannotStartWithUndismissedError",
    )


def clearing_storage() -> BadRequest:
    """/start while the storage is being cleared."""
    return BadRequest(
        "Cannot start the pipeline while its storage is being cleared. Wait for the storage "
        "status to become 'cleared' first.",
        {},
        "CannotStartWhileClearingStorage",
    )


def compilation_error(program_status: str) -> BadRequest:
    """/start of a program that failed to compile."""
    return BadRequest(
        f"Cannot start the pipeline because its program failed to compile (program status: "
        f"{db_spelling(program_status)}). Edit the program so that it compiles, then start it.",
        {},
        "CannotStartWithCompilationError",
    )


def initial_immutable(current: str, new: str) -> BadRequest:
    """/start with another `initial` than the start in progress."""
    return BadRequest(
        f"The initial runtime desired status cannot be changed unless the pipeline is stopped "
        f"(current: '{db_spelling(current)}', new: '{db_spelling(new)}'). Stop it first by "
        "invoking '/stop'.",
        {"current": current, "new": new},
        "InitialImmutableUnlessStopped",
    )


def bootstrap_immutable(current: dict, new: dict) -> BadRequest:
    """/start with another bootstrap configuration than the start in progress."""
    return BadRequest(
        "The bootstrap policy cannot be changed unless the pipeline is stopped. Stop it first "
        "by invoking '/stop'.",
        {"current": current, "new": new},
        "BootstrapPolicyImmutableUnlessStopped",
    )


def standby_not_allowed() -> BadRequest:
    """/start?initial=standby without a file storage backend that syncs."""
    return BadRequest(
        "The pipeline can only start in standby when its storage backend is 'file' with "
        "'sync' configured (runtime_config.storage.backend.config.sync).",
        {},
        "InitialStandbyNotAllowed",
    )


def not_deployed(record: Mapping[str, Any]) -> ServiceUnavailable:
    """/pause, /resume, /activate or /approve while resources are not Provisioned."""
    status = record["deployment_resources_status"]
    return ServiceUnavailable(
        f"Unable to interact with pipeline because the deployment status "
        f"({db_spelling(status)}) indicates it is not (yet) fully provisioned "
        f'pipeline-id={record["id"]} pipeline-name="{record["name"]}"',
        {
            "pipeline_name": record["name"],
            "status": status,
            "desired_status": record["deployment_resources_desired_status"],
        },
        "PipelineInteractionNotDeployed",
    )


def unavailable(record: Mapping[str, Any]) -> ServiceUnavailable:
    """The same calls while the runtime status is Unavailable (never simulated, kept for parity)."""
    return ServiceUnavailable(
        f"Unable to interact with pipeline because it is unavailable "
        f'pipeline-id={record["id"]} pipeline-name="{record["name"]}"',
        {"pipeline_name": record["name"]},
        "PipelineUnavailable",
    )


def invalid_transition(action: str, current: str) -> BadRequest:
    """The process refuses pause/start/suspend/activate from Standby or Suspended."""
    return BadRequest(
        f"Cannot execute {action} transition starting from {current}", {}, "InvalidTransition"
    )


def invalid_activate_status(value: str) -> BadRequest:
    """/activate?initial= other than running or paused."""
    return BadRequest(
        f"Invalid initial status for activation: '{value}' (expected 'running' or 'paused')",
        {},
        "InvalidActivateStatus",
    )


def storage_immutable(record: Mapping[str, Any]) -> BadRequest:
    """/clear when the pipeline is not fully stopped."""
    resources = record["deployment_resources_status"]
    desired = record["deployment_resources_desired_status"]
    current = record["storage_status"]
    return BadRequest(
        f"Storage status cannot be changed from '{db_spelling(current)}' to 'clearing' unless "
        f"the pipeline is fully stopped (deployment resources status: "
        f"'{db_spelling(resources)}', desired: '{db_spelling(desired)}'). Stop it first by "
        "invoking '/stop' and wait for it to be stopped.",
        {
            "resources_status": resources,
            "resources_desired_status": desired,
            "current_status": current,
            "new_status": "Clearing",
        },
        "StorageStatusImmutableUnlessStopped",
    )


def dismiss_restricted() -> BadRequest:
    """/dismiss_error with an error present while not fully stopped."""
    return BadRequest(
        "The deployment error can only be dismissed when the pipeline is fully stopped. Stop "
        "it first by invoking '/stop' and wait for it to be stopped.",
        {},
        "DismissErrorRestrictedToFullyStopped",
    )
