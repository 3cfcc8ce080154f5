"""Shared vocabulary of the simulator: timing, steps and helpers over stored records."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from typing import Any

from app.config import is_enterprise
from app.timeutil import format_timestamp
from app.timeutil import parse_timestamp

Changes = dict[str, Any]

# A key of Changes that is not a column: what a transition does to the pipeline's data plane
# (app/dataplane_service/transitions.py), applied in the transaction that writes the row.
DATA_EFFECTS = "data_effects"
# A process incarnation starts (fresh data, or what a suspend kept).
DATA_START = "start"
# The process ends without a checkpoint: its data is gone (spec dataplane.md §11).
DATA_STOP = "stop"
# The process ends after a suspend checkpoint: its data is kept for the next start.
DATA_SUSPEND = "suspend"
# Storage is cleared: kept data and checkpoints are deleted.
DATA_CLEAR = "clear"

# Another such key: the row's statuses after each step when one write merges several steps,
# so every transition still gets its log line (transitions.after_save).
STATUS_TRAIL = "status_trail"
TRAIL_FIELDS = (
    "program_status",
    "program_status_since",
    "program_version",
    "deployment_resources_status",
    "deployment_resources_status_since",
    "deployment_resources_desired_status",
    "deployment_runtime_status",
    "deployment_runtime_status_since",
    "deployment_runtime_desired_status",
    "deployment_error",
)

COMPILING = ("Pending", "CompilingSql", "SqlCompiled", "CompilingRust")
COMPILE_FAILED = ("SqlError", "RustError", "SystemError")


@dataclass(frozen=True)
class SimConfig:
    """Scaled phase delays and the edition, read from the app settings."""

    compile_queue: timedelta
    compile_sql: timedelta
    compile_rust_queue: timedelta
    compile_rust: timedelta
    runner: timedelta
    provision: timedelta
    provisioning_timeout: timedelta
    initialize: timedelta
    runtime_change: timedelta
    bootstrap: timedelta
    suspend: timedelta
    stop: timedelta
    clear: timedelta
    scale: float
    enterprise: bool
    # Not scaled: the compiler's real work budget (None: unbounded).
    compile_budget_seconds: float | None = None

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> SimConfig:
        """Build from a Flask config (the `*_SECONDS` settings times `SIMULATION_SCALE`)."""
        scale = max(0.0, float(settings["SIMULATION_SCALE"]))

        def delay(key: str) -> timedelta:
            return timedelta(seconds=max(0.0, float(settings[key])) * scale)

        return cls(
            compile_queue=delay("COMPILE_QUEUE_SECONDS"),
            compile_sql=delay("COMPILE_SQL_SECONDS"),
            compile_rust_queue=delay("COMPILE_RUST_QUEUE_SECONDS"),
            compile_rust=delay("COMPILE_RUST_SECONDS"),
            runner=delay("RUNNER_SECONDS"),
            provision=delay("PROVISION_SECONDS"),
            provisioning_timeout=delay("PROVISIONING_TIMEOUT_SECONDS"),
            initialize=delay("INITIALIZE_SECONDS"),
            runtime_change=delay("RUNTIME_CHANGE_SECONDS"),
            bootstrap=delay("BOOTSTRAP_SECONDS"),
            suspend=delay("SUSPEND_SECONDS"),
            stop=delay("STOP_SECONDS"),
            clear=delay("CLEAR_SECONDS"),
            scale=scale,
            enterprise=is_enterprise(settings),
            compile_budget_seconds=float(settings["COMPILE_BUDGET_SECONDS"]),
        )

    def scaled(self, seconds: float) -> timedelta:
        """Scale a delay given in seconds (fault directives, runtime_config timeouts)."""
        return timedelta(seconds=max(0.0, seconds) * self.scale)


@dataclass(frozen=True)
class Step:
    """A transition due at `at`; `apply(at)` returns the changes it writes."""

    at: datetime
    apply: Callable[[datetime], Changes]


def stamp(moment: datetime) -> str:
    """Format a transition time as the stored `*_since` value."""
    return format_timestamp(moment)


def base_time(record: Mapping[str, Any], *stamps: str | None) -> datetime:
    """Return the latest of `stamps` and of the moment the simulation took the row over.

    Delays count from here, so a touched fixture moves from the touch, not from its old times.
    """
    moments = [parse_timestamp(text) for text in (*stamps, record.get("simulated_since")) if text]
    return max(moments)


def sim_state(record: Mapping[str, Any]) -> dict:
    """Return a copy of the simulator's private state of a row."""
    return dict(record.get("simulation") or {})


def data_effect(effect: str) -> Changes:
    """Changes that record one effect on the data plane (settle keeps every effect in order)."""
    return {DATA_EFFECTS: [effect]}


def bump(record: Mapping[str, Any]) -> Changes:
    """Every transition a client can see adds 1 to refresh_version (lifecycle.md A.2, B.3)."""
    return {"refresh_version": record["refresh_version"] + 1}


def set_status(record: Mapping[str, Any], field: str, value: str | None, at: datetime) -> Changes:
    """Set a status and its `_since`: stamped only on a real change, null with a null status."""
    if value is None:
        return {field: None, f"{field}_since": None}
    if record[field] == value:
        return {field: value}
    return {field: value, f"{field}_since": stamp(at)}


def runtime_config_value(record: Mapping[str, Any], key: str) -> Any:
    """Return a key of the stored runtime_config (None when absent)."""
    return (record.get("runtime_config") or {}).get(key)


def storage_configured(record: Mapping[str, Any]) -> bool:
    """Whether the runtime has storage, which makes it report `storage_status_details`."""
    return runtime_config_value(record, "storage") is not None
