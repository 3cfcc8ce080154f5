"""What the status page shows of a pipeline: badges, last change, timeline, errors, schema.

Pure functions of a pipeline as the API renders it (a dict); the templates only lay them out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from app.timeutil import parse_timestamp

# Badge colour of each status (anything else is neutral grey).
TONES = {
    "good": ("Running", "Success"),
    "busy": (
        "Pending", "CompilingSql", "SqlCompiled", "CompilingRust", "Provisioning",
        "Initializing", "Bootstrapping", "Replaying", "Stopping", "Suspending", "Clearing",
        "Unavailable", "Coordination",
    ),
    "wait": ("Paused", "Standby", "AwaitingApproval"),
    "bad": ("SqlError", "RustError", "SystemError"),
}  # fmt: skip
TONE_OF = {status: tone for tone, statuses in TONES.items() for status in statuses}

# The status timeline: each `*_since` stamp and what it dates.
TIMELINE = (
    ("created_at", "Created", None),
    ("program_status_since", "Program", "program_status"),
    ("deployment_status_since", "Deployment", "deployment_status"),
    ("deployment_desired_status_since", "Desired deployment", "deployment_desired_status"),
    ("deployment_resources_status_since", "Resources", "deployment_resources_status"),
    (
        "deployment_resources_desired_status_since",
        "Desired resources",
        "deployment_resources_desired_status",
    ),
    ("deployment_runtime_status_since", "Runtime", "deployment_runtime_status"),
    (
        "deployment_runtime_desired_status_since",
        "Desired runtime",
        "deployment_runtime_desired_status",
    ),
)


def tone(status: str | None) -> str:
    """The badge colour class of a status."""
    return TONE_OF.get(status or "", "idle")


def deployment_tone(pipeline: Mapping[str, Any]) -> str:
    """A deployment badge: red whenever the pipeline carries a deployment error."""
    return "bad" if pipeline.get("deployment_error") else tone(pipeline["deployment_status"])


def timeline(pipeline: Mapping[str, Any]) -> list[dict]:
    """The pipeline's dated statuses, latest first."""
    entries = []
    for stamp_field, label, status_field in TIMELINE:
        stamp = pipeline.get(stamp_field)
        if not stamp:
            continue
        status = pipeline.get(status_field) if status_field else None
        entries.append({"at": stamp, "what": label, "status": status, "tone": tone(status)})
    return sorted(entries, key=lambda entry: parse_timestamp(entry["at"]), reverse=True)


def event_rows(events: list[Mapping[str, Any]]) -> list[dict]:
    """Stored monitor events (newest first) as lines: when, what the statuses were, a badge."""
    rows = []
    for event in events:
        runtime = event.get("deployment_runtime_status")
        resources = event["deployment_resources_status"]
        parts = [f"resources {resources} (desired {event['deployment_resources_desired_status']})"]
        if runtime:
            parts.append(
                f"runtime {runtime} (desired {event['deployment_runtime_desired_status']})"
            )
        parts.append(f"program {event['program_status']}")
        parts.append(f"storage {event['storage_status']}")
        error = event.get("deployment_error") or {}
        shown = runtime or resources
        rows.append(
            {
                "at": event["recorded_at"],
                "what": ", ".join(parts),
                "status": shown,
                "tone": "bad" if event["deployment_has_error"] else tone(shown),
                "error": error.get("error_code"),
            }
        )
    return rows


def last_change(pipeline: Mapping[str, Any]) -> str:
    """The latest stamp of the timeline (the moment anything about the pipeline last moved)."""
    return timeline(pipeline)[0]["at"]


def shown_time(stamp: str) -> str:
    """A stamp as people read it: to the second, in UTC."""
    return parse_timestamp(stamp).strftime("%Y-%m-%d %H:%M:%S UTC")


def compile_errors(pipeline: Mapping[str, Any]) -> dict:
    """The compiler's complaints: SQL messages (with snippets), Rust stderr, a system error."""
    error = pipeline.get("program_error") or {}
    sql = error.get("sql_compilation") or {}
    rust = error.get("rust_compilation") or {}
    return {
        "sql": sql.get("messages") or [],
        "rust": rust.get("stderr") if rust.get("exit_code") else None,
        "system": error.get("system_error"),
    }


def relations(pipeline: Mapping[str, Any]) -> list[dict]:
    """Tables then views of the compiled program, each with its columns and types."""
    schema = (pipeline.get("program_info") or {}).get("schema") or {}
    found = []
    for kind, key in (("table", "inputs"), ("view", "outputs")):
        for relation in schema.get(key) or []:
            columns = [
                {"name": column["name"], "type": column_type(column.get("columntype") or {})}
                for column in relation.get("fields") or []
            ]
            name = relation.get("name") or {}
            found.append(
                {
                    "kind": kind,
                    "name": name.get("name") if isinstance(name, dict) else name,
                    "materialized": relation.get("materialized", False),
                    "columns": columns,
                }
            )
    return found


def column_type(columntype: Mapping[str, Any]) -> str:
    """A column type as SQL writes it: `VARCHAR NOT NULL`, `DECIMAL(10, 2)`."""
    name = str(columntype.get("type", "?"))
    precision, scale = columntype.get("precision"), columntype.get("scale")
    if name == "DECIMAL" and precision is not None:
        name += f"({precision}, {scale or 0})"
    elif precision not in (None, -1) and name in ("VARCHAR", "CHAR", "BINARY", "VARBINARY"):
        name += f"({precision})"
    return name if columntype.get("nullable", True) else f"{name} NOT NULL"


def pretty(value: Any) -> str:
    """A config as indented JSON (the template escapes it)."""
    return json.dumps(value, indent=2, ensure_ascii=False)
