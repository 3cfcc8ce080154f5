"""The simulation's clock for every worker: freeze, advance by N seconds, resume.

The clock is the wall clock plus an offset kept in the store, or a frozen moment. Every
request reads it once (state.py) and the simulation's `timeutil.now()` uses it, so advancing
it walks pipelines through compilation, deployment and faults without waiting.
"""

import time

from app import timeutil
from app.admin import state
from app.pipelines.context import Context

ACTIONS = ("freeze", "advance", "resume")


def describe(current: state.AdminState) -> dict:
    """Return the clock as the admin API shows it."""
    return {
        "now": timeutil.format_timestamp(current.now()),
        "frozen": current.frozen_at_us is not None,
        "offset_seconds": current.clock_offset_us / 1_000_000,
    }


def show(ctx: Context) -> dict:
    """Return the clock as it is now."""
    return describe(state.read_state(ctx.store))


def move(ctx: Context, action: str, seconds: float = 0.0) -> dict:
    """Freeze, advance (by `seconds`, never backwards) or resume the clock; return it."""
    ctx.store.admin.move_clock(action, time.time_ns() // 1000, round(seconds * 1_000_000))
    return show(ctx)
