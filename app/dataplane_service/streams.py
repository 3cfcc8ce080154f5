"""`POST /egress/{relation}`: open a change stream (spec §5), registered in the store.

A stream is an output endpoint `<name>.api-<uuid>` listed in the process's stats while it is
open. Its registration tells writers which relations need their changes recorded (computing a
view's delta evaluates it twice, so only watched relations pay for it); the stream then reads
those deltas back by version (`follow`). A registration expires unless the stream renews it,
so a worker that dies mid-stream leaves nothing behind for long.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app import errors
from app import timeutil
from app.dataplane.delta import relation_delta
from app.dataplane.egress import chunk_line
from app.dataplane.egress import csv_text_chunks
from app.dataplane.egress import json_data_chunks
from app.dataplane.errors import CONFIG_PREFIX
from app.dataplane.relations import Relation
from app.dataplane_service import gate
from app.dataplane_service import loading
from app.dataplane_service.counters import INGRESS_MARK
from app.dataplane_service.deltas import Delta
from app.pipelines.catch_up import write
from app.pipelines.context import Context

FORMATS = ("csv", "json")
# Upstream refuses these JSON update formats on output (spec §5.1).
REFUSED_UPDATE_FORMATS = {"raw": "Raw", "weighted": "Weighted"}
# Ingress endpoints and open streams a process accepts together (spec §2.5).
MAX_API_CONNECTIONS = 100
BOOLEAN_ARGS = ("backpressure", "send_snapshot", "array")


@dataclass(frozen=True)
class EgressRequest:
    """What an egress request asks for, checked."""

    path_name: str
    format: str
    send_snapshot: bool


def _boolean(args: Mapping[str, str], name: str) -> bool:
    value = args.get(name, "false")
    if value not in ("true", "false"):
        raise errors.InvalidQueryParameter(
            message=f"Query deserialize error: invalid value for `{name}`: "
            f"expected `true` or `false`, found `{value}`"
        )
    return value == "true"


def parse_request(path_name: str, endpoint: str, args: Mapping[str, str]) -> EgressRequest:
    """Check the query string as the process does; raise 400s with upstream's codes."""
    flags = {name: _boolean(args, name) for name in BOOLEAN_ARGS}
    fmt = args.get("format", "csv")
    if fmt not in FORMATS:
        text = (
            f"{CONFIG_PREFIX}Output endpoint '{endpoint}' specifies unknown output format '{fmt}'"
        )
        details = {"config_error": {"endpoint_name": endpoint, "format_name": fmt}}
        raise errors.UnknownOutputFormat(text, details)
    refused = REFUSED_UPDATE_FORMATS.get(args.get("update_format", "insert_delete"))
    if fmt == "json" and refused is not None:
        error = f"{refused} update format is not supported for output JSON streams"
        text = f"{CONFIG_PREFIX}Format not supported on output endpoint '{endpoint}': {error}"
        details = {"config_error": {"endpoint_name": endpoint, "error": error}}
        raise errors.OutputFormatNotSupported(text, details)
    return EgressRequest(path_name, fmt, flags["send_snapshot"])


def watched(stats: Mapping[str, Any], now_micros: int) -> set[str]:
    """The relations open streams watch (registrations not yet expired)."""
    streams = stats.get("streams") or {}
    return {s["relation"] for s in streams.values() if s["until"] > now_micros}


def open_streams(stats: Mapping[str, Any], now_micros: int) -> dict[str, dict]:
    """The unexpired stream registrations, by endpoint name."""
    streams = stats.get("streams") or {}
    return {name: s for name, s in streams.items() if s["until"] > now_micros}


def _resolve(ctx: Context, record: Mapping[str, Any], endpoint: str, path_name: str) -> Relation:
    relation = loading.program(ctx, record).catalog.relation_for_path(path_name)
    if relation is None:
        text = (
            f"{CONFIG_PREFIX}Output endpoint '{endpoint}' specifies unknown output table or "
            f"view '{path_name}'"
        )
        details = {"config_error": {"endpoint_name": endpoint, "stream_name": path_name}}
        raise errors.UnknownOutputStream(text, details)
    return relation


@dataclass
class Registration:
    """Where a new stream starts: its endpoint, relation, incarnation and version."""

    pipeline_id: str
    pipeline_name: str
    endpoint: str
    relation: Relation
    format: str
    incarnation: str
    version: int
    until_micros: int
    snapshot: list[str]


