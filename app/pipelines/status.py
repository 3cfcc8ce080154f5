"""Combined deployment status, derived from the stored resources/runtime statuses (crud.md §2.4)."""

from app.timeutil import parse_timestamp

# Fields whose values determine the four derived ones.
DERIVATION_INPUTS = frozenset(
    {
        "deployment_resources_status",
        "deployment_resources_status_since",
        "deployment_resources_desired_status",
        "deployment_resources_desired_status_since",
        "deployment_runtime_status",
        "deployment_runtime_status_since",
        "deployment_runtime_desired_status",
        "deployment_runtime_desired_status_since",
        "deployment_initial",
    }
)


def later(first: str, second: str | None) -> str:
    """Return the later of two timestamps, ignoring a missing second one."""
    if second is None or parse_timestamp(first) >= parse_timestamp(second):
        return first
    return second


def derive_deployment_fields(record: dict) -> dict:
    """Return deployment_status, deployment_desired_status and their `_since` for a record."""
    resources = record["deployment_resources_status"]
    if resources == "Provisioned":
        status = record["deployment_runtime_status"] or "Unavailable"
    else:
        status = resources
    if record["deployment_resources_desired_status"] == "Stopped":
        desired = "Stopped"
    else:
        desired = (
            record["deployment_runtime_desired_status"]
            or record["deployment_initial"]
            or "Unavailable"
        )
    return {
        "deployment_status": status,
        "deployment_status_since": later(
            record["deployment_resources_status_since"],
            record["deployment_runtime_status_since"],
        ),
        "deployment_desired_status": desired,
        "deployment_desired_status_since": later(
            record["deployment_resources_desired_status_since"],
            record["deployment_runtime_desired_status_since"],
        ),
    }


def fully_stopped(record) -> bool:
    """Whether the resources status and its desired status are both Stopped."""
    return (
        record["deployment_resources_status"] == "Stopped"
        and record["deployment_resources_desired_status"] == "Stopped"
    )
