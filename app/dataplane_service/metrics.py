"""`GET /metrics`: the pipeline's metric families in Prometheus text or JSON (spec §6.4)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app import errors
from app import timeutil
from app.dataplane_service.stats import controller_status
from app.dataplane_service.stats import running_state
from app.pipelines.catch_up import catch_up
from app.pipelines.context import Context

# Upper bounds of the latency histograms (seconds); the last bucket is +Inf.
LATENCY_BOUNDS = (0.001, 0.01, 0.1, 1.0, 10.0)
# A step of the simulation: every step falls in the first bucket.
STEP_SECONDS = 0.0005


@dataclass(frozen=True)
class Histogram:
    """Observations all of one value (the simulation's steps are alike)."""

    count: int
    value: float

    def buckets(self) -> list[tuple[float, int]]:
        """Cumulative counts per upper bound, +Inf last."""
        return [(b, self.count if self.value <= b else 0) for b in LATENCY_BOUNDS] + [
            (math.inf, self.count)
        ]


@dataclass(frozen=True)
class Family:
    """One metric family: name, type, help text and (extra labels, value) samples."""

    name: str
    kind: str
    help: str
    samples: list[tuple[dict, Any]]


def _number(value: float) -> str:
    """A value as Rust prints floats: `0`, `12`, `1.5`."""
    if isinstance(value, float) and math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def families(record: Mapping[str, Any], status: Mapping[str, Any]) -> list[Family]:
    """Every family in upstream's emission order, from a ControllerStatus."""
    g = status["global_metrics"]
    one = lambda value: [({}, value)]  # noqa: E731
    empty_hist = one(Histogram(0, 0.0))
    inputs, outputs = status["inputs"], status["outputs"]

    def per_input(key) -> list[tuple[dict, Any]]:
        return [({"endpoint": i["endpoint_name"]}, key(i)) for i in inputs]

    def per_output(key) -> list[tuple[dict, Any]]:
        return [({"endpoint": o["endpoint_name"]}, key(o)) for o in outputs]

    def in_metric(name: str):
        return per_input(lambda i: i["metrics"][name])

    def out_metric(name: str):
        return per_output(lambda o: o["metrics"][name])

    steps = g["total_completed_steps"]
    hist = lambda kind, count: kind(Histogram(count, STEP_SECONDS))  # noqa: E731
    c, ga, h = "counter", "gauge", "histogram"
    return [
        Family("process_cpu_seconds_total", c, "Total user and system CPU time spent in seconds.",
               one(g["cpu_msecs"] / 1000)),
        Family("process_resident_memory_bytes", ga, "Resident memory size in bytes.",
               one(g["rss_bytes"])),
        Family("process_start_time_seconds", c, "Start time of the process, in Unix seconds.",
               one(g["start_time"])),
        Family("process_panics_total", c, "Number of panics.", one(0)),
        Family("records_input_buffered", ga, "Records received but not yet processed.",
               one(g["buffered_input_records"])),
        Family("records_input_buffered_bytes", ga, "Bytes received but not yet processed.",
               one(g["buffered_input_bytes"])),
        Family("records_input_total", c, "Records received from all input connectors.",
               one(g["total_input_records"])),
        Family("records_input_bytes_total", c, "Bytes received from all input connectors.",
               one(g["total_input_bytes"])),
        Family("records_processed_total", c, "Records processed by the circuit.",
               one(g["total_processed_records"])),
        Family("records_processed_bytes_total", c, "Bytes processed by the circuit.",
               one(g["total_processed_bytes"])),
        Family("pipeline_complete", c, "1 once every input reached end of input and was processed.",
               one(int(g["pipeline_complete"]))),
        Family("records_late_total", c, "Records dropped because they arrived late.", one(0)),
        Family("compaction_stall_duration_seconds", c, "Time steps waited for compaction.", one(0)),
        Family("output_stall_seconds_total", c, "Time steps waited for outputs.", one(0)),
        Family("output_stall_seconds", ga, "Time the current step has waited for outputs.", one(0)),
        Family("files_created_total", c, "Storage files created.", one(0)),
        Family("files_deleted_total", c, "Storage files deleted.", one(0)),
        Family("dbsp_steps_total", c, "Steps the circuit ran.", one(steps)),
        Family("dbsp_runtime_elapsed_seconds_total", c, "Time the circuit ran, in seconds.",
               one(g["runtime_elapsed_msecs"] / 1000)),
        Family("dbsp_step_latency_seconds", h, "Latency of circuit steps.", hist(one, steps)),
        Family("dbsp_operator_checkpoint_latency_seconds", h, "Latency of operator checkpoints.",
               empty_hist),
        Family("feldera_checkpoint_runtime_seconds", h, "Duration of checkpoints.", empty_hist),
        Family("feldera_checkpoint_delay_seconds", h, "Delay before checkpoints started.",
               empty_hist),
        Family("feldera_checkpoint_written_bytes", h, "Bytes written by checkpoints.", empty_hist),
        Family("feldera_checkpoint_records_processed_total", c,
               "Records processed as of the latest checkpoint.", one(0)),
        Family("pipeline_start_time_seconds", c, "Initial start time of the pipeline.",
               one(g["initial_start_time"])),
        Family("storage_usage_bytes", ga, "Storage in use, in bytes.", one(g["storage_bytes"])),
        Family("storage_byte_seconds_total", c, "Storage use integrated over time.", one(0)),
        Family("storage_read_latency_seconds", h, "Latency of storage reads.", empty_hist),
        Family("storage_write_latency_seconds", h, "Latency of storage writes.", empty_hist),
        Family("storage_sync_latency_seconds", h, "Latency of storage syncs.", empty_hist),
        Family("storage_read_block_bytes", h, "Sizes of storage blocks read.", empty_hist),
        Family("storage_write_block_bytes", h, "Sizes of storage blocks written.", empty_hist),
        Family("transaction_state", ga, "0 no transaction, 1 started, 2 committing.", one(0)),
        Family("transaction_completed_operators", ga, "Operators done committing.", one(0)),
        Family("transaction_in_progress_operators", ga, "Operators committing.", one(0)),
        Family("transaction_remaining_operators", ga, "Operators yet to commit.", one(0)),
        Family("transaction_ingest_seconds", h, "Ingest time of transactions.", empty_hist),
        Family("transaction_commit_seconds", h, "Commit time of transactions.", empty_hist),
        Family("input_connector_bytes_total", c, "Bytes received by each input connector.",
               in_metric("total_bytes")),
        Family("input_connector_records_total", c, "Records received by each input connector.",
               in_metric("total_records")),
        Family("input_connector_buffered_records", ga, "Records buffered by each input connector.",
               in_metric("buffered_records")),
        Family("input_connector_buffered_records_bytes", ga,
               "Bytes buffered by each input connector.", in_metric("buffered_bytes")),
        Family("input_connector_errors_transport_total", c, "Transport errors of each input.",
               in_metric("num_transport_errors")),
        Family("input_connector_errors_parse_total", c, "Parse errors of each input.",
               in_metric("num_parse_errors")),
        Family("input_connector_extra_memory_bytes", ga, "Extra memory of each input.",
               per_input(lambda i: 0)),
        Family("input_connector_running", ga, "1 while the input connector runs.",
               per_input(lambda i: int(not i["paused"] and not i["metrics"]["end_of_input"]))),
        Family("input_connector_barrier", ga, "1 while the input connector holds a barrier.",
               per_input(lambda i: int(i["barrier"]))),
        Family("input_connector_end_of_input", ga, "1 once the input connector ended.",
               per_input(lambda i: int(i["metrics"]["end_of_input"]))),
        Family("input_connector_processing_latency_seconds", h, "Processing latency of inputs.",
               per_input(lambda i: Histogram(0, 0.0))),
        Family("input_connector_completion_latency_seconds", h, "Completion latency of inputs.",
               per_input(lambda i: Histogram(0, 0.0))),
        Family("output_connector_bytes_total", c, "Bytes sent by each output connector.",
               out_metric("transmitted_bytes")),
        Family("output_connector_records_total", c, "Records sent by each output connector.",
               out_metric("transmitted_records")),
        Family("output_connector_buffered_records", ga, "Records buffered by each output.",
               out_metric("buffered_records")),
        Family("output_buffered_batches", ga, "Batches buffered by each output.",
               out_metric("buffered_batches")),
        Family("output_connector_queued_records", ga, "Records queued for each output.",
               out_metric("queued_records")),
        Family("output_connector_queued_batches", ga, "Batches queued for each output.",
               out_metric("queued_batches")),
        Family("output_connector_errors_transport_total", c, "Transport errors of each output.",
               out_metric("num_transport_errors")),
        Family("output_connector_errors_encode_total", c, "Encode errors of each output.",
               out_metric("num_encode_errors")),
        Family("output_connector_extra_memory_bytes", ga, "Extra memory of each output.",
               out_metric("memory")),
        Family("output_connector_batch_records_written", c, "Records written per batch.", []),
        Family("multihost_exchange_messages_received_total", c,
               "Exchange messages received from other hosts.", one(0)),
        Family("multihost_duplicate_exchange_messages_received_total", c,
               "Duplicate exchange messages received from other hosts.", one(0)),
    ]  # fmt: skip


def _labels(base: dict, extra: dict) -> str:
    pairs = {**base, **extra}
    return ",".join(f'{k}="{v}"' for k, v in pairs.items())


def prometheus(record: Mapping[str, Any], status: Mapping[str, Any]) -> str:
    """Prometheus exposition text: families separated by one empty line."""
    base = {"pipeline": f"pipeline-{record['id']}", "pipeline_name": record["name"]}
    blocks = []
    for family in families(record, status):
        lines = [f"# HELP {family.name} {family.help}", f"# TYPE {family.name} {family.kind}"]
        for extra, value in family.samples:
            labels = _labels(base, extra)
            if isinstance(value, Histogram):
                for bound, count in value.buckets():
                    le = _labels(base, {**extra, "le": _number(bound)})
                    lines.append(f"{family.name}_bucket{{{le}}} {count}")
                lines.append(f"{family.name}_sum{{{labels}}} {_number(value.count * value.value)}")
                lines.append(f"{family.name}_count{{{labels}}} {value.count}")
            else:
                lines.append(f"{family.name}{{{labels}}} {_number(value)}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def _json_histogram(value: Histogram) -> dict:
    """Only non-empty buckets, with their own counts; no `gt` first, no `le` for +Inf."""
    buckets = []
    lower = None
    previous = 0
    for bound, cumulative in value.buckets():
        own = cumulative - previous
        previous = cumulative
        if own:
            bucket = {} if lower is None else {"gt": lower}
            if not math.isinf(bound):
                bucket["le"] = bound
            buckets.append({**bucket, "count": own})
        lower = bound
    return {"buckets": buckets, "sum": value.count * value.value, "count": value.count}


def as_json(record: Mapping[str, Any], status: Mapping[str, Any]) -> str:
    """The JSON form: one object per family."""
    base = {"pipeline": f"pipeline-{record['id']}", "pipeline_name": record["name"]}
    out = []
    for family in families(record, status):
        values = []
        for extra, value in family.samples:
            shown = _json_histogram(value) if isinstance(value, Histogram) else value
            values.append({"labels": {**base, **extra}, "value": shown})
        entry = {"key": family.name, "type": family.kind}
        if family.help:
            entry["description"] = family.help
        out.append({**entry, "values": values})
    return json.dumps(out)


def pipeline_metrics(ctx: Context, name: str, fmt: str) -> str:
    """The `/metrics` body in `prometheus` or `json`."""
    record, state = running_state(ctx, name)
    now = timeutil.epoch_micros(timeutil.now())
    status = controller_status(record, state, now, ctx.settings.enterprise, False)
    return as_json(record, status) if fmt == "json" else prometheus(record, status)


def all_metrics(ctx: Context) -> str:
    """`GET /v0/metrics`: each Running or Paused pipeline's Prometheus text, each + newline.

    A pipeline that cannot answer is skipped, as upstream skips failed requests.
    """
    catch_up(ctx)
    parts = []
    for name, _ in ctx.store.pipelines.names_and_ids():
        record = ctx.store.pipelines.get(name)
        if record is None or record["deployment_runtime_status"] not in ("Running", "Paused"):
            continue
        try:
            parts.append(pipeline_metrics(ctx, name, "prometheus") + "\n")
        except errors.ApiError:
            continue
    return "".join(parts)
