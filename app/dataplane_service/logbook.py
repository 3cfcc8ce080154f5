"""Log lines as upstream's runner and pipeline process print them (spec dataplane.md §7)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC
from datetime import datetime
from typing import Any

from app import timeutil
from app.storage import Store

# The runner's buffer keeps at most this many lines (upstream also caps it at 1 MB).
MAX_LINES = 50_000
AUTOMATA = "pipeline_manager::runner::pipeline_automata"
LOGS_MODULE = "pipeline_manager::runner::pipeline_logs"
COMPILER = "pipeline_manager::compiler::main"
SERVER = "dbsp_adapters::server"
CONTROLLER = "dbsp_adapters::controller"


def timestamp(moment: datetime) -> str:
    """`2026-08-21T10:00:00.123456Z`: always six fraction digits."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond:06d}Z"


def manager_line(
    moment: datetime, level: str, module: str, text: str, pipeline_id: str, name: str
) -> str:
    """A control-plane line: `[manager] <ts> <LEVEL> <module>: <text> pipeline-id=… …`."""
    shown = name or "N/A"
    return (
        f"[manager] {timestamp(moment)} {level:>5} {module}: {text} "
        f'pipeline-id="{pipeline_id}" pipeline-name="{shown}"'
    )


def process_line(moment: datetime, level: str, target: str, text: str, name: str) -> str:
    """A line the pipeline process printed: `[<pipeline>] <ts> <LEVEL> <target>: <text>`."""
    return f"[{name}] {timestamp(moment)} {level:>5} {target}: {text}"


def db_spelling(status: str | None) -> str:
    """`InUse` → `in_use`; null → `(none)`, as the runner prints statuses."""
    if status is None:
        return "(none)"
    out = []
    for i, ch in enumerate(status):
        if ch.isupper() and i:
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


def _moment(*stamps: str | None) -> datetime:
    """The latest of some `_since` stamps (the transition's time), else now."""
    moments = [timeutil.parse_timestamp(s) for s in stamps if s]
    return max(moments) if moments else timeutil.now()


def transition_lines(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """Lines the runner, the compiler and the process print for one write of a pipeline row."""
    pid, name = after["id"], after["name"]
    lines = []

    def manager(moment: datetime, level: str, module: str, text: str) -> None:
        lines.append(manager_line(moment, level, module, text, pid, name))

    if before.get("program_status") != after["program_status"]:
        text = (
            f"Program compilation status: {db_spelling(before.get('program_status'))} -> "
            f"{db_spelling(after['program_status'])} (program version {after['program_version']})"
        )
        manager(_moment(after["program_status_since"]), "INFO", COMPILER, text)
    resources = "deployment_resources_status"
    if before.get(resources) != after[resources]:
        text = (
            f"Resources transition: {db_spelling(before.get(resources))} -> "
            f"{db_spelling(after[resources])} (desired: "
            f"{db_spelling(after['deployment_resources_desired_status'])})"
        )
        manager(_moment(after[f"{resources}_since"]), "INFO", AUTOMATA, text)
    runtime = "deployment_runtime_status"
    if before.get(runtime) != after[runtime]:
        moment = _moment(after[f"{runtime}_since"], after[f"{resources}_since"])
        text = (
            f"Runtime transition: {db_spelling(before.get(runtime))} -> "
            f"{db_spelling(after[runtime])} (desired: "
            f"{db_spelling(after['deployment_runtime_desired_status'])})"
        )
        manager(moment, "INFO", AUTOMATA, text)
        if before.get(runtime) == "Initializing" and after[runtime] in ("Running", "Paused"):
            lines.append(
                process_line(moment, "INFO", SERVER, "Pipeline initialization complete", name)
            )
    error = after.get("deployment_error")
    if error and error != before.get("deployment_error"):
        moment = _moment(after[f"{resources}_since"], after.get("deployment_status_since"))
        manager(moment, "ERROR", AUTOMATA, f"Deployment error: {error.get('message', '')}")
    return lines


def fresh_start_line(record: Mapping[str, Any]) -> str:
    """The first line of every pipeline's log."""
    moment = timeutil.parse_timestamp(record["created_at"])
    return manager_line(
        moment, "INFO", LOGS_MODULE, "Fresh start of pipeline logs", record["id"], record["name"]
    )


def discarded_line(record: Mapping[str, Any], count: int) -> str:
    """The warning a replay starts with when older lines were dropped."""
    text = (
        f"{count} prior log lines were discarded due to buffer constraints and are thus not shown."
    )
    return manager_line(timeutil.now(), "WARN", LOGS_MODULE, text, record["id"], record["name"])


def append(store: Store, pipeline_id: str, lines: list[str]) -> None:
    """Write lines to a pipeline's log, dropping the oldest beyond MAX_LINES."""
    if not lines:
        return
    last = store.logs.append(pipeline_id, lines)
    if last > MAX_LINES:
        store.logs.prune(pipeline_id, last - MAX_LINES + 1)
