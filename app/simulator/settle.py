"""Apply a pipeline's due transitions: the pure core of the simulation's catch-up."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from app.simulator.compile import OutcomeMissing
from app.simulator.compile import compile_steps
from app.simulator.model import DATA_EFFECTS
from app.simulator.model import STATUS_TRAIL
from app.simulator.model import TRAIL_FIELDS
from app.simulator.model import Changes
from app.simulator.model import SimConfig
from app.simulator.model import Step
from app.simulator.runner import runner_steps

# A row cannot need more steps than this in one go; more would mean a cycle (a bug).
MAX_STEPS = 64


def next_step(record: Mapping[str, Any], config: SimConfig) -> Step | None:
    """Return the earliest step of the compiler or the runner (the compiler wins ties)."""
    steps = [*compile_steps(record, config), *runner_steps(record, config)]
    return min(steps, key=lambda step: step.at, default=None)


def settle(
    record: Mapping[str, Any], config: SimConfig, now: datetime
) -> tuple[Changes, datetime | None, bool]:
    """Apply, in order, every step due by `now`.

    Return their merged changes, when the row is next due (None: never), and whether it waits
    for a compile outcome not stored yet: the walk stops at the step that needs it, and the row
    stays due at `now` until the catch-up has compiled the program (outside the lock).
    """
    current = dict(record)
    changes: Changes = {}
    trail: list[dict] = []
    for _ in range(MAX_STEPS):
        try:
            step = next_step(current, config)
            if step is None or step.at > now:
                if len(trail) > 1:
                    changes[STATUS_TRAIL] = trail
                return changes, None if step is None else step.at, False
            applied = step.apply(step.at)
        except OutcomeMissing:
            if len(trail) > 1:
                changes[STATUS_TRAIL] = trail
            return changes, now, True
        effects = [*changes.get(DATA_EFFECTS, ()), *applied.pop(DATA_EFFECTS, ())]
        changes.update(applied)
        current.update(applied)
        if effects:
            # Several steps may affect the data (a stop, then a start): keep them all.
            changes[DATA_EFFECTS] = effects
        trail.append({field: current.get(field) for field in TRAIL_FIELDS})
    raise RuntimeError(f"pipeline {record['name']!r} did not settle in {MAX_STEPS} steps")
