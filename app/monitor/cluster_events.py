"""Cluster monitor events: health rounds of the API, compiler and runner (spec §6.2).

Upstream's monitor polls every 10 s and stores an event on its first round, when health
flips, and every 10 minutes while healthy. pipeline-store has no background thread: a read of
the events runs the round that is due (the simulated compiler and runner live in the database,
so all three are healthy exactly when the database is).
"""

from __future__ import annotations

import contextlib

from app import errors
from app import timeutil
from app.monitor.pipeline_events import parse_id
from app.pipelines.catch_up import write
from app.pipelines.context import Context
from app.storage import StorageError

KEEP = 1000
# A healthy cluster records a round this often (upstream: every 60th round of 10 s).
HEARTBEAT_MICROS = 600 * 1_000_000
SERVICES = ("api", "compiler", "runner")
RESOURCES_TEXT = "Resources information not available in Community edition."
SHORT = ("id", "recorded_at", "all_healthy", "api_status", "compiler_status", "runner_status")


def _body(event_id: str, at, problem: str | None) -> dict:
    healthy = problem is None
    body = {"id": event_id, "recorded_at": timeutil.format_timestamp(at), "all_healthy": healthy}
    for service in SERVICES:
        body[f"{service}_status"] = "Healthy" if healthy else "Unhealthy"
        body[f"{service}_self_info"] = (
            f"Healthy: The {service} service responded successfully to the last health check."
            if healthy
            else f"Unhealthy: {problem}"
        )
        body[f"{service}_resources_info"] = RESOURCES_TEXT
    return body


def observe(ctx: Context, problem: str | None) -> None:
    """Record a round when none exists, health flipped, or the heartbeat is due."""
    latest = ctx.store.events.cluster_events(1)
    now = timeutil.epoch_micros(timeutil.now())
    if latest and latest[0]["all_healthy"] == (problem is None):
        recorded = timeutil.epoch_micros(timeutil.parse_timestamp(latest[0]["recorded_at"]))
        if now - recorded < HEARTBEAT_MICROS:
            return
    # A database in trouble may not take the write: that round goes unrecorded.
    with contextlib.suppress(StorageError), write(ctx) as at:
        latest = ctx.store.events.cluster_events(1)
        if latest and latest[0]["all_healthy"] == (problem is None):
            recorded = timeutil.epoch_micros(timeutil.parse_timestamp(latest[0]["recorded_at"]))
            if timeutil.epoch_micros(at) - recorded < HEARTBEAT_MICROS:
                return
        event_id = timeutil.uuid7(at)
        body = _body(event_id, at, problem)
        ctx.store.events.add_cluster_event(event_id, timeutil.epoch_micros(at), body, KEEP)


def render(event: dict, selector: str) -> dict:
    """An event in upstream's key order; `status` keeps the short form."""
    if selector == "all":
        return event
    return {key: event[key] for key in SHORT}


def events(ctx: Context) -> list[dict]:
    """Every kept event, newest first, in the short form (the list ignores `selector`)."""
    return [render(e, "status") for e in ctx.store.events.cluster_events()]


def event(ctx: Context, event_id: str, selector: str) -> dict:
    """One event by id or `latest`."""
    if event_id == "latest":
        found = ctx.store.events.cluster_events(1)
        if not found:
            raise errors.NoClusterMonitorEventsAvailable()
        return render(found[0], selector)
    canonical = parse_id(event_id)
    found_one = ctx.store.events.cluster_event(canonical)
    if found_one is None:
        raise errors.UnknownClusterMonitorEvent(event_id=canonical)
    return render(found_one, selector)
