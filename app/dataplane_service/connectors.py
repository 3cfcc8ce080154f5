"""Declared input connectors of a running pipeline: datagen production and pause flags (§8, §9).

Nothing runs in the background: a datagen connector produces, on each request that looks at
the pipeline (stats, queries, streams, tokens), the rows its plan owes since it last produced,
through the same commit as an ingress. A claim under the write lock makes sure one worker
produces each stretch of rows. Other transports are listed and idle: they produce nothing.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from app import errors
from app import timeutil
from app.dataplane import datagen
from app.dataplane.changes import consolidate
from app.dataplane.identifiers import canonical_name
from app.dataplane.ingress import decode_body
from app.dataplane.ingress_config import IngressConfig
from app.dataplane_service import gate
from app.dataplane_service import ingest
from app.dataplane_service import loading
from app.dataplane_service.tokens import endpoint_name
from app.pipelines.catch_up import write
from app.pipelines.context import Context

ACTIONS = ("start", "pause")
RAW_ROWS = IngressConfig("", "json", update_format="raw", array=True)
# Rows one request produces at most (a fast plan catches up over several requests).
MAX_ROWS_PER_REQUEST = 20_000


def declared(record: Mapping[str, Any]) -> dict[str, dict]:
    """The program's input connectors by endpoint name."""
    return dict((record.get("program_info") or {}).get("input_connectors") or {})


def _datagen(config: Mapping[str, Any]) -> dict | None:
    transport = config.get("transport") or {}
    return transport.get("config") or {} if transport.get("name") == "datagen" else None


def _active(record: Mapping[str, Any]) -> bool:
    return record["deployment_runtime_status"] == "Running"


def _due(plan_config: dict, endpoint: dict, now_micros: int) -> int:
    """Rows owed since the endpoint's clock started (bounded by the plans' total)."""
    state = endpoint.get("datagen") or {}
    clock, produced = state.get("clock"), state.get("produced", 0)
    if clock is None:
        return 0
    elapsed = max(0, now_micros - clock) / 1e6
    owed = math.floor(elapsed * datagen.rate(plan_config, produced))
    total = datagen.total_rows(plan_config)
    if total is not None:
        owed = min(owed, total - produced)
    return max(0, min(owed, MAX_ROWS_PER_REQUEST))


def _set_clocks(ctx: Context, pid: str, names: list[str], running: bool) -> None:
    """Start (running) or stop the production clock of some datagen endpoints."""
    with write(ctx) as at:
        state = ctx.store.data.state(pid)
        if state is None:
            return
        now = timeutil.epoch_micros(at)
        for name in names:
            endpoint = state["stats"]["endpoints"].get(name)
            if endpoint is None:
                continue
            gen = endpoint.setdefault("datagen", {"produced": 0, "clock": None})
            if running and gen["clock"] is None:
                gen["clock"] = now
            elif not running:
                gen["clock"] = None
        ctx.store.data.update_state(pid, {"stats": state["stats"]})


def advance(ctx: Context, record: Mapping[str, Any]) -> None:
    """Produce what the pipeline's datagen connectors owe by now."""
    connectors = {n: c for n, c in declared(record).items() if _datagen(c) is not None}
    if not connectors or record["deployment_resources_status"] != "Provisioned":
        return
    state = ctx.store.data.state(record["id"])
    if state is None:
        return
    now = timeutil.epoch_micros(timeutil.now())
    endpoints = state["stats"]["endpoints"]
    start, stop, due = [], [], []
    for name, config in sorted(connectors.items()):
        endpoint = endpoints.get(name)
        if endpoint is None or endpoint["end_of_input"]:
            continue
        clock = (endpoint.get("datagen") or {}).get("clock")
        running = _active(record) and not endpoint["paused"]
        if running and clock is None:
            start.append(name)
        elif not running and clock is not None:
            stop.append(name)
        elif running:
            due.append((name, config, endpoint))
    if start or stop:
        if start:
            _set_clocks(ctx, record["id"], start, True)
        if stop:
            _set_clocks(ctx, record["id"], stop, False)
    for name, config, endpoint in due:
        if not endpoint.get("fatal_error"):
            _produce_or_fail(ctx, record, name, config, endpoint, now)
    for name in start:
        # A plan of `limit: 0` ends at once; the others owe rows from now on.
        config = connectors[name]
        if datagen.total_rows(_datagen(config)) == 0:
            fresh = {"datagen": {"produced": 0, "clock": now}}
            _produce_or_fail(ctx, record, name, config, fresh, now)


