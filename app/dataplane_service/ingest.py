"""Data into tables: `POST /ingress/{table}` and ad-hoc INSERTs, through one commit.

Decoding, consolidating and encoding happen outside the write lock; the commit then holds
it briefly: it applies the batches to this worker's copy (brought to the store's version),
checks the row limit, and stores the batches, the new version and the counters at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field

import pyarrow as pa

from app import errors
from app.dataplane.arrow_cells import arrow_to_rows
from app.dataplane.changes import INSERT
from app.dataplane.changes import Batch
from app.dataplane.changes import consolidate
from app.dataplane.errors import DataplaneError
from app.dataplane.ingress import decode_body
from app.dataplane.ingress_config import parse_ingress_config
from app.dataplane.ingress_config import resolve_ingress_table
from app.dataplane.parse_errors import ParseError
from app.dataplane.relations import Relation
from app.dataplane_service import checkpoints
from app.dataplane_service import counters
from app.dataplane_service import deltas
from app.dataplane_service import gate
from app.dataplane_service import loading
from app.dataplane_service import logbook
from app.dataplane_service import streams
from app.dataplane_service import tokens
from app.dataplane_service.cache import REGISTRY
from app.dataplane_service.cache import StoredBatch
from app.dataplane_service.errors import api_error
from app.pipelines import persistence
from app.pipelines.catch_up import write
from app.pipelines.context import Context
from app.timeutil import epoch_micros

# What upstream's proxy prints for a request the pipeline did not answer in time (§1.2).
TIMEOUT_TEXT = (
    "timeout ({seconds}s) was reached: this means the pipeline took too long to respond -- "
    "this can simply be because the request was too difficult to process in time, or other "
    "reasons (e.g., deadlock): the pipeline logs might contain additional information "
    "(original send request error: operation timed out)"
)


@dataclass
class Intake:
    """What one request brings: consolidated batches per table and their accounting."""

    batches: dict[str, Batch]
    records: int
    num_bytes: int
    endpoint: str | None = None  # None: an ad-hoc insert (no lasting endpoint)
    stream: str = ""
    errors: list[ParseError] = field(default_factory=list)
    total_errors: int = 0
    # Run under the write lock on the stats before anything is applied; False drops the
    # intake (a datagen stretch another worker produced first).
    claim: Callable[[dict], bool] | None = None


@dataclass
class Committed:
    """Where the intake left its endpoint: for the completion token."""

    incarnation: str
    endpoint_id: int | None
    endpoint_records: int


def wait_while_paused(ctx: Context, name: str, record: dict, request_line: str) -> dict:
    """Block an unforced write into a paused pipeline until it resumes (spec §2.4), bounded."""
    limit = ctx.settings.data.paused_wait_seconds
    deadline = time.monotonic() + limit
    while gate.is_paused(record):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise errors.PipelineInteractionUnreachable(
                pipeline_name=name,
                request=request_line,
                error=TIMEOUT_TEXT.format(seconds=f"{limit:g}"),
            )
        time.sleep(min(0.2, remaining))
        record = gate.with_controller(ctx, name)
    return record


def _checked_body(ctx: Context, read_body: Callable[[], bytes], size: int | None) -> bytes:
    limit = ctx.settings.data.max_request_bytes
    if size is not None and size > limit:
        raise errors.IngressBodyTooLarge(size=size, limit=limit)
    body = read_body()
    if len(body) > limit:
        raise errors.IngressBodyTooLarge(size=len(body), limit=limit)
    return body


def _check_request_rows(ctx: Context, rows: int) -> None:
    if rows > ctx.settings.data.max_request_rows:
        raise errors.IngressRowLimitExceeded(rows=rows, limit=ctx.settings.data.max_request_rows)


def ingress(
    ctx: Context,
    name: str,
    table_path: str,
    args: Mapping[str, str],
    raw_query: str,
    read_body: Callable[[], bytes],
    body_size: int | None,
    request_line: str,
) -> dict:
    """POST /ingress/{table}: checks in upstream's order, decode, commit; return the token."""
    record = gate.deployed(ctx, name)
    try:
        # The process checks the format before it looks for its controller.
        config = parse_ingress_config(table_path, args, raw_query)
        gate.require_controller(record)
        gate.require_new_endpoints(record)
        table = resolve_ingress_table(loading.program(ctx, record).catalog, config)
    except DataplaneError as err:
        raise api_error(err) from None
    if not config.force:
        record = wait_while_paused(ctx, name, record, request_line)
    body = _checked_body(ctx, read_body, body_size)
    decoded = decode_body(table, config, body)
    _check_request_rows(ctx, decoded.records)
    intake = Intake(
        batches={table.name: consolidate(table, decoded.changes)} if decoded.changes else {},
        records=decoded.records,
        num_bytes=len(body),
        endpoint=config.endpoint_name,
        stream=config.path_name,
        errors=list(decoded.log.kept),
        total_errors=decoded.log.total,
    )
    committed = commit(ctx, record, intake)
    problem = decoded.error()
    if problem is not None:
        # The good records are in (spec §2.5); the answer lists the bad ones.
        raise api_error(problem)
    return {
        "token": tokens.encode(
            committed.incarnation, committed.endpoint_id, committed.endpoint_records
        )
    }


