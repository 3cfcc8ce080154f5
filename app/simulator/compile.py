"""Simulated compilation: Pending → CompilingSql → SqlCompiled → CompilingRust → Success."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from app.compiler import CompileOutcome
from app.compiler import compile_program
from app.pipelines.records import EMPTY_PROGRAM_ERROR
from app.pipelines.records import trim_program_info
from app.simulator.model import Changes
from app.simulator.model import SimConfig
from app.simulator.model import Step
from app.simulator.model import base_time
from app.simulator.model import bump
from app.simulator.model import sim_state
from app.simulator.model import stamp

# What a consumed SQL phase no longer needs to keep in the row's private state (program_info
# is stored in its own column by then).
CONSUMED_BY_SQL_PHASE = ("sql_compilation", "program_info")


class OutcomeMissing(Exception):
    """The compile outcome of the row's program is not stored yet.

    Compiling can take long, so it never runs under the write lock: the catch-up computes the
    outcome first and stores it (`with_outcome`); a step that needs it waits until then.
    """


def compile_record(record: Mapping[str, Any], config: SimConfig) -> dict:
    """Run the (pure, simulated) compiler on the record's program; return the storable outcome."""
    outcome = compile_program(
        record["program_code"],
        record["udf_rust"],
        record["udf_toml"],
        pipeline_id=record["id"],
        deadline_seconds=config.compile_budget_seconds,
    )
    return {"program_version": record["program_version"], **dataclasses.asdict(outcome)}


def has_outcome(record: Mapping[str, Any]) -> bool:
    """Whether the outcome of the record's current program version is stored."""
    stored = sim_state(record).get("outcome")
    return bool(stored) and stored["program_version"] == record["program_version"]


def outcome_for(record: Mapping[str, Any]) -> dict:
    """Return the stored compile outcome of the record's current program version."""
    if not has_outcome(record):
        raise OutcomeMissing(record["id"])
    return sim_state(record)["outcome"]


def as_compile_outcome(stored: Mapping[str, Any]) -> CompileOutcome:
    """Rebuild the compiler's outcome object from its stored form."""
    names = {field.name for field in dataclasses.fields(CompileOutcome)}
    return CompileOutcome(**{key: value for key, value in stored.items() if key in names})


def with_outcome(record: Mapping[str, Any], outcome: dict) -> Changes:
    """Return the change that stores a computed outcome in the row's private state."""
    return {"simulation": {**sim_state(record), "outcome": outcome}}


def fingerprint(record: Mapping[str, Any]) -> int:
    """Return a stable 64-bit fingerprint of the program (what a checkpoint was made for)."""
    parts = [record["program_code"], record["udf_rust"], record["udf_toml"]]
    parts.append(json.dumps(record.get("program_config"), sort_keys=True))
    digest = hashlib.sha256("\0".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def compile_steps(record: Mapping[str, Any], config: SimConfig) -> list[Step]:
    """Return the compilation step due next, if any (only while resources are Stopped)."""
    # Upstream refuses program status writes unless resources are Stopped (lifecycle.md A.1).
    if record["deployment_resources_status"] != "Stopped":
        return []
    status = record["program_status"]
    since = base_time(record, record["program_status_since"])
    if status == "Pending":
        return [Step(since + config.compile_queue, lambda at: claim_sql(record, at))]
    if status == "CompilingSql":
        return [Step(since + config.compile_sql, lambda at: finish_sql(record, at))]
    if status == "SqlCompiled":
        return [Step(since + config.compile_rust_queue, lambda at: claim_rust(record, at))]
    if status == "CompilingRust":
        return [Step(since + config.compile_rust, lambda at: finish_rust(record, at))]
    return []


def claim_sql(record: Mapping[str, Any], at: datetime) -> Changes:
    """The SQL worker picks the program up (no refresh_version change)."""
    return {
        "program_status": "CompilingSql",
        "program_status_since": stamp(at),
        "program_error": dict(EMPTY_PROGRAM_ERROR),
        "program_info": None,
    }


def finish_sql(record: Mapping[str, Any], at: datetime) -> Changes:
    """The SQL phase ends in SqlCompiled (program_info set), SqlError or SystemError."""
    stored = outcome_for(record)
    outcome = as_compile_outcome(stored)
    sim = sim_state(record)
    sim["outcome"] = {**stored, **dict.fromkeys(CONSUMED_BY_SQL_PHASE)}
    compiled = outcome.sql_status == "SqlCompiled"
    return {
        "program_status": outcome.sql_status,
        "program_status_since": stamp(at),
        "program_error": outcome.program_error_after_sql(),
        "program_info": trim_program_info(outcome.program_info) if compiled else None,
        "simulation": sim,
        **bump(record),
    }


def claim_rust(record: Mapping[str, Any], at: datetime) -> Changes:
    """The Rust worker picks the program up; the SQL messages and program_info stay."""
    error = record["program_error"] or EMPTY_PROGRAM_ERROR
    return {
        "program_status": "CompilingRust",
        "program_status_since": stamp(at),
        "program_error": {**error, "rust_compilation": None, "system_error": None},
    }


def finish_rust(record: Mapping[str, Any], at: datetime) -> Changes:
    """The Rust phase ends in Success, RustError or SystemError."""
    outcome = outcome_for(record)
    error = record["program_error"] or EMPTY_PROGRAM_ERROR
    final = outcome["final_status"]
    if final not in ("Success", "RustError", "SystemError"):
        final = "Success"  # the SQL phase decided every other outcome already
    rust = outcome["rust_compilation"]
    if final == "Success" and rust is None:
        rust = {"exit_code": 0, "stdout": "", "stderr": ""}
    return {
        "program_status": final,
        "program_status_since": stamp(at),
        "program_error": {
            "sql_compilation": error.get("sql_compilation"),
            "rust_compilation": rust,
            "system_error": outcome["system_error"] if final == "SystemError" else None,
        },
        **bump(record),
    }
