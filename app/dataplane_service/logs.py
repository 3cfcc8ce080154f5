"""`GET /logs`: replay the pipeline's kept log lines, then follow new ones for a while (§7).

The buffer lives as long as the pipeline (its id is the cursor's epoch); SDK 0.369's cursor
protocol (`cursor=<epoch>:<seq>`, `feldera-logs-*` headers) resumes after a given line.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass

from app.dataplane_service import gate
from app.dataplane_service import logbook
from app.pipelines.context import Context

POLL_SECONDS = 0.25
END_LINE = "Logs have ended"


@dataclass
class LogStream:
    """Where a stream starts (for the position headers); `lines(ctx)` replays and follows."""

    record: dict
    epoch: str
    seq: int
    gap: int
    warn: bool

    def lines(self, ctx: Context, alive: Callable[[], bool] = lambda: True) -> Iterator[str]:
        """The kept lines after `seq`, then new ones until the follow time runs out.

        `alive()` tells whether the client is still connected (checked while idle).
        """
        return _follow(ctx, self.record, self.seq, self.warn, alive)

    def headers(self) -> dict:
        """`feldera-logs-epoch`, `-seq` (the line before the first sent) and `-gap`."""
        return {
            "feldera-logs-epoch": self.epoch,
            "feldera-logs-seq": str(self.seq),
            "feldera-logs-gap": str(self.gap),
        }


def _start(epoch: str, first: int, cursor: str | None) -> tuple[int, int]:
    """Return (after, gap): the line to resume after and how many were lost meanwhile."""
    oldest = max(first - 1, 0)
    if cursor:
        cursor_epoch, _, seq = cursor.rpartition(":")
        if cursor_epoch == epoch and seq.isdigit():
            after = int(seq)
            return (after, 0) if after >= oldest else (oldest, oldest - after)
        return oldest, oldest  # an earlier buffer's cursor: from the start of this one
    return oldest, 0


def open_stream(ctx: Context, name: str, cursor: str | None) -> LogStream:
    """Look the pipeline up (404 if unknown) and prepare its replay-and-follow stream."""
    record = gate.pipeline(ctx, name)
    pid = record["id"]
    first, _ = ctx.store.logs.bounds(pid)
    after, gap = _start(pid, first, cursor)
    return LogStream(record, pid, after, gap, warn=not cursor and first > 1)


def _follow(
    ctx: Context, record: dict, after: int, warn: bool, alive: Callable[[], bool]
) -> Iterator[str]:
    pid = record["id"]
    if warn:
        yield logbook.discarded_line(record, after) + "\n"
    deadline = time.monotonic() + ctx.settings.data.follow_seconds
    while True:
        rows = ctx.store.logs.since(pid, after)
        if rows:
            after = rows[-1][0]
            yield "".join(line + "\n" for _, line in rows)
            continue
        if time.monotonic() >= deadline or not alive():
            return
        time.sleep(POLL_SECONDS)
        # Following also moves the simulation, so transitions show up as they fall due.
        if gate.pipeline_by_id(ctx, pid) is None:
            yield END_LINE + "\n"
            return