def insert_rows(ctx: Context, record: dict, inserts: list[tuple[Relation, pa.Table]]) -> None:
    """Ad-hoc INSERTs: their rows enter the tables like an ingress (spec §4.2)."""
    batches: dict[str, Batch] = {}
    records = num_bytes = 0
    for relation, rows in inserts:
        cells = arrow_to_rows(relation, rows)
        records += len(cells)
        num_bytes += rows.nbytes
        changes = [(INSERT, row) for row in cells]
        if relation.name in batches:
            existing = batches[relation.name]
            for op, row in changes:
                existing.add(op, row)
        else:
            batches[relation.name] = consolidate(relation, changes)
    _check_request_rows(ctx, records)
    if records:
        commit(
            ctx, record, Intake({k: v for k, v in batches.items() if v.entries}, records, num_bytes)
        )


def _still_serving(ctx: Context, record: dict) -> dict:
    """Inside the write: the pipeline must still run the process the request started on."""
    current = next(iter(ctx.store.pipelines.get_many([record["id"]])), None)
    if current is None or current["deployment_resources_status"] != "Provisioned":
        raise errors.Terminating()
    return current


def commit(ctx: Context, record: dict, intake: Intake) -> Committed | None:
    """Apply an intake under the write lock: batches, version, counters, logs; one transaction.

    Return None when the intake's claim refused it.
    """
    pid = record["id"]
    data = loading.current(ctx, record)
    stored = {
        name: StoredBatch.of(data.tables[name].relation, batch)
        for name, batch in intake.batches.items()
        if name in data.tables and batch.entries
    }
    payloads = {name: batch.payload() for name, batch in stored.items()}
    with write(ctx) as at:
        current = _still_serving(ctx, record)
        data = loading.at_head(ctx, data)
        state = ctx.store.data.state(pid)
        if state is None or state["incarnation_uuid"] != data.incarnation:
            raise errors.Terminating()
        version = state["version"]
        changed, row_changes = data.advanced(version + 1, stored)
        rows = state["rows"] + sum(row_changes.values())
        if rows > ctx.settings.data.max_rows and rows > state["rows"]:
            raise errors.PipelineRowLimitExceeded(
                pipeline_name=record["name"], rows=rows, limit=ctx.settings.data.max_rows
            )
        stats = state["stats"]
        if intake.claim is not None and not intake.claim(stats):
            return None
        lines = []
        if intake.endpoint is not None:
            _, created = counters.ensure_endpoint(stats, intake.endpoint, intake.stream)
            if created:
                text = f"HTTP input endpoint '{intake.endpoint}' created"
                lines.append(logbook.process_line(at, "INFO", logbook.SERVER, text, record["name"]))
        micros = epoch_micros(at)
        counters.record_intake(
            stats,
            intake.endpoint,
            intake.records,
            intake.num_bytes,
            intake.errors,
            intake.total_errors,
            micros,
        )
        counters.count_rows(stats, row_changes)
        if payloads:
            ctx.store.data.add_batches(pid, version + 1, payloads)
            # Open change streams read what this version changed in what they watch.
            watching = streams.watched(stats, micros)
            if watching:
                found = deltas.compute(data, changed, sorted(watching))
                deltas.record(ctx, changed.version, pid, found)
        else:
            changed = data
        ctx.store.data.update_state(pid, {"version": changed.version, "rows": rows, "stats": stats})
        if intake.total_errors:
            text = (
                f"Input endpoint '{intake.endpoint}' failed to parse {intake.total_errors} "
                "record(s)"
            )
            lines.append(logbook.process_line(at, "WARN", logbook.CONTROLLER, text, record["name"]))
            _report_errors(ctx, current, stats["num_errors"])
        logbook.append(ctx.store, pid, lines)
    REGISTRY.put(changed, ctx.settings.data.cache_pipelines)
    checkpoints.maybe_compact(ctx, changed, state)
    endpoint = stats["endpoints"].get(intake.endpoint) if intake.endpoint else None
    return Committed(
        changed.incarnation,
        None if endpoint is None else endpoint["id"],
        0 if endpoint is None else endpoint["records"],
    )


def _report_errors(ctx: Context, record: dict, num_errors: int) -> None:
    """Store the error count where `status_with_connectors` renders it (crud.md §2.9)."""
    details = record.get("deployment_runtime_status_details")
    if isinstance(details, dict) and "connector_stats" in details:
        stats = {**details["connector_stats"], "num_errors": num_errors}
        persistence.save(
            ctx.store,
            record,
            {"deployment_runtime_status_details": {**details, "connector_stats": stats}},
        )
