"""`POST /v0/validate_program` as a pure function: the request's fields in, the 200 body out."""

from __future__ import annotations

import copy
import re

from app import errors
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


def validate_program(
    program_code: str,
    runtime_version: str | None = None,
    ir: bool = False,
    *,
    deadline_seconds: float | None = None,
) -> dict:
    """Compile the SQL only (no Rust, no pipeline); return the 200 body upstream answers (§4).

    The body is the externally tagged ValidateProgramResponse (`Success`, `SqlError` or
    `SystemError`). A malformed `runtime_version` raises InvalidRuntimeVersion (400), a
    compile past the deadline CompilerTimeout (504).
    """
    if runtime_version is not None:
        if not (_VERSION.fullmatch(runtime_version) or _GIT_HASH.fullmatch(runtime_version)):
            raise errors.InvalidRuntimeVersion(
                error=f"The requested runtime version '{runtime_version}' is neither a valid "
                "version (vX.Y.Z) nor a valid git hash."
            )
        # This instance, like a default upstream one, lacks the unstable feature.
        return {"SystemError": {"error": RUNTIME_VERSION_DISABLED}}
    try:
        sql = derive_program_info(program_code or "", Budget(deadline_seconds))
    except BudgetExceeded as err:
        if err.kind == "deadline":
            raise errors.CompilerTimeout(seconds=f"{deadline_seconds:g}") from None
        return {"SystemError": {"error": err.message}}
    if sql.program_info is None:
        return {"SqlError": {"info": {"exit_code": sql.exit_code, "messages": sql.reported}}}
    # Upstream drops main_rust and udf_stubs, and the compile info (so no warnings).
    program_info = {
        "schema": sql.program_info["schema"],
        "output_connectors": sql.program_info["output_connectors"],
        "input_connectors": sql.program_info["input_connectors"],
        "dataflow": copy.deepcopy(_EMPTY_IR) if ir else None,
    }
    return {"Success": {"program_info": program_info}}
