"""Simulated Feldera SQL/Rust compiler: a pure function from program text to compile outcome."""

from __future__ import annotations

from dataclasses import dataclass

from app.compiler.directives import parse_directives
from app.compiler.lexer import SourceMap
from app.compiler.messages import SEMANTIC_ERROR
from app.compiler.messages import message_at
from app.compiler.schema import derive_program_info
from app.compiler.udf import rust_errors

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


def compile_program(program_code: str, udf_rust: str = "", udf_toml: str = "") -> CompileOutcome:
    """Simulate compiling a pipeline program, honouring `-- pipeline-store:` directives."""
    try:
        # Stored records may hold NULL for the optional UDF fields.
        return _compile(program_code or "", udf_rust or "", udf_toml or "")
    except Exception as err:
        # A simulator bug must not wedge a pipeline; upstream reports compiler crashes this way.
        message = f"pipeline-store's simulated compiler failed: {err!r}"
        return CompileOutcome("SystemError", None, None, "SystemError", None, message)


def _compile(program_code: str, udf_rust: str, udf_toml: str) -> CompileOutcome:
    sql = derive_program_info(program_code)
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
        compilation = {"exit_code": exit_code, "messages": [*sql.messages, *injected]}
        return CompileOutcome("SqlError", compilation, None, "SqlError", None, None)

    compilation = {"exit_code": 0, "messages": sql.messages}
    info = sql.program_info
    if directives.system_error is not None:
        return CompileOutcome(
            "SqlCompiled", compilation, info, "SystemError", None, directives.system_error
        )
    errors = [*directives.rust_errors, *rust_errors(sql.udf_names, udf_rust, udf_toml)]
    if errors:
        stderr = "".join(f"error: {line}\n" for line in errors)
        rust = {"exit_code": 1, "stdout": "", "stderr": stderr}
        return CompileOutcome("SqlCompiled", compilation, info, "RustError", rust, None)
    rust = {"exit_code": 0, "stdout": "", "stderr": ""}
    return CompileOutcome(
        "SqlCompiled", compilation, info, "Success", rust, None, directives.runtime_fault
    )
