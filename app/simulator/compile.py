"""Simulated compilation: Pending → CompilingSql → SqlCompiled → CompilingRust → Success."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from app.compiler import compile_program
from app.records import EMPTY_PROGRAM_ERROR
from app.records import trim_program_info
from app.simulator.model import Changes
from app.simulator.model import SimConfig
from app.simulator.model import Step
from app.simulator.model import base_time
from app.simulator.model import bump
from app.simulator.model import sim_state
from app.simulator.model import stamp

# What the later phases and the deployment need from a compilation, kept in the row's
# private state under the program_version it belongs to.
OUTCOME_KEYS = ("sql_status", "final_status", "rust_compilation", "system_error", "runtime_fault")


def compile_record(record: Mapping[str, Any]):
    """Run the (pure, simulated) compiler on the record's program."""
    return compile_program(record["program_code"], record["udf_rust"], record["udf_toml"])


def summarize(outcome, program_version: int) -> dict:
    """Return the storable part of a CompileOutcome."""
    return {"program_version": program_version} | {k: getattr(outcome, k) for k in OUTCOME_KEYS}


def outcome_for(record: Mapping[str, Any]) -> dict:
    """Return the compile outcome of the record's current program version."""
    stored = sim_state(record).get("outcome")
    if stored and stored["program_version"] == record["program_version"]:
        return stored
    # Imported or pre-simulator rows: the compiler is a pure function, so compute it again.
    return summarize(compile_record(record), record["program_version"])


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
    outcome = compile_record(record)
    sim = sim_state(record)
    sim["outcome"] = summarize(outcome, record["program_version"])
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
