"""The admin state a request runs with, read once per request in one statement.

The state (clock offset, frozen moment, journal size, number of fault rules and a version
that changes with each of them) is one row; a request reads it with the rule count in a
single statement and keeps it in `g`. The rules themselves are read only when there are
some, and each worker keeps the last rules it read keyed by the version: the cache can never
serve rules the store no longer holds.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime

from flask import current_app
from flask import g

from app import timeutil
from app.http.context import FIRST_LOOK
from app.storage import Store

PROBE = "pipeline-store.admin.probe"
RULES = "pipeline-store.admin.rules"


@dataclass(frozen=True)
class AdminState:
    """The shared admin state as one request saw it."""

    version: int
    clock_offset_us: int
    frozen_at_us: int | None
    journal_size: int
    rule_count: int
    # Whether a simulated transition was due when the state was read, and the change stamp.
    due: bool
    stamp: str

    @property
    def shifted(self) -> bool:
        """Whether the clock differs from the wall clock (frozen or moved)."""
        return self.frozen_at_us is not None or self.clock_offset_us != 0

    def now(self) -> datetime:
        """The simulation's current moment under this state."""
        if self.frozen_at_us is not None:
            return timeutil.from_epoch_micros(self.frozen_at_us)
        return datetime.now(UTC) + self.clock_offset_us * timeutil.MICROSECOND


def read_state(store: Store) -> AdminState:
    """Read the state (one statement)."""
    # Tests may run the app on a clock of their own (the CLOCK hook), which then wins.
    clock = current_app.config.get("CLOCK")
    fixed = None if clock is None else timeutil.epoch_micros(clock())
    return AdminState(*store.admin.probe(time.time_ns() // 1000, fixed))


def request_state(store: Store) -> AdminState:
    """Return this request's state, reading it on first use; install its clock.

    The read also gives the change stamp and whether a transition is due: the request's first
    probe (a poll's stamp, a catch-up) takes that answer instead of asking the store again
    (`FIRST_LOOK`, see app/http/context.py).
    """
    state = g.get(PROBE)
    if state is None:
        state = g.setdefault(PROBE, read_state(store))
        g.setdefault(FIRST_LOOK, (state.stamp, state.due))
        if state.shifted and current_app.config.get("CLOCK") is None:
            setattr(g, timeutil.REQUEST_CLOCK, state.now)
    return state


class RuleCache:
    """A worker's last fault rules read, keyed by the state's version; thread-safe."""

    def __init__(self):
        self.lock = threading.Lock()
        self.entry: tuple[int, list[dict]] | None = None

    def rules(self, store: Store, state: AdminState) -> list[dict]:
        """Return the rules of `state.version`, reading them when the version moved."""
        with self.lock:
            entry = self.entry
        if entry is not None and entry[0] == state.version:
            return entry[1]
        rules = store.admin.faults()
        with self.lock:
            self.entry = (state.version, rules)
        return rules


def rule_cache() -> RuleCache:
    """Return this app's (worker's) rule cache."""
    return current_app.extensions[RULES]


def init_app(app) -> None:
    """Give the app its rule cache."""
    app.extensions[RULES] = RuleCache()
