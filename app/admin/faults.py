"""Fault rules: answer matching requests with an error, a delay or a dropped connection.

A rule matches a method (or any) and a path pattern (`fnmatch`: `*` also crosses `/`). It
fires with its probability, at most `count` times (counted in the store, so across every
worker), and only until it expires. The first rule in creation order that fires decides.
"""

from __future__ import annotations

import fnmatch
import random
import socket
import struct
import time

from app import errors
from app import timeutil
from app.admin.state import AdminState
from app.admin.state import RuleCache
from app.pipelines.context import Context
from app.storage import Store

# Upstream's manager sends `Retry-After: 5` with every 503 (platform.md §D1).
DEFAULT_RETRY_AFTER = {503: 5}


def wall_us() -> int:
    """The wall clock in epoch microseconds (rules expire in real time, whatever the clock)."""
    return time.time_ns() // 1000


def new_rule(ctx: Context, body: dict) -> dict:
    """Store a rule from a validated request body; return it as listed."""
    duration = body.get("duration_seconds")
    wall = wall_us()
    status = body.get("status")
    rule = {
        "method": (body.get("method") or "*").upper(),
        "path": body["path"],
        "status": status,
        "error_code": body.get("error_code"),
        "message": body.get("message"),
        "details": body.get("details"),
        "retry_after": body.get("retry_after", DEFAULT_RETRY_AFTER.get(status)),
        "latency_ms": body.get("latency_ms") or 0,
        "drop_connection": int(bool(body.get("drop_connection"))),
        "probability": body.get("probability", 1.0),
        "remaining": body.get("count"),
        "expires_at_us": None if duration is None else wall + int(duration * 1_000_000),
        "created_at_us": wall,
    }
    return describe(ctx.store.admin.add_fault(rule))


def describe(rule: dict) -> dict:
    """Return a stored rule as the admin API shows it."""
    expires = rule["expires_at_us"]
    return {
        "id": rule["id"],
        "method": rule["method"],
        "path": rule["path"],
        "status": rule["status"],
        "error_code": rule["error_code"],
        "message": rule["message"],
        "details": rule["details"],
        "retry_after": rule["retry_after"],
        "latency_ms": rule["latency_ms"],
        "drop_connection": rule["drop_connection"],
        "probability": rule["probability"],
        "remaining": rule["remaining"],
        "hits": rule["hits"],
        "expires_at": (
            None
            if expires is None
            else timeutil.format_timestamp(timeutil.from_epoch_micros(expires))
        ),
    }


def list_rules(ctx: Context) -> list[dict]:
    """Return every rule, spent and expired ones included, in creation order."""
    return [describe(rule) for rule in ctx.store.admin.faults()]


def get_rule(ctx: Context, fault_id: int) -> dict:
    """Return one rule; raise UnknownFaultRule."""
    for rule in ctx.store.admin.faults():
        if rule["id"] == fault_id:
            return describe(rule)
    raise errors.UnknownFaultRule(fault_id=fault_id)


def delete_rule(ctx: Context, fault_id: int) -> None:
    """Delete one rule; raise UnknownFaultRule."""
    if not ctx.store.admin.delete_faults(fault_id):
        raise errors.UnknownFaultRule(fault_id=fault_id)


def delete_all(ctx: Context) -> int:
    """Delete every rule; return how many there were."""
    return ctx.store.admin.delete_faults(None)


def matches(rule: dict, method: str, path: str, wall_us: int) -> bool:
    """Whether a live rule applies to the request (its hits left are checked when it fires)."""
    if rule["remaining"] is not None and rule["remaining"] <= 0:
        return False
    if rule["expires_at_us"] is not None and rule["expires_at_us"] <= wall_us:
        return False
    if rule["method"] not in ("*", method):
        return False
    return fnmatch.fnmatchcase(path, rule["path"])


def firing_rule(store: Store, state: AdminState, cache: RuleCache, method: str, path: str):
    """Return the first rule that fires for this request (its hit counted), or None."""
    now_us = wall_us()
    for rule in cache.rules(store, state):
        if not matches(rule, method, path, now_us):
            continue
        if rule["probability"] < 1.0 and random.random() >= rule["probability"]:
            continue
        # Another worker may have used the last hit meanwhile: the store decides.
        if store.admin.consume_fault(rule["id"]):
            return rule
    return None


def apply(rule: dict, environ: dict) -> None:
    """Act out a rule: wait, then drop the connection or raise its error (or do neither)."""
    if rule["latency_ms"]:
        time.sleep(rule["latency_ms"] / 1000)
    if rule["drop_connection"]:
        drop(environ)
        # Without a socket to drop (the test client), answer as a proxy would.
        raise errors.InjectedFault(502, None, "Injected fault: connection dropped", None, None)
    if rule["status"] is not None:
        raise errors.InjectedFault(
            rule["status"],
            rule["error_code"],
            rule["message"],
            rule["details"],
            rule["retry_after"],
        )


def drop(environ: dict) -> None:
    """Reset the client's connection under gunicorn (the client sees it end, no answer)."""
    sock = environ.get("gunicorn.socket")
    if sock is None:
        return
    # SO_LINGER 0: close sends a reset instead of waiting to deliver anything.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
