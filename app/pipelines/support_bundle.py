"""`GET /support_bundle`: a zip of what the store holds about a pipeline (spec §12).

Upstream collects from the running process and the manager; pipeline-store collects from the
store: the record (configs, program, errors), its log lines, its monitor events, the data
plane's stats while it runs, and the dataflow graph. Parts that cannot be had (a process that
is not running) are listed as failed in `metadata.json`, as upstream does.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable

from app import errors
from app import timeutil
from app.dataplane_service import stats as controller
from app.monitor import pipeline_events
from app.pipelines import inspection
from app.pipelines.catch_up import catch_up
from app.pipelines.context import Context

# Log lines a bundle holds at most (upstream's buffer keeps 50 000).
LOG_LINES = 50_000


def _logs(ctx: Context, record: dict) -> str:
    lines = ctx.store.logs.since(record["id"], 0, LOG_LINES)
    return "".join(line + "\n" for _, line in lines)


def _config(_ctx: Context, record: dict) -> str:
    keys = ("runtime_config", "program_config", "program_code", "udf_rust", "udf_toml")
    return json.dumps({k: record.get(k) for k in keys}, indent=2)


def _stats(ctx: Context, record: dict) -> str:
    return json.dumps(controller.pipeline_stats(ctx, record["name"], True), indent=2)


def _graph(ctx: Context, record: dict) -> str:
    return json.dumps(inspection.dataflow_graph(ctx, record["name"]), indent=2)


def _events(ctx: Context, record: dict) -> str:
    return json.dumps(pipeline_events.events(ctx.store, record["id"], "all"), indent=2)


# Query flag -> (file in the zip, what collects it); all default to true.
PARTS: dict[str, tuple[str, Callable[[Context, dict], str]]] = {
    "logs": ("logs.txt", _logs),
    "pipeline_config": ("pipeline_config.json", _config),
    "stats": ("stats.json", _stats),
    "dataflow_graph": ("dataflow_graph.json", _graph),
    "pipeline_events": ("pipeline_events.json", _events),
}
# Parts upstream collects that the simulation has no source for.
UNAVAILABLE = {
    "circuit_profile": "the simulated process keeps no circuit profile",
    "heap_profile": "heap profiling is not available in this build",
    "metrics": "collected only from a running pipeline's /metrics",
    "system_config": "pipeline-store has no cluster configuration to collect",
}


def bundle(ctx: Context, name: str, flags: dict, limit: int | None) -> bytes:
    """Return the zip; `flags` maps a part to whether to include it."""
    if limit is not None and limit < 1:
        raise errors.InvalidSupportBundleParameter(reason="`limit` must be at least 1")
    catch_up(ctx)
    record = ctx.store.pipelines.get(name)
    if record is None:
        raise errors.UnknownPipelineName(pipeline_name=name)
    collected, failed = [], {}
    out = io.BytesIO()
    stamp = timeutil.format_timestamp(timeutil.now())
    folder = f"{stamp.replace(':', '-')}/"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, (filename, collect) in PARTS.items():
            if not flags.get(part, True):
                continue
            try:
                archive.writestr(folder + filename, collect(ctx, record))
                collected.append(part)
            except errors.ApiError as err:
                failed[part] = err.message
        for part, reason in UNAVAILABLE.items():
            if flags.get(part, True):
                failed[part] = reason
        metadata = {
            "pipeline_name": record["name"],
            "pipeline_id": record["id"],
            "platform_version": record["platform_version"],
            "collected_at": stamp,
            "collected": collected,
            "failed": failed,
        }
        archive.writestr("metadata.json", json.dumps(metadata, indent=2))
        text = [f"{key}: {value}" for key, value in metadata.items() if key != "failed"]
        text += [f"failed {part}: {reason}" for part, reason in failed.items()]
        archive.writestr("metadata.txt", "\n".join(text) + "\n")
    return out.getvalue()