def _produce_or_fail(ctx, record, name: str, config: dict, endpoint: dict, now: int) -> None:
    """Produce what is owed; a plan that cannot go on stops its connector with an error."""
    try:
        _produce(ctx, record, name, config, endpoint, now)
    except errors.Terminating:
        return  # the pipeline stopped meanwhile
    except (datagen.DatagenError, errors.PipelineRowLimitExceeded) as err:
        # Upstream's connector fails; here it stops producing and reports why in its stats.
        text = str(err) if isinstance(err, datagen.DatagenError) else err.message
        _fail(ctx, record["id"], name, f"FATAL error on input endpoint '{name}': {text}")


def _fail(ctx: Context, pid: str, name: str, text: str) -> None:
    with write(ctx):
        state = ctx.store.data.state(pid)
        endpoint = None if state is None else state["stats"]["endpoints"].get(name)
        if endpoint is not None:
            endpoint["fatal_error"] = text
            ctx.store.data.update_state(pid, {"stats": state["stats"]})


def _produce(ctx, record, name: str, config: dict, endpoint: dict, now: int) -> None:
    plan_config = _datagen(config)
    count = _due(plan_config, endpoint, now)
    produced = endpoint["datagen"]["produced"]
    total = datagen.total_rows(plan_config)
    data = loading.current(ctx, record)
    table = data.program.catalog.relation(canonical_name(config.get("stream", ""))[0])
    if table is None or (count == 0 and total != produced):
        return
    rows = datagen.rows(table, plan_config, produced, count)
    body = json.dumps(rows).encode()
    decoded = decode_body(table, RAW_ROWS, body)
    done = total is not None and produced + len(rows) >= total

    def claim(stats: dict) -> bool:
        current = stats["endpoints"].get(name)
        gen = (current or {}).get("datagen") or {}
        if current is None or gen.get("produced", 0) != produced or current["end_of_input"]:
            return False
        gen["produced"] = produced + len(rows)
        # The clock moves by the time these rows took at the plan's rate.
        spent = len(rows) / datagen.rate(plan_config, produced)
        gen["clock"] = (gen.get("clock") or now) + int(spent * 1e6)
        current["datagen"] = gen
        current["end_of_input"] = done
        return True

    intake = ingest.Intake(
        batches={table.name: consolidate(table, decoded.changes)} if decoded.changes else {},
        records=decoded.records,
        num_bytes=len(body) if rows else 0,
        endpoint=name,
        stream=config.get("stream", ""),
        claim=claim,
    )
    ingest.commit(ctx, record, intake)


def set_paused(ctx: Context, name: str, table: str, connector: str, action: str) -> None:
    """POST /tables/{t}/connectors/{c}/{start|pause}: set the connector's pause flag."""
    if action not in ACTIONS:
        raise errors.InvalidConnectorAction(action=action)
    record = gate.with_controller(ctx, name)
    loading.current(ctx, record)  # an imported fixture gets its data state here
    full = endpoint_name(table, connector)
    with write(ctx):
        state = ctx.store.data.state(record["id"])
        endpoint = None if state is None else state["stats"]["endpoints"].get(full)
        if endpoint is None or not endpoint.get("declared"):
            raise errors.UnknownInputEndpoint(
                f"unknown input endpoint name '{full}'", {"endpoint_name": full}
            )
        endpoint["paused"] = action == "pause"
        gen = endpoint.get("datagen")
        if gen is not None and endpoint["paused"] and gen.get("clock") is not None:
            # Production stops where it is; the clock restarts with the next `start`.
            gen["clock"] = None
        ctx.store.data.update_state(record["id"], {"stats": state["stats"]})
