"""The lifecycle simulator: each pipeline's state is a function of its stored row and the clock.

Nothing runs in the background. Every stored row carries `next_transition_at`, the moment its
next transition is due. Before a request reads or writes pipelines, `advance` materialises every
transition that is due, each stamped with its scheduled time, so all gunicorn workers (and a
restarted server) report the same state at the same moment.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlite_utils

from app.simulator.compile import compile_steps
from app.simulator.model import Changes
from app.simulator.model import SimConfig
from app.simulator.model import Step
from app.simulator.runner import runner_steps
from app.storage import transaction
from app.storage.lifecycle import LifecycleStore
from app.storage.pipelines import PipelineStore
from app.timeutil import epoch_micros

__all__ = ["SimConfig", "advance", "advance_locked", "next_step", "settle"]

# A row cannot need more steps than this in one go; more would mean a cycle (a bug).
MAX_STEPS = 64
# Rows handled per write transaction by advance().
BATCH_SIZE = 32


def next_step(record: Mapping[str, Any], config: SimConfig) -> Step | None:
    """Return the earliest step of the compiler or the runner (the compiler wins ties)."""
    steps = [*compile_steps(record, config), *runner_steps(record, config)]
    return min(steps, key=lambda step: step.at, default=None)


def settle(
    record: Mapping[str, Any], config: SimConfig, now: datetime
) -> tuple[Changes, Step | None]:
    """Apply, in order, every step due by `now`; return their merged changes and the next step."""
    current = dict(record)
    changes: Changes = {}
    for _ in range(MAX_STEPS):
        step = next_step(current, config)
        if step is None or step.at > now:
            return changes, step
        applied = step.apply(step.at)
        changes.update(applied)
        current.update(applied)
    raise RuntimeError(f"pipeline {record['name']!r} did not settle in {MAX_STEPS} steps")


def advance_locked(
    db: sqlite_utils.Database, now: datetime, config: SimConfig, limit: int = -1
) -> int:
    """Materialise due transitions inside the caller's write transaction; return rows moved.

    `limit` bounds how many rows one call handles (-1: all of them).
    """
    lifecycle = LifecycleStore(db)
    store = PipelineStore(db)
    moved = 0
    for pipeline_id in lifecycle.due_ids(epoch_micros(now), limit):
        record = store.get_by_id(pipeline_id)
        if not record["simulated"]:
            lifecycle.set_schedule(pipeline_id, None)
            continue
        changes, upcoming = settle(record, config, now)
        next_at = None if upcoming is None else epoch_micros(upcoming.at)
        if changes:
            store.update(pipeline_id, {**changes, "next_transition_at": next_at})
            moved += 1
        else:
            lifecycle.set_schedule(pipeline_id, next_at)
    return moved


def advance(db: sqlite_utils.Database, now: datetime, settings: Mapping[str, Any]) -> int:
    """Bring every pipeline up to `now`; costs one indexed probe when nothing is due."""
    lifecycle = LifecycleStore(db)
    now_micros = epoch_micros(now)
    config = None
    moved = 0
    while lifecycle.anything_due(now_micros):
        config = config or SimConfig.from_settings(settings)
        # Batches release the write lock now and then: a compile costs milliseconds, and a
        # burst of them must not keep other workers' writes waiting past their busy timeout.
        with transaction(db):
            # Another worker may have done the work meanwhile; due_ids() re-reads under the lock.
            moved += advance_locked(db, now, config, BATCH_SIZE)
    return moved
