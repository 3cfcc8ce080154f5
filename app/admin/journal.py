"""The request journal: the last N requests of the Feldera API surface, in the store.

Off by default (size 0), because it costs a write per request; `PUT /__admin/journal` (or the
pytest plugin) turns it on. Entries are a ring of `size` rows. Never bodies or headers: method,
path, query, status, duration and who called (credential kind and role, not the credential).
"""

import time

from flask import g
from flask import request

from app import timeutil
from app.pipelines.context import Context

MAX_SIZE = 100_000


def caller() -> str:
    """Name the caller by how it proved itself and its role (`apikey:write`), never a secret."""
    principal = g.get("principal")
    return "anonymous" if principal is None else f"{principal.kind}:{principal.role}"


def record(ctx: Context, size: int, status: int, started: float | None) -> None:
    """Record the current request (`started`: its perf_counter() at the start, if known)."""
    elapsed = 0.0 if started is None else time.perf_counter() - started
    ctx.store.admin.record_request(
        size,
        {
            "at_us": time.time_ns() // 1000,  # wall time: when the client sent it
            "method": request.method,
            "path": request.path,
            "query": request.query_string.decode("latin-1"),
            "status": status,
            "duration_us": int(elapsed * 1_000_000),
            "caller": caller(),
        },
    )


def describe(entry: dict) -> dict:
    """Return a stored entry as the admin API shows it."""
    return {
        "seq": entry["seq"],
        "at": timeutil.format_timestamp(timeutil.from_epoch_micros(entry["at_us"])),
        "method": entry["method"],
        "path": entry["path"],
        "query": entry["query"],
        "status": entry["status"],
        "duration_ms": entry["duration_us"] / 1000,
        "caller": entry["caller"],
    }


def entries(ctx: Context, method: str | None, path: str | None, limit: int) -> list[dict]:
    """Return recorded requests, newest first, by method and path pattern (GLOB)."""
    return [describe(e) for e in ctx.store.admin.journal(method, path, limit)]


def configure(ctx: Context, size: int) -> dict:
    """Keep the last `size` requests (0 turns the journal off); clears it."""
    ctx.store.admin.set_journal_size(size)
    return {"size": size}


def clear(ctx: Context) -> None:
    """Forget every recorded request."""
    ctx.store.admin.clear_journal()
