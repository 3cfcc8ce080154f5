"""The `deployment_error` bodies the simulated runner and pipeline process store."""

from __future__ import annotations

from datetime import timedelta


def error_body(message: str, error_code: str, details: dict) -> dict:
    """Return an error in upstream's `{message, error_code, details}` shape."""
    return {"message": message, "error_code": error_code, "details": details}


def start_failed_due_to_failed_compilation(program_status: str) -> dict:
    """T-E after an early start whose compilation failed (lifecycle.md B.3)."""
    return error_body(
        "Not possible to start the pipeline because the program failed to compile",
        "StartFailedDueToFailedCompilation",
        {"compiler_error": f"{program_status} occurred (see `program_error` for more information)"},
    )


def provisioning_timeout(timeout: timedelta) -> dict:
    """The runner gave up waiting for resources (`provisioning-timeout` directive)."""
    seconds = timeout.total_seconds()
    secs, nanos = int(seconds), round((seconds - int(seconds)) * 1e9)
    shown = f"{seconds:g}s"
    return error_body(
        f"Provisioning timed out: the pipeline was not provisioned within {shown}. This can "
        "happen when resources are scarce or the pipeline takes too long to start; check the "
        "pipeline logs.",
        "AutomatonProvisioningTimeout",
        {"timeout": {"secs": secs, "nanos": nanos}},
    )


def worker_panic(message: str) -> dict:
    """The process's error after a worker thread panicked (`crash-after` directive)."""
    location = {"file": "crates/dbsp/src/circuit/runtime.rs", "line": 1, "col": 1}
    return error_body(
        "One or more worker threads terminated unexpectedly\n"
        f"worker thread 0 panicked\npanic message: {message}\n"
        f"panic location: {location['file']}:{location['line']}:{location['col']}",
        "RuntimeError.WorkerPanic",
        {
            "panic_info": [
                [0, "Foreground", {"message": message, "location": location, "backtrace": ""}]
            ]
        },
    )


def initialization_error(reason: str) -> dict:
    """The process failed to initialise (bootstrap refused, standby in the open-source build)."""
    return error_body(
        f"Pipeline initialization failed: {reason}",
        "InitializationError",
        {"error": reason},
    )
