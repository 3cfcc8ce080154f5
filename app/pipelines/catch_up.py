"""The unit of work: bring the simulation up to date, then change pipelines under the write lock.

Compiling a program can take a while, so it never happens under the write lock. A catch-up
settles the due transitions in batches of short transactions; a row whose next step needs a
compile outcome not stored yet waits. The request then claims one waiting row (so no other
worker compiles the same program), compiles it outside the lock and stores the outcome in a
short transaction that checks the program did not change meanwhile. One request compiles at
most one program; other waiting rows are left to the requests that follow.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta

from app import timeutil
from app.pipelines import persistence
from app.pipelines import transition_log
from app.pipelines.context import Context
from app.simulator.compile import compile_record
from app.simulator.compile import has_outcome
from app.simulator.compile import with_outcome
from app.simulator.model import sim_state
from app.simulator.schedule import REPLAN
from app.simulator.settle import settle
from app.timeutil import epoch_micros

log = logging.getLogger(__name__)

# Rows handled per write transaction: a burst of due rows must not keep other workers' writes
# waiting past their busy timeout.
BATCH_SIZE = 32
# A catch-up gives up after this many batches (each makes progress; this only bounds a bug).
MAX_ROUNDS = 256
# A compile claim outlives the compiler's budget by this much; a killed worker's claim expires.
CLAIM_MARGIN = timedelta(seconds=10)
UNBOUNDED_COMPILE = timedelta(seconds=60)


@dataclass
class Settled:
    """What one batch of due rows came to."""

    moved: set[str] = field(default_factory=set)  # ids of rows whose state changed
    progressed: int = 0  # rows that changed or got a new schedule
    waiting: list[str] = field(default_factory=list)  # ids waiting for a compile outcome


def settle_due(ctx: Context, now: datetime, limit: int = -1, only: str | None = None) -> Settled:
    """Write every transition due by `now` (of the row `only`, if given), in the caller's lock."""
    store = ctx.store
    result = Settled()
    due = store.schedule.due_ids(epoch_micros(now), limit)
    for record in store.pipelines.get_many([i for i in due if only in (None, i)]):
        if not record["simulated"]:
            store.schedule.set_schedule(record["id"], None)
            result.progressed += 1
            continue
        try:
            changes, next_at, waiting = settle(record, ctx.settings.simulation, now)
        except Exception:
            # A simulator bug must cost one pipeline its progress, never every request.
            log.exception("pipeline %r cannot be simulated; it stays as it is", record["name"])
            store.schedule.set_schedule(record["id"], None)
            result.progressed += 1
            continue
        next_micros = None if next_at is None else epoch_micros(next_at)
        if changes:
            saved = persistence.save(store, record, {**changes, "next_transition_at": next_micros})
            ctx.pending_events.extend(transition_log.transitions(record, saved))
            result.moved.add(record["id"])
        else:
            store.schedule.set_schedule(record["id"], next_micros)
        if waiting:
            result.waiting.append(record["id"])
        result.progressed += bool(changes) or not waiting
    return result


def claim_duration(ctx: Context) -> timedelta:
    """How long a claim on compiling one program lasts."""
    budget = ctx.settings.simulation.compile_budget_seconds
    return (UNBOUNDED_COMPILE if budget is None else timedelta(seconds=budget)) + CLAIM_MARGIN


def live_claim(record: dict, now_micros: int) -> bool:
    """Whether another worker is compiling the record's current program right now."""
    claim = sim_state(record).get("compile_claim") or {}
    return claim.get("program_version") == record["program_version"] and (
        claim.get("until", 0) > now_micros
    )


def claim_one(ctx: Context, pipeline_ids: list[str], now: datetime) -> dict | None:
    """Claim the first row among `pipeline_ids` that needs a compile nobody is running."""
    now_micros = epoch_micros(now)
    until = epoch_micros(now + claim_duration(ctx))
    with ctx.store.write():
        for record in ctx.store.pipelines.get_many(pipeline_ids):
            if not record["simulated"] or has_outcome(record) or live_claim(record, now_micros):
                continue
            claim = {"program_version": record["program_version"], "until": until}
            sim = {**sim_state(record), "compile_claim": claim}
            # Off the schedule until the outcome is in (or the claim expires).
            persistence.save(ctx.store, record, {"simulation": sim, "next_transition_at": until})
            return record
    return None


