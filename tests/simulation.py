"""Test helpers for the lifecycle simulator: a controllable clock and an API driver."""

import json
from datetime import UTC
from datetime import datetime
from datetime import timedelta

from app import create_app
from app.timeutil import format_timestamp

START = datetime(2030, 1, 1, tzinfo=UTC)

# Distinct whole seconds per phase, so every expected timestamp is easy to read.
TIMING = {
    "SIMULATION_SCALE": 1,
    "COMPILE_QUEUE_SECONDS": 1,
    "COMPILE_SQL_SECONDS": 2,
    "COMPILE_RUST_QUEUE_SECONDS": 1,
    "COMPILE_RUST_SECONDS": 4,
    "RUNNER_SECONDS": 1,
    "PROVISION_SECONDS": 2,
    "PROVISIONING_TIMEOUT_SECONDS": 20,
    "INITIALIZE_SECONDS": 3,
    "RUNTIME_CHANGE_SECONDS": 1,
    "BOOTSTRAP_SECONDS": 2,
    "SUSPEND_SECONDS": 2,
    "STOP_SECONDS": 1,
    "CLEAR_SECONDS": 1,
}
COMPILED_AT = 8  # created at 0: queue 1 + SQL 2 + queue 1 + Rust 4
PROGRAM = (
    "CREATE TABLE t1 (id INT NOT NULL PRIMARY KEY, name VARCHAR);\n"
    "CREATE MATERIALIZED VIEW v1 AS SELECT id FROM t1;"
)
STATUS_FIELDS = (
    "program_status",
    "program_status_since",
    "refresh_version",
    "storage_status",
    "storage_status_details",
    "deployment_error",
    "deployment_id",
    "deployment_initial",
    "deployment_status",
    "deployment_status_since",
    "deployment_desired_status",
    "deployment_desired_status_since",
    "deployment_resources_status",
    "deployment_resources_status_since",
    "deployment_resources_desired_status",
    "deployment_resources_desired_status_since",
    "deployment_runtime_status",
    "deployment_runtime_status_since",
    "deployment_runtime_status_details",
    "deployment_runtime_desired_status",
    "deployment_runtime_desired_status_since",
    "bootstrap_policy",
    "silent_bootstrap",
    "concurrent_bootstrap",
)


def ts(seconds: float) -> str:
    """Return the stored timestamp `seconds` after START."""
    return format_timestamp(START + timedelta(seconds=seconds))


class Clock:
    """A clock that moves only when told to; the app reads it through the CLOCK hook."""

    def __init__(self, moment: datetime = START):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


class Simulation:
    """An app on a temporary database whose clock the test sets, plus API shortcuts."""

    def __init__(self, tmp_path, database: str | None = None, **settings):
        """`database` is a DATABASE setting (the `database` fixture); default a file in tmp_path."""
        self.clock = Clock()
        self.app = create_app(
            {
                "TESTING": True,
                "DATABASE": database or str(tmp_path / "pipelines.sqlite3"),
                "SECRET_KEY": "test",
                "CLOCK": self.clock,
                **TIMING,
                **settings,
            }
        )
        self.client = self.app.test_client()

    def at(self, seconds: float) -> "Simulation":
        """Move the clock to `seconds` after START (never backwards in a test)."""
        self.clock.moment = START + timedelta(seconds=seconds)
        return self

    def create(self, name: str = "p1", program: str = PROGRAM, **body) -> dict:
        """Create a pipeline with POST at the current time."""
        response = self.client.post(
            "/v0/pipelines", json={"name": name, "program_code": program, **body}
        )
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def get(self, name: str = "p1", selector: str = "all") -> dict:
        """GET one pipeline."""
        response = self.client.get(f"/v0/pipelines/{name}?selector={selector}")
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def status(self, name: str = "p1") -> dict:
        """Return the lifecycle fields of a pipeline."""
        body = self.get(name)
        return {field: body[field] for field in STATUS_FIELDS}

    def post(self, name: str, action: str, query: str = ""):
        """POST an action the way the SDK does: JSON content type, no body."""
        url = f"/v0/pipelines/{name}/{action}" + (f"?{query}" if query else "")
        return self.client.post(url, headers={"Content-Type": "application/json"})

    def act(self, name: str, action: str, query: str = "", status: int = 202) -> str:
        """POST an action that must succeed; return its JSON string body."""
        response = self.post(name, action, query)
        assert response.status_code == status, response.get_json()
        assert response.mimetype == "application/json"
        return json.loads(response.data)

    def compiled(self, name: str = "p1", program: str = PROGRAM, **body) -> dict:
        """Create a pipeline at 0 and let it compile (the clock ends at COMPILED_AT)."""
        self.at(0).create(name, program, **body)
        self.at(COMPILED_AT)
        return self.status(name)

    def running(self, name: str = "p1", program: str = PROGRAM, query: str = "", **body) -> float:
        """Compile, start at 10 and return the moment it is running (16)."""
        self.compiled(name, program, **body)
        self.at(10).act(name, "start", query)
        self.at(16)
        return 16
