"""Two gunicorn workers, real clock: every worker reports the same lifecycle at every moment."""

import contextlib
import itertools
import time

import requests

from app.timeutil import parse_timestamp
from tests.server import gunicorn_server

PHASE = "0.3"
ENV = {
    "PIPELINE_STORE_SIMULATION_SCALE": "1",
    **{
        f"PIPELINE_STORE_{key}_SECONDS": PHASE
        for key in (
            "COMPILE_QUEUE",
            "COMPILE_SQL",
            "COMPILE_RUST_QUEUE",
            "COMPILE_RUST",
            "PROVISION",
            "INITIALIZE",
            "RUNTIME_CHANGE",
            "STOP",
            "CLEAR",
        )
    },
    "PIPELINE_STORE_RUNNER_SECONDS": "0.1",
}
STATE = (
    "refresh_version",
    "program_status",
    "program_status_since",
    "deployment_status",
    "deployment_status_since",
    "deployment_desired_status",
    "deployment_desired_status_since",
    "storage_status",
    "deployment_id",
)


class Poller:
    """Polls one pipeline through two worker processes in turn, recording every answer in order."""

    def __init__(self, base_urls: list[str]):
        self.base_urls = itertools.cycle(base_urls)
        self.session = requests.Session()
        self.seen: list[tuple] = []

    def state(self) -> dict:
        """GET the pipeline once and record its state."""
        body = self.session.get(f"{next(self.base_urls)}/v0/pipelines/p1?selector=status").json()
        self.seen.append(tuple(body[key] for key in STATE))
        return body

    def until(self, key: str, value: str, timeout: float = 20) -> None:
        """Poll as fast as possible until `key` has `value`."""
        deadline = time.monotonic() + timeout
        while self.state()[key] != value:
            assert time.monotonic() < deadline, f"{key} never became {value}: {self.seen[-1]}"

    def act(self, action: str, query: str = "") -> None:
        """POST an action the way the SDK does."""
        url = f"{next(self.base_urls)}/v0/pipelines/p1/{action}" + (f"?{query}" if query else "")
        response = self.session.post(url, headers={"Content-Type": "application/json"})
        assert response.status_code == 202, response.text


def test_workers_agree_on_every_state_of_a_lifecycle(tmp_path):
    # Two single-worker gunicorn servers on one database: unlike two workers behind one
    # socket, the client can be sure to alternate between the two processes.
    instance = tmp_path / "instance"
    with contextlib.ExitStack() as stack:
        servers = [
            stack.enter_context(gunicorn_server(instance, workers=1, env=ENV, log_name=name))
            for name in ("first", "second")
        ]
        base_urls = [base_url for base_url, _ in servers]
        program = "CREATE TABLE t (id INT NOT NULL PRIMARY KEY);"
        created = requests.post(
            f"{base_urls[0]}/v0/pipelines", json={"name": "p1", "program_code": program}
        )
        assert created.status_code == 201, created.text
        poller = Poller(base_urls)
        poller.until("program_status", "Success")
        poller.act("start")
        poller.until("deployment_status", "Running")
        poller.act("pause")
        poller.until("deployment_status", "Paused")
        poller.act("resume")
        poller.until("deployment_status", "Running")
        poller.act("stop", "force=true")
        poller.until("deployment_status", "Stopped")
        poller.act("clear")
        poller.until("storage_status", "Cleared")

    seen = poller.seen
    versions = [state[0] for state in seen]
    assert versions == sorted(versions), "refresh_version went backwards"
    # A worker lagging behind the other would make the client see a state it had left again.
    runs = [state for state, _ in itertools.groupby(seen)]
    assert len(runs) == len(set(runs)), "a state reappeared after it was left"
    for since in (2, 4, 6):
        stamps = [parse_timestamp(state[since]) for state in seen]
        assert stamps == sorted(stamps), f"{STATE[since]} went backwards"
    statuses = [state[3] for state in seen]
    distinct = [status for status, _ in itertools.groupby(statuses)]
    assert distinct == [
        "Stopped",
        "Provisioning",
        "Initializing",
        "Running",
        "Paused",
        "Running",
        "Stopping",
        "Stopped",
    ]
    programs = [status for status, _ in itertools.groupby(state[1] for state in seen)]
    assert programs[-1] == "Success"
    assert set(programs) <= {"Pending", "CompilingSql", "SqlCompiled", "CompilingRust", "Success"}
    for _, log_path in servers:
        polls = [line for line in log_path.read_text().splitlines() if "selector=" in line]
        # Polls and actions share the rotation, so each server gets about half of the polls.
        assert len(polls) >= len(seen) // 3, "the polls did not alternate between the workers"
