"""The unit of work: bring the simulation up to date, then change pipelines under the write lock.

Compiling a program can take a while, so it never happens under the write lock. A catch-up
first computes the missing compile outcomes of the due rows (claiming each row briefly, so
concurrent workers do not compile the same program twice), stores them in short
transactions that check the program did not change meanwhile, and only then settles the due
transitions, in batches of short transactions.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime
from datetime import timedelta

from app import timeutil
from app.pipelines import persistence
from app.pipelines.context import Context
from app.simulator.compile import compile_record
from app.simulator.compile import has_outcome
from app.simulator.compile import with_outcome
from app.simulator.model import sim_state
from app.simulator.schedule import REPLAN
from app.simulator.settle import settle
from app.timeutil import epoch_micros

# Rows handled per write transaction: a burst of due rows must not keep other workers' writes
# waiting past their busy timeout.
BATCH_SIZE = 32
# A catch-up gives up after this many batches (each makes progress; this only bounds a bug).
MAX_ROUNDS = 256
# How long a worker's claim on compiling a row lasts before another worker may take it over
# (the compiler's own budget is far shorter; a killed worker's claim expires).
CLAIM = timedelta(seconds=30)


def settle_due(ctx: Context, now: datetime, limit: int = -1) -> tuple[int, int]:
    """Write every transition due by `now`, inside the caller's write transaction.

    Return how many rows moved (changed state) and how many made progress (moved, or got a
    new schedule).
    """
    store = ctx.store
    now_micros = epoch_micros(now)
    moved = progressed = 0
    for record in store.pipelines.get_many(store.schedule.due_ids(now_micros, limit)):
        if not record["simulated"]:
            store.schedule.set_schedule(record["id"], None)
            progressed += 1
            continue
        changes, next_at = settle(record, ctx.settings.simulation, now)
        next_micros = None if next_at is None else epoch_micros(next_at)
        if changes:
            persistence.save(store, record, {**changes, "next_transition_at": next_micros})
            moved += 1
        else:
            store.schedule.set_schedule(record["id"], next_micros)
        # A row waiting for its compile outcome stays due at `now`: no progress yet.
        progressed += bool(changes) or next_micros != now_micros
    return moved, progressed


def claim_compiles(ctx: Context, pipeline_ids: list[str], now: datetime) -> list[dict]:
    """Claim the due rows that lack a compile outcome; return the records this worker claimed."""
    until = epoch_micros(now + CLAIM)
    claimed = []
    with ctx.store.write():
        for record in ctx.store.pipelines.get_many(pipeline_ids):
            claim = sim_state(record).get("compile_claim")
            if not record["simulated"] or has_outcome(record) or (claim or 0) > epoch_micros(now):
                continue
            sim = {**sim_state(record), "compile_claim": until}
            # Off the schedule until the outcome is in (or the claim expires).
            persistence.save(ctx.store, record, {"simulation": sim, "next_transition_at": until})
            claimed.append(record)
    return claimed


def store_outcomes(ctx: Context, outcomes: dict[str, dict]) -> None:
    """Store computed outcomes whose program is still the one compiled; re-plan those rows."""
    with ctx.store.write():
        for record in ctx.store.pipelines.get_many(list(outcomes)):
            outcome = outcomes[record["id"]]
            if record["program_version"] != outcome["program_version"] or has_outcome(record):
                continue
            changes = with_outcome(record, outcome)
            changes["simulation"].pop("compile_claim", None)
            persistence.save(ctx.store, record, {**changes, "next_transition_at": REPLAN})


def prepare_outcomes(ctx: Context, pipeline_ids: list[str], now: datetime) -> int:
    """Compile, outside the write lock, the programs of due rows that need an outcome."""
    waiting = [
        record
        for record in ctx.store.pipelines.get_many(pipeline_ids)
        if record["simulated"] and not has_outcome(record)
    ]
    if not waiting:
        return 0
    claimed = claim_compiles(ctx, [record["id"] for record in waiting], now)
    config = ctx.settings.simulation
    outcomes = {record["id"]: compile_record(record, config) for record in claimed}
    if outcomes:
        store_outcomes(ctx, outcomes)
    return len(outcomes)


def catch_up(ctx: Context, now: datetime | None = None) -> int:
    """Bring every pipeline up to `now`; one indexed probe when nothing is due.

    Return how many rows moved.
    """
    now = timeutil.now() if now is None else now
    now_micros = epoch_micros(now)
    schedule = ctx.store.schedule
    if not schedule.anything_due(now_micros):
        return 0
    moved = 0
    for _ in range(MAX_ROUNDS):
        due = schedule.due_ids(now_micros, BATCH_SIZE)
        if not due:
            break
        prepared = prepare_outcomes(ctx, due, now)
        with ctx.store.write():
            # Another worker may have done the work meanwhile; due_ids() re-reads under the lock.
            batch_moved, progressed = settle_due(ctx, now, BATCH_SIZE)
        moved += batch_moved
        if not (prepared or progressed):
            break
    return moved


@contextlib.contextmanager
def write(ctx: Context) -> Iterator[datetime]:
    """Open the write transaction every pipeline change runs in; yield its moment.

    The simulation is caught up first (compiling outside the lock), then once more under the
    lock, so checks see every transition that fell due before the change. The clock is read
    under the lock, so stamps never go backwards across workers.
    """
    catch_up(ctx)
    with ctx.store.write():
        at = timeutil.now()
        settle_due(ctx, at)
        yield at
