"""An open change stream, one poll at a time: deltas by version, keep-alives, the end.

`poll` never waits: it reads what changed since the stream's cursor and returns the chunk
lines to send. The HTTP layer calls it every `POLL_SECONDS`, so the stream costs a thread only
while a poll runs (see `app.http.followers`). Every worker reads the same deltas from the
store, so a stream sees each change once and in order wherever it runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field

from app import timeutil
from app.dataplane.egress import chunk_line
from app.dataplane_service import connectors
from app.dataplane_service import deltas
from app.dataplane_service import gate
from app.dataplane_service import streams
from app.pipelines.context import Context

POLL_SECONDS = 0.25
# Upstream sends an empty chunk after this long without output (spec §5.2).
KEEPALIVE_SECONDS = 3.0


@dataclass
class Follower:
    """The state of one open stream between polls."""

    reg: streams.Registration
    seq: int = 0
    steps_sent: int = -1
    last_sent: float = field(default_factory=time.monotonic)
    last_data: float = field(default_factory=time.monotonic)
    done: bool = False

    def first_lines(self) -> str:
        """What goes out at once: the snapshot, else a keep-alive (the SDK waits for a line)."""
        lines = self.reg.snapshot or [chunk_line(0)]
        self.seq = len(lines)
        return "".join(lines)

    def poll(self, ctx: Context, alive: Callable[[], bool]) -> str:
        """Return the lines due now ("" for none); set `done` when the stream must end."""
        reg = self.reg
        record = gate.pipeline_by_id(ctx, reg.pipeline_id) if alive() else None
        if record is None or record["deployment_resources_status"] != "Provisioned":
            return self._end(ctx)
        connectors.advance(ctx, record)
        head = ctx.store.data.head(reg.pipeline_id)
        if head is None or head[0] != reg.incarnation:
            return self._end(ctx)
        now = time.monotonic()
        keepalive_due = now - self.last_sent >= KEEPALIVE_SECONDS
        lines: list[str] = []
        if head[1] > reg.version or keepalive_due:
            with ctx.store.read():
                state = ctx.store.data.state(reg.pipeline_id)
                if state is None or state["incarnation_uuid"] != reg.incarnation:
                    return self._end(ctx)
                version, steps = state["version"], state["stats"]["steps"]
                found = deltas.read(ctx, reg.pipeline_id, [reg.relation.name], reg.version, version)
            for _, _, delta in found:
                chunk = streams.render(delta, reg.relation, reg.format, self.seq, False)
                self.seq += len(chunk)
                lines.extend(chunk)
            reg.version = version
            if lines:
                self.last_data = now
            if steps != self.steps_sent or keepalive_due:
                # One empty chunk marks every step up to `steps` as delivered.
                lines.append(chunk_line(self.seq, processed_steps=steps))
                self.seq += 1
                self.steps_sent = steps
        if now - self.last_data >= ctx.settings.data.egress_idle_seconds:
            return "".join(lines) + self._end(ctx)
        self._renew(ctx)
        if lines:
            self.last_sent = now
        return "".join(lines)

    def _renew(self, ctx: Context) -> None:
        reg = self.reg
        remaining = reg.until_micros - timeutil.epoch_micros(timeutil.now())
        if remaining < streams.lease_micros(ctx) // 2:
            until = streams.renew(ctx, reg.pipeline_id, reg.endpoint)
            if until is None:
                self.done = True
            else:
                reg.until_micros = until

    def _end(self, ctx: Context) -> str:
        self.done = True
        self.close(ctx)
        return ""

    def close(self, ctx: Context) -> None:
        """Drop the registration (once)."""
        if self.reg.endpoint:
            endpoint, self.reg.endpoint = self.reg.endpoint, ""
            streams.unregister(ctx, self.reg.pipeline_id, endpoint)
