"""Lifecycle actions (start, stop, pause, …): the unit of work around the simulator's rules."""

import json
from collections.abc import Callable
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from app import errors
from app.pipelines import persistence
from app.pipelines.catch_up import settle_due
from app.pipelines.catch_up import write
from app.pipelines.context import Context
from app.simulator import actions

Action = Callable[[dict, datetime], actions.Reply]


def act(ctx: Context, name: str, action: Action) -> str:
    """Run one action on the current state, write its changes; return its JSON string body."""
    with write(ctx, name) as at:
        record = ctx.store.pipelines.get(name)
        if record is None:
            raise errors.UnknownPipelineName(pipeline_name=name)
        reply = action(record, at)
        changes = {**reply.changes, **actions.touch(record, at)}
        if changes:
            persistence.save(ctx.store, record, changes)
            # Plan the row now; with SIMULATION_SCALE=0 this also runs every follow-up step.
            settle_due(ctx, at)
    return json.dumps(reply.body)


def start(ctx: Context, name: str, query: Mapping[str, Any]) -> str:
    """POST /start: the query checks first (before the lookup), then the action."""
    actions.check_start_query(query)
    return act(ctx, name, lambda record, at: actions.start(record, query, at))


def stop(ctx: Context, name: str, force: bool) -> str:
    """POST /stop: `force=false` suspends, an enterprise feature (even for unknown names)."""
    if not force and not ctx.settings.enterprise:
        raise errors.EnterpriseFeature(feature="stop?force=false")
    return act(ctx, name, lambda record, at: actions.stop(record, force, at))


def pause(ctx: Context, name: str) -> str:
    """POST /pause, forwarded to the process."""
    return act(ctx, name, lambda record, at: actions.transition(record, "pause", "Paused", at))


def resume(ctx: Context, name: str) -> str:
    """POST /resume, forwarded to the process (its action is called `start`)."""
    return act(ctx, name, lambda record, at: actions.transition(record, "start", "Running", at))


def clear(ctx: Context, name: str) -> str:
    """POST /clear: storage Clearing, then Cleared."""
    return act(ctx, name, actions.clear)


def dismiss_error(ctx: Context, name: str) -> str:
    """POST /dismiss_error."""
    return act(ctx, name, lambda record, at: actions.dismiss_error(record))


def approve(ctx: Context, name: str, silent: bool, concurrent: bool) -> str:
    """POST /approve: both bootstrap options at once are refused before the lookup."""
    if silent and concurrent:
        raise errors.InvalidBootstrapConfig()
    return act(ctx, name, lambda record, at: actions.approve(record, concurrent, at))


def activate(ctx: Context, name: str, initial: str) -> str:
    """POST /activate (enterprise): leave Standby."""
    if not ctx.settings.enterprise:
        raise errors.EnterpriseFeature(feature="start from object store (S3)")
    return act(ctx, name, lambda record, at: actions.activate(record, initial, at))
