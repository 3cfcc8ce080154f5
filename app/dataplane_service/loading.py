"""Bring a worker's copy of a pipeline's data to the version the store holds."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.dataplane.batch_codec import read_table
from app.dataplane.program_views import Program
from app.dataplane_service import transitions
from app.dataplane_service.cache import REGISTRY
from app.dataplane_service.cache import PipelineData
from app.dataplane_service.cache import StoredBatch
from app.dataplane_service.cache import TableData
from app.dataplane_service.cache import empty
from app.pipelines.catch_up import write
from app.pipelines.context import Context
from app.storage import Store


def program(ctx: Context, record: Mapping[str, Any]) -> Program:
    """Return the running program prepared for evaluation (cached per program version)."""
    key = (record["id"], record["program_version"])
    schema = (record.get("program_info") or {}).get("schema") or {}
    capacity = 4 * ctx.settings.data.cache_pipelines
    return REGISTRY.program(key, lambda: Program.prepare(record["program_code"], schema), capacity)


def _grouped(rows: list[tuple[int, str, bytes]], prog: Program) -> dict[int, dict]:
    """Decode stored batches into {version: {relation: Batch}}."""
    out: dict[int, dict] = {}
    for version, relation_name, payload in rows:
        relation = prog.catalog.relation(relation_name)
        if relation is not None and relation.is_table:
            out.setdefault(version, {})[relation_name] = StoredBatch.read(relation, payload)
        else:
            out.setdefault(version, {})
    return out


def _replay(data: PipelineData, rows: list[tuple[int, str, bytes]]) -> PipelineData:
    for version, batches in sorted(_grouped(rows, data.program).items()):
        data, _ = data.advanced(version, batches)
    return data


def _reload(store: Store, pid: str, incarnation: str, version: int, prog: Program):
    """Rebuild from the latest checkpoint (each table's rows in Arrow) and the batches after it."""
    data = empty(pid, incarnation, 0, prog)
    tables = dict(data.tables)
    since = 0
    for relation_name, cp_version, payload in store.data.checkpoints(pid):
        relation = prog.catalog.relation(relation_name)
        since = max(since, cp_version)
        if relation is None or not relation.is_table:
            continue
        base = tables[relation_name].arrow
        rows = read_table(payload).cast(base.schema)
        tables[relation_name] = TableData(relation, rows.num_rows, None, rows)
    data = PipelineData(pid, incarnation, since, prog, tables)
    return _replay(data, store.data.batches(pid, since, version))


def _bring(store: Store, pid: str, head: tuple[str, int, bool], prog: Program) -> PipelineData:
    incarnation, version, _ = head
    cached = REGISTRY.get(pid)
    if cached is not None and cached.incarnation == incarnation and cached.program is prog:
        if cached.version == version:
            return cached
        if cached.version < version:
            rows = store.data.batches(pid, cached.version, version)
            # Versions compacted into a checkpoint meanwhile leave a hole: reload then.
            if {row[0] for row in rows} == set(range(cached.version + 1, version + 1)):
                return _replay(cached, rows)
    return _reload(store, pid, incarnation, version, prog)


def _read(ctx: Context, pid: str, prog: Program) -> PipelineData | None:
    # One statement when this worker's copy is current (the common case) ...
    head = ctx.store.data.head(pid)
    cached = REGISTRY.get(pid)
    if head is None:
        return None
    if (
        cached is not None
        and cached.program is prog
        and (cached.incarnation, cached.version)
        == (
            head[0],
            head[1],
        )
    ):
        return cached
    # ... else the change is read on one snapshot, so no compaction can slip in between.
    with ctx.store.read():
        head = ctx.store.data.head(pid)
        return None if head is None else _bring(ctx.store, pid, head, prog)


def current(ctx: Context, record: Mapping[str, Any]) -> PipelineData:
    """Return the pipeline's data at the version the store holds now."""
    pid = record["id"]
    prog = program(ctx, record)
    with REGISTRY.loading_lock(pid):
        data = _read(ctx, pid, prog)
        if data is None:
            # A deployed pipeline without data (an imported fixture): its process starts now.
            with write(ctx):
                if ctx.store.data.head(pid) is None:
                    transitions.begin(ctx.store, record)
            data = _read(ctx, pid, prog) or empty(pid, "", 0, prog)
        REGISTRY.put(data, ctx.settings.data.cache_pipelines)
        return data


def at_head(ctx: Context, data: PipelineData) -> PipelineData:
    """Inside a write transaction: bring `data` to the store's version (usually a no-op)."""
    head = ctx.store.data.head(data.pipeline_id)
    if head is None or (head[0], head[1]) == (data.incarnation, data.version):
        return data
    return _bring(ctx.store, data.pipeline_id, head, data.program)
