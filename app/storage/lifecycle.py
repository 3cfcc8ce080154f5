"""SQL of the lifecycle simulator: the due-transition probe, due rows and the schedule column."""

import sqlite_utils

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
    """Return the simulator columns of a newly inserted row."""
    if not simulated:
        return {}
    return {"simulated_since": record["created_at"], "next_transition_at": REPLAN}


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


class LifecycleStore:
    """The simulator's queries on the pipelines table."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def anything_due(self, now_micros: int) -> bool:
        """Tell whether any row has a transition due; one probe of a partial index."""
        row = self.db.execute(
            "SELECT 1 FROM pipelines WHERE next_transition_at <= ? LIMIT 1", [now_micros]
        ).fetchone()
        return row is not None

    def due_ids(self, now_micros: int, limit: int = -1) -> list[str]:
        """Return the ids of the rows with a transition due, most overdue first."""
        rows = self.db.execute(
            "SELECT id FROM pipelines WHERE next_transition_at <= ? "
            "ORDER BY next_transition_at, id LIMIT ?",
            [now_micros, limit],
        )
        return [row[0] for row in rows]

    def set_schedule(self, pipeline_id: str, next_micros: int | None) -> None:
        """Store when the row is next due (None: nothing scheduled)."""
        self.db.execute(
            "UPDATE pipelines SET next_transition_at = ? WHERE id = ?", [next_micros, pipeline_id]
        )
