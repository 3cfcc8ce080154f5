"""Manager-only pipeline routes (spec §12): dataflow graph, diff, update_runtime.

They work in every deployment state: they read the stored record, not the process.
"""

from __future__ import annotations

import json

from app import errors
from app.compiler.validate_program import validate_program
from app.dataplane.program_views import Program
from app.pipelines import writes
from app.pipelines.catch_up import catch_up
from app.pipelines.catch_up import write
from app.pipelines.context import Context
from app.simulator.bootstrap import pipeline_diff
from app.simulator.bootstrap import summary


def _record(ctx: Context, name: str) -> dict:
    catch_up(ctx)
    record = ctx.store.pipelines.get(name)
    if record is None:
        raise errors.UnknownPipelineName(pipeline_name=name)
    return record


def _compiled_info(ctx: Context, name: str) -> tuple[dict, dict]:
    record = _record(ctx, name)
    info = record.get("program_info")
    if info is None:
        raise errors.ProgramNotCompiled(pipeline_name=name)
    return record, info


def dataflow_graph(ctx: Context, name: str) -> dict:
    """GET /dataflow_graph: the program's relations as a graph of sources, views and sinks.

    Upstream returns the compiler's Calcite plans and MIR; the simulated compiler has no
    plans, so each node is a relation: tables are sources, views read the relations their
    query names, and every view that is not local feeds a sink.
    """
    record, info = _compiled_info(ctx, name)
    program = Program.prepare(record["program_code"], info.get("schema") or {})
    nodes: dict[str, dict] = {}
    ids: dict[str, str] = {}
    for table in program.catalog.tables:
        ids[table.name] = node = f"s{len(nodes)}"
        operation = "source_map" if table.primary_key else "source_multiset"
        nodes[node] = {"operation": operation, "table": table.name, "inputs": []}
    plans = {}
    for view in program.views.values():
        reads = sorted(view.translation.reads) if view.translation else []
        ids[view.name] = node = f"s{len(nodes)}"
        inputs = [{"node": ids[r], "output": 0} for r in reads if r in ids]
        nodes[node] = {"operation": "view", "view": view.name, "inputs": inputs}
        if view.relation is not None:
            sink = f"s{len(nodes)}"
            nodes[sink] = {"operation": "sink", "view": view.name, "inputs": [{"node": node}]}
            plans[view.name] = {"rels": [{"id": 0, "relOp": "View", "inputs": reads}]}
    return {"calcite_plan": plans, "mir": nodes}


def diff(ctx: Context, name: str, program_code: str | None, runtime_version: str | None) -> dict:
    """POST /diff: what a new program (or runtime) would change, compared with the current."""
    record, info = _compiled_info(ctx, name)
    code = record["program_code"] if program_code is None else program_code
    outcome = validate_program(
        code,
        runtime_version,
        deadline_seconds=ctx.settings.simulation.compile_budget_seconds,
    )
    if "SqlError" in outcome:
        messages = json.dumps(outcome["SqlError"]["info"]["messages"], indent=2)
        raise errors.InvalidNewProgramSql(messages=messages)
    if "SystemError" in outcome:
        empty = pipeline_diff(summary(info), summary(info))
        error = outcome["SystemError"]["error"]
        return {**empty, "program_diff": None, "program_diff_error": error}
    new = outcome["Success"]["program_info"]
    return pipeline_diff(summary(info), summary(new))


def update_runtime(ctx: Context, name: str) -> str:
    """POST /update_runtime: move the pipeline to the platform's runtime, as an edit would."""
    with write(ctx, name) as at:
        current = writes.existing(ctx, name)
        return writes.rendered(ctx, writes.update(ctx, current, {}, at, put=True))
