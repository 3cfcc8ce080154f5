"""`/time_series` and `/time_series_stream`: one sample per second of the last minute (§6.5)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from typing import Any

from app import timeutil
from app.dataplane_service.counters import HISTORY_SECONDS
from app.dataplane_service.stats import BASE_RSS
from app.dataplane_service.stats import BYTES_PER_ROW
from app.dataplane_service.stats import running_state
from app.pipelines.context import Context


def _processed_at(history: list, millis: int) -> int:
    """Records processed by `millis`: the last history entry at or before it."""
    value = history[0][1] if history else 0
    for at, records in history:
        if at > millis:
            break
        value = records
    return value


def samples(state: Mapping[str, Any], now_millis: int) -> list[dict]:
    """Samples at whole seconds since the process started, the last HISTORY_SECONDS of them."""
    start = state["start_micros"] // 1000
    if now_millis < start:
        return []
    count = (now_millis - start) // 1000 + 1
    first = max(0, count - HISTORY_SECONDS)
    memory = BASE_RSS + BYTES_PER_ROW * state["rows"]
    history = state["stats"]["history"]
    return [
        {"t": t, "r": _processed_at(history, t), "m": memory, "s": 0}
        for t in (start + k * 1000 for k in range(first, count))
    ]


def time_series(ctx: Context, name: str) -> dict:
    """GET /time_series."""
    _, state = running_state(ctx, name)
    now = timeutil.epoch_micros(timeutil.now()) // 1000
    return {"now": now, "samples": samples(state, now)}


def first_lines(ctx: Context, name: str) -> tuple[str, int]:
    """GET /time_series_stream's start: the samples so far (NDJSON) and the last one's time."""
    _, state = running_state(ctx, name)
    now = timeutil.epoch_micros(timeutil.now()) // 1000
    sent = samples(state, now)
    return "".join(json.dumps(sample) + "\n" for sample in sent), sent[-1]["t"] if sent else now


def follow(
    ctx: Context, name: str, last: int, alive: Callable[[], bool] = lambda: True
) -> Iterator[str]:
    """Then one sample per second, until the follow time runs out, the pipeline stops or the
    client leaves."""
    deadline = time.monotonic() + ctx.settings.data.follow_seconds
    while time.monotonic() < deadline and alive():
        time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
        try:
            _, state = running_state(ctx, name)
        except Exception:  # the pipeline stopped or vanished: the stream ends
            return
        now = timeutil.epoch_micros(timeutil.now()) // 1000
        fresh = [s for s in samples(state, now) if s["t"] > last]
        if fresh:
            last = fresh[-1]["t"]
            yield "".join(json.dumps(sample) + "\n" for sample in fresh)
