"""Which writes re-plan a pipeline's next simulated transition, and when the simulation owns it."""

from app.timeutil import format_timestamp
from app.timeutil import now

# Stored fields the simulator's schedule depends on: a write to any of them re-plans the row.
SCHEDULE_INPUTS = frozenset(
    {
        "program_version",
        "program_status",
        "storage_status",
        "deployment_resources_status",
        "deployment_resources_desired_status",
        "deployment_runtime_status",
        "deployment_runtime_desired_status",
        "deployment_initial",
        "simulation",
    }
)

# `next_transition_at` value meaning "plan this row on the next request".
REPLAN = 0


def insert_columns(record: dict, simulated: bool) -> dict:
    """Return the simulator columns of a newly inserted row.

    `simulated` is False only for imported fixtures, which the simulation never moves until a
    client acts on them (spec decision 7).
    """
    columns = {"simulated": int(simulated)}
    if simulated:
        columns.update(simulated_since=record["created_at"], next_transition_at=REPLAN)
    return columns


def schedule_changes(current: dict, changes: dict) -> dict:
    """Return the simulator columns to add to an update of `current` with `changes`.

    A write that hands a row to the simulation (`simulated` 0 → 1) stamps when it did, so
    transitions of an imported fixture are scheduled from that moment and not from the
    fixture's old timestamps (spec decision 7). Any write that can change what is due marks
    the row for planning, unless the writer (the simulator) planned it already.
    """
    extra = {}
    flips = bool(changes.get("simulated")) and not current.get("simulated")
    if flips and "simulated_since" not in changes:
        extra["simulated_since"] = format_timestamp(now())
    simulated = current.get("simulated") or changes.get("simulated")
    touched = flips or not SCHEDULE_INPUTS.isdisjoint(changes)
    if simulated and touched and "next_transition_at" not in changes:
        extra["next_transition_at"] = REPLAN
    return extra
