"""Simulation events for the log: what a settled row changed (compiles, deployments, faults).

A catch-up settles every step that fell due at once, so an event compares the stored row
before and after: a pipeline nobody polled while it started logs `Stopped -> Running`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from app.logs import event

log = logging.getLogger("app.simulation")

COMPILE_OUTCOMES = frozenset({"Success", "SqlError", "RustError", "SystemError"})
# A failure-injection comment (README "Failure injection"), however it is spelled.
DIRECTIVE = re.compile(r"--\s*pipeline-store\s*:", re.IGNORECASE)

Event = tuple[str, dict]


def transitions(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Event]:
    """The events between two versions of one stored pipeline."""
    name = new["name"]
    events = []
    program = new["program_status"]
    if program != old["program_status"] and program in COMPILE_OUTCOMES:
        fields = {"pipeline": name, "program_version": new["program_version"], "status": program}
        if program != "Success":
            fields["injected"] = injected(new)
        events.append(("compile", fields))
    if new["deployment_status"] != old["deployment_status"]:
        fields = {
            "pipeline": name,
            "from": old["deployment_status"],
            "to": new["deployment_status"],
            "desired": new["deployment_desired_status"],
            "at": new["deployment_status_since"],
        }
        events.append(("deployment", fields))
    error = new["deployment_error"]
    if error and error != old["deployment_error"]:
        fields = {
            "pipeline": name,
            "error_code": error.get("error_code"),
            "message": error.get("message"),
            "injected": injected(new),
        }
        events.append(("deployment_error", fields))
    return events


def injected(record: Mapping[str, Any]) -> bool:
    """Whether the program asks for a failure (a `-- pipeline-store:` directive)."""
    return DIRECTIVE.search(record.get("program_code") or "") is not None


def write(events: list[Event]) -> None:
    """Log and forget the events of a committed transaction."""
    for name, fields in events:
        level = logging.WARNING if name == "deployment_error" else logging.INFO
        event(log, name, level, **fields)
    events.clear()
