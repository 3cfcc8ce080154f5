"""Simulated Feldera SQL/Rust compiler: a pure function from program text to compile outcome."""

from __future__ import annotations

from dataclasses import dataclass

from app.compiler.budget import Budget
from app.compiler.budget import BudgetExceeded
from app.compiler.directives import parse_directives
from app.compiler.lexer import SourceMap
from app.compiler.messages import SEMANTIC_ERROR
from app.compiler.messages import message_at
from app.compiler.program_info import derive_program_info
from app.compiler.rust_check import rust_compilation

__all__ = ["CompileOutcome", "compile_program"]


@dataclass(frozen=True)
class CompileOutcome:
    """Everything the lifecycle simulator writes at each compilation step (lifecycle.md A.2).

    `sql_status` is what the SQL phase ends in (SqlCompiled, SqlError or SystemError) and
    `final_status` what the whole compilation ends in (Success, SqlError, RustError or
    SystemError). `runtime_fault` is set only for a Success that a directive asked to fail at
    deployment time: {"kind": "provisioning-timeout"} or
    {"kind": "crash", "after_secs": float, "message": str}.
    """

    sql_status: str
    sql_compilation: dict | None
    program_info: dict | None
    final_status: str
    rust_compilation: dict | None
    system_error: str | None
    runtime_fault: dict | None = None

    def program_error_after_sql(self) -> dict:
        """Return the program_error to store when the SQL phase finishes."""
        system = self.system_error if self.sql_status == "SystemError" else None
        return {
            "sql_compilation": self.sql_compilation,
            "rust_compilation": None,
            "system_error": system,
        }

    def program_error_final(self) -> dict:
        """Return the program_error to store when compilation is over."""
        return {
            "sql_compilation": self.sql_compilation,
            "rust_compilation": self.rust_compilation,
            "system_error": self.system_error,
        }


def compile_program(
    program_code: str,
    udf_rust: str = "",
    udf_toml: str = "",
    *,
    pipeline_id: str | None = None,
    deadline_seconds: float | None = None,
) -> CompileOutcome:
    """Simulate compiling a pipeline program, honouring `-- pipeline-store:` directives.

    `pipeline_id` names the Rust crate in Rust errors; `deadline_seconds` bounds the compiler's
    work on top of its size limits (see `budget`). A program over the budget ends in
    SystemError, as upstream's compiler crashing on it would.
    """
    budget = Budget(deadline_seconds)
    try:
        # Stored records may hold NULL for the optional UDF fields.
        return _compile(program_code or "", udf_rust or "", udf_toml or "", pipeline_id, budget)
    except BudgetExceeded as err:
        return CompileOutcome("SystemError", None, None, "SystemError", None, err.message)
    except Exception as err:
        # A simulator bug must not wedge a pipeline; upstream reports compiler crashes this way.
        message = f"pipeline-store's simulated compiler failed: {err!r}"
        return CompileOutcome("SystemError", None, None, "SystemError", None, message)


def _compile(
    program_code: str, udf_rust: str, udf_toml: str, pipeline_id: str | None, budget: Budget
) -> CompileOutcome:
    sql = derive_program_info(program_code, budget)
    directives = parse_directives(sql.comments)
    source = SourceMap(program_code)
    injected = [
        message_at(source, SEMANTIC_ERROR, text, comment.start, comment.end)
        for text, comment in [*directives.invalid, *directives.sql_errors]
    ]
    if sql.program_info is None or injected:
        if directives.system_error is not None:
            return CompileOutcome(
                "SystemError", None, None, "SystemError", None, directives.system_error
            )
        exit_code = 1 if injected else sql.exit_code
        compilation = {"exit_code": exit_code, "messages": [*sql.reported, *injected]}
        return CompileOutcome("SqlError", compilation, None, "SqlError", None, None)

    compilation = {"exit_code": 0, "messages": sql.reported}
    info = sql.program_info
    if directives.system_error is not None:
        return CompileOutcome(
            "SqlCompiled", compilation, info, "SystemError", None, directives.system_error
        )
    if directives.rust_errors:
        stderr = "".join(f"error: {line}\n" for line in directives.rust_errors)
        rust = {"exit_code": 1, "stdout": "", "stderr": stderr}
        return CompileOutcome("SqlCompiled", compilation, info, "RustError", rust, None)
    failed = rust_compilation(sql.udfs, info["udf_stubs"], udf_rust, udf_toml, pipeline_id)
    if failed is not None:
        return CompileOutcome("SqlCompiled", compilation, info, "RustError", failed, None)
    rust = {"exit_code": 0, "stdout": "", "stderr": ""}
    return CompileOutcome(
        "SqlCompiled", compilation, info, "Success", rust, None, directives.runtime_fault
    )