def store_outcome(ctx: Context, pipeline_id: str, outcome: dict) -> None:
    """Store an outcome if its program is still the row's; re-plan the row either way."""
    with ctx.store.write():
        (record,) = ctx.store.pipelines.get_many([pipeline_id]) or (None,)
        if record is None:
            return  # deleted meanwhile
        sim = sim_state(record)
        sim.pop("compile_claim", None)
        current = record["program_version"] == outcome["program_version"]
        if current and not has_outcome(record):
            sim = with_outcome(record, outcome)["simulation"]
            sim.pop("compile_claim", None)
        persistence.save(ctx.store, record, {"simulation": sim, "next_transition_at": REPLAN})


def compile_one(ctx: Context, pipeline_ids: list[str], now: datetime) -> bool:
    """Compile, outside the write lock, one program that rows are waiting for."""
    record = claim_one(ctx, pipeline_ids, now)
    if record is None:
        return False
    store_outcome(ctx, record["id"], compile_record(record, ctx.settings.simulation))
    return True


def catch_up(
    ctx: Context, now: datetime | None = None, compile: bool = True, only: str | None = None
) -> int:
    """Bring every pipeline (or the row `only`) up to `now`; one probe when nothing is due.

    With `compile`, the request may compile one program a row waits for. Return how many rows
    moved.
    """
    # The request's first catch-up may know the answer already (one look per request).
    looked = first_look(ctx) if now is None else None
    now = timeutil.now() if now is None else now
    schedule = ctx.store.schedule
    if looked is not None and not looked[1]:
        return 0
    if looked is None and not schedule.anything_due(epoch_micros(now)):
        return 0
    moved: set[str] = set()
    compiled = not compile
    for _ in range(MAX_ROUNDS):
        with settling(ctx):
            # Another worker may have done the work meanwhile; due_ids() re-reads under the lock.
            batch = settle_due(ctx, now, BATCH_SIZE, only)
        moved |= batch.moved
        if batch.waiting and not compiled:
            compiled = compile_one(ctx, batch.waiting, now)
            if compiled:
                continue
        if not batch.progressed:
            break
    return len(moved)


def first_look(ctx: Context) -> tuple[str, bool] | None:
    """Take the request's first look (change stamp, whether a transition was due), if unused.

    The request hooks read both with the admin state, in one statement, before the view; the
    first probe of the request uses that answer instead of reading again (see app/admin).
    """
    return ctx.first_look.pop() if ctx.first_look else None


def settled_stamp(ctx: Context) -> str | None:
    """Return the store's change stamp if no transition is due now (one read), else None."""
    looked = first_look(ctx)
    stamp, due = looked or ctx.store.pipelines.stamp_and_due(epoch_micros(timeutil.now()))
    return None if due else stamp


@contextlib.contextmanager
def read(ctx: Context) -> Iterator[None]:
    """Open a consistent read of the store with every transition due by now written.

    When nothing is due (the common case) the probe runs inside the snapshot itself, so a
    read takes one snapshot; otherwise the simulation catches up first.
    """
    now_micros = epoch_micros(timeutil.now())
    with ctx.store.read():
        if not ctx.store.schedule.anything_due(now_micros):
            yield
            return
    catch_up(ctx)
    with ctx.store.read():
        yield


@contextlib.contextmanager
def write(ctx: Context, name: str | None = None) -> Iterator[datetime]:
    """Open the write transaction every pipeline change runs in; yield its moment.

    The simulation is caught up first, then once more under the lock, so checks see every
    transition that fell due before the change. Only the pipeline being changed (`name`) gets
    its pending compile run here: a writer never pays for another pipeline's compile. The clock
    is read under the lock, so stamps never go backwards across workers.
    """
    catch_up(ctx, compile=False)
    record = None if name is None else ctx.store.pipelines.get(name)
    if record is not None:
        catch_up(ctx, only=record["id"])
    with settling(ctx):
        at = timeutil.now()
        settle_due(ctx, at)
        yield at


@contextlib.contextmanager
def settling(ctx: Context) -> Iterator[None]:
    """The store's write transaction; the simulation events it wrote are logged once committed.

    A rolled-back transaction settled nothing (the next one settles the same rows again), so
    its events are dropped rather than logged twice.
    """
    try:
        with ctx.store.write():
            yield
    except BaseException:
        ctx.pending_events.clear()
        raise
    transition_log.write(ctx.pending_events)