def lease_micros(ctx: Context) -> int:
    """How long a registration lasts without renewal: the idle limit plus a margin."""
    return int((ctx.settings.data.egress_idle_seconds + 30) * 1_000_000)


def _register(ctx: Context, record: dict, endpoint: str, relation: Relation, path: str):
    """Store the registration; return (incarnation, version, until) it starts at."""
    pid = record["id"]
    with write(ctx) as at:
        state = ctx.store.data.state(pid)
        if state is None:
            raise errors.Terminating()
        now = timeutil.epoch_micros(at)
        stats = state["stats"]
        streams = open_streams(stats, now)
        ingress = [n for n in stats["endpoints"] if INGRESS_MARK in n]
        if len(streams) + len(ingress) >= MAX_API_CONNECTIONS:
            raise errors.ApiConnectionLimit()
        until = now + lease_micros(ctx)
        streams[endpoint] = {"relation": relation.name, "stream": path, "until": until}
        stats["streams"] = streams
        ctx.store.data.update_state(pid, {"stats": stats})
        return state["incarnation_uuid"], state["version"], until


def renew(ctx: Context, pipeline_id: str, endpoint: str) -> int | None:
    """Extend a registration's lease; return the new expiry, or None once it is gone."""
    with write(ctx) as at:
        state = ctx.store.data.state(pipeline_id)
        entry = None if state is None else (state["stats"].get("streams") or {}).get(endpoint)
        if entry is None:
            return None
        entry["until"] = timeutil.epoch_micros(at) + lease_micros(ctx)
        ctx.store.data.update_state(pipeline_id, {"stats": state["stats"]})
        return entry["until"]


def unregister(ctx: Context, pipeline_id: str, endpoint: str) -> None:
    """Remove a stream's registration (its output endpoint leaves the stats)."""
    with write(ctx):
        state = ctx.store.data.state(pipeline_id)
        streams = None if state is None else state["stats"].get("streams")
        if streams and endpoint in streams:
            del streams[endpoint]
            ctx.store.data.update_state(pipeline_id, {"stats": state["stats"]})


def render(delta: Delta, relation: Relation, fmt: str, seq: int, snapshot: bool) -> list[str]:
    """The chunk lines of one delta, numbered from `seq`."""
    if fmt == "json":
        pieces = json_data_chunks(delta, relation)
        return [chunk_line(seq + i, snapshot, json_data=p) for i, p in enumerate(pieces)]
    pieces = csv_text_chunks(delta, relation)
    return [chunk_line(seq + i, snapshot, text_data=p) for i, p in enumerate(pieces)]


def open_stream(ctx: Context, name: str, path_name: str, args: Mapping[str, str]) -> Registration:
    """Check an egress request in upstream's order and register its stream."""
    record = gate.with_controller(ctx, name)
    endpoint = f"{path_name}.api-{uuid.uuid4()}"
    request = parse_request(path_name, endpoint, args)
    relation = _resolve(ctx, record, endpoint, path_name)
    if request.send_snapshot and not relation.materialized:
        text = (
            f"{CONFIG_PREFIX}invalid transport configuration for endpoint '{endpoint}': "
            "'send_snapshot: true' requires a materialized output view"
        )
        details = {"config_error": {"endpoint_name": endpoint}}
        raise errors.InvalidTransportConfig(text, details)
    loading.current(ctx, record)  # an imported fixture gets its data state here
    incarnation, version, until = _register(ctx, record, endpoint, relation, path_name)
    snapshot: list[str] = []
    if request.send_snapshot:
        # Changes up to the copy's version are in the snapshot; deltas follow from there.
        data = loading.current(ctx, record)
        if data.incarnation == incarnation:
            version = data.version
            rows = (
                data.tables[relation.name].arrow_table()
                if relation.is_table
                else data.snapshot().view(relation.name)
            )
            if rows.num_rows:
                delta = relation_delta(rows.slice(0, 0), rows)
                snapshot = render(delta, relation, request.format, 0, True)
    return Registration(
        record["id"],
        name,
        endpoint,
        relation,
        request.format,
        incarnation,
        version,
        until,
        snapshot,
    )
