"""`POST /v0/validate_program` as a pure function: the request's fields in, status and body out."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

from app.compiler.budget import Budget
from app.compiler.budget import BudgetExceeded
from app.compiler.program_info import derive_program_info

_VERSION = re.compile(r"v\d+\.\d+\.\d+")
_GIT_HASH = re.compile(r"[0-9a-f]{40}")
# The IR object's shape; pipeline-store plans nothing, so both parts are empty.
_EMPTY_IR = {"calcite_plan": {}, "mir": {}}
RUNTIME_VERSION_DISABLED = (
    "A custom runtime version was requested, but this Feldera instance does not have the "
    "'runtime_version' feature enabled."
)


@dataclass(frozen=True)
class ValidateProgramResult:
    """What the endpoint answers: an HTTP status and a JSON body.

    200 bodies are the externally tagged ValidateProgramResponse; the others are error
    envelopes `{message, error_code, details}` (400 InvalidRuntimeVersion, 504 CompilerTimeout).
    """

    status: int
    body: dict


def validate_program_response(
    program_code: str,
    runtime_version: str | None = None,
    ir: bool = False,
    *,
    deadline_seconds: float | None = None,
) -> ValidateProgramResult:
    """Compile the SQL only (no Rust, no pipeline) and answer as upstream does (spec §4)."""
    if runtime_version is not None:
        if not (_VERSION.fullmatch(runtime_version) or _GIT_HASH.fullmatch(runtime_version)):
            error = (
                f"The requested runtime version '{runtime_version}' is neither a valid version "
                "(vX.Y.Z) nor a valid git hash."
            )
            body = {
                "message": f"Invalid runtime version: {error}",
                "error_code": "InvalidRuntimeVersion",
                "details": {"error": error},
            }
            return ValidateProgramResult(400, body)
        # This instance, like a default upstream one, lacks the unstable feature.
        return ValidateProgramResult(200, {"SystemError": {"error": RUNTIME_VERSION_DISABLED}})
    try:
        sql = derive_program_info(program_code or "", Budget(deadline_seconds))
    except BudgetExceeded as err:
        if err.kind == "deadline":
            return ValidateProgramResult(504, _timeout(deadline_seconds))
        return ValidateProgramResult(200, {"SystemError": {"error": err.message}})
    if sql.program_info is None:
        info = {"exit_code": sql.exit_code, "messages": sql.reported}
        return ValidateProgramResult(200, {"SqlError": {"info": info}})
    # Upstream drops main_rust and udf_stubs, and the compile info (so no warnings).
    program_info = {
        "schema": sql.program_info["schema"],
        "output_connectors": sql.program_info["output_connectors"],
        "input_connectors": sql.program_info["input_connectors"],
        "dataflow": copy.deepcopy(_EMPTY_IR) if ir else None,
    }
    return ValidateProgramResult(200, {"Success": {"program_info": program_info}})


def _timeout(seconds: float) -> dict:
    return {
        "message": f"The compiler did not respond within the configured {seconds:g}s timeout.",
        "error_code": "CompilerTimeout",
        "details": {},
    }
