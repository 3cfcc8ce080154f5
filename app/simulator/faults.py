"""The `deployment_error` bodies the simulated runner and pipeline process store."""

from __future__ import annotations

from datetime import timedelta

from app import errors


def start_failed_due_to_failed_compilation(program_status: str) -> dict:
    """T-E after an early start whose compilation failed (lifecycle.md B.3)."""
    return errors.StartFailedDueToFailedCompilation(
        compiler_error=f"{program_status} occurred (see `program_error` for more information)"
    ).body()


def provisioning_timeout(timeout: timedelta) -> dict:
    """The runner gave up waiting for resources (`provisioning-timeout` directive)."""
    seconds = timeout.total_seconds()
    secs, nanos = int(seconds), round((seconds - int(seconds)) * 1e9)
    return errors.AutomatonProvisioningTimeout(
        shown=f"{seconds:g}s", timeout={"secs": secs, "nanos": nanos}
    ).body()


def worker_panic(message: str) -> dict:
    """The process's error after a worker thread panicked (`crash-after` directive)."""
    location = {"file": "crates/dbsp/src/circuit/runtime.rs", "line": 1, "col": 1}
    return errors.WorkerPanic(
        panic_message=message,
        location_text=f"{location['file']}:{location['line']}:{location['col']}",
        panic_info=[[0, "Foreground", {"message": message, "location": location, "backtrace": ""}]],
    ).body()


def initialization_error(reason: str) -> dict:
    """The process failed to initialise (bootstrap refused, standby in the open-source build)."""
    return errors.InitializationError(error=reason).body()
