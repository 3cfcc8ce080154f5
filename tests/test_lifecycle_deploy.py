"""Deployment timelines of lifecycle.md B.6 and failure injection, field by field."""

import uuid

import pytest

from tests.conftest import BOTH_BACKENDS
from tests.simulation import COMPILED_AT
from tests.simulation import PROGRAM
from tests.simulation import Simulation
from tests.simulation import ts

COMPILED = {
    "program_status": "Success",
    "program_status_since": ts(COMPILED_AT),
    "refresh_version": 3,
    "storage_status": "Cleared",
    "storage_status_details": None,
    "deployment_error": None,
    "deployment_id": None,
    "deployment_initial": None,
    "deployment_status": "Stopped",
    "deployment_status_since": ts(0),
    "deployment_desired_status": "Stopped",
    "deployment_desired_status_since": ts(0),
    "deployment_resources_status": "Stopped",
    "deployment_resources_status_since": ts(0),
    "deployment_resources_desired_status": "Stopped",
    "deployment_resources_desired_status_since": ts(0),
    "deployment_runtime_status": None,
    "deployment_runtime_status_since": None,
    "deployment_runtime_status_details": None,
    "deployment_runtime_desired_status": None,
    "deployment_runtime_desired_status_since": None,
    "bootstrap_policy": None,
    "silent_bootstrap": False,
    "concurrent_bootstrap": False,
}
CONNECTOR_STATS = {"connector_stats": {"num_errors": 0}}

pytestmark = BOTH_BACKENDS


@pytest.fixture
def sim(tmp_path, database):
    return Simulation(tmp_path, database)


def starting(at: float, initial: str = "Running") -> dict:
    """The fields /start writes."""
    return {
        "deployment_initial": initial,
        "deployment_desired_status": initial,
        "deployment_desired_status_since": ts(at),
        "deployment_resources_desired_status": "Provisioned",
        "deployment_resources_desired_status_since": ts(at),
        "bootstrap_policy": "await_approval",
    }


def provisioning(at: float, refresh: int) -> dict:
    """T-1 (the deployment id is checked separately)."""
    return {
        "storage_status": "InUse",
        "deployment_status": "Provisioning",
        "deployment_status_since": ts(at),
        "deployment_resources_status": "Provisioning",
        "deployment_resources_status_since": ts(at),
        "refresh_version": refresh,
    }


def initializing(at: float, refresh: int, initial: str = "Running") -> dict:
    """T-2."""
    return {
        "deployment_status": "Initializing",
        "deployment_status_since": ts(at),
        "deployment_desired_status_since": ts(at),
        "deployment_resources_status": "Provisioned",
        "deployment_resources_status_since": ts(at),
        "deployment_runtime_status": "Initializing",
        "deployment_runtime_status_since": ts(at),
        "deployment_runtime_status_details": {"reason": "initializing set by the runner"},
        "deployment_runtime_desired_status": initial,
        "deployment_runtime_desired_status_since": ts(at),
        "refresh_version": refresh,
    }


def active(at: float, refresh: int, status: str = "Running") -> dict:
    """The first report after initialisation."""
    return {
        "deployment_status": status,
        "deployment_status_since": ts(at),
        "deployment_runtime_status": status,
        "deployment_runtime_status_since": ts(at),
        "deployment_runtime_status_details": CONNECTOR_STATS,
        "storage_status_details": {"checkpoints": []},
        "refresh_version": refresh,
    }


def check(sim: Simulation, expected: dict) -> dict:
    """Compare every lifecycle field; a fresh deployment id is checked to be a UUIDv7."""
    actual = sim.status()
    if expected["deployment_id"] == "new":
        assert uuid.UUID(actual["deployment_id"]).version == 7
        expected["deployment_id"] = actual["deployment_id"]
    assert actual == expected
    return expected


def run_to_running(sim: Simulation, initial: str = "Running", query: str = "") -> dict:
    """Timeline 1 from a compiled pipeline, asserted at every step; ends at 16."""
    expected = dict(COMPILED)
    assert sim.status() == expected
    assert sim.at(10).act("p1", "start", query) == "Pipeline is starting"
    expected.update(starting(10, initial))
    check(sim, expected)
    check(sim.at(10.999), expected)
    expected.update(provisioning(11, 4), deployment_id="new")
    check(sim.at(11), expected)
    expected.update(initializing(13, 5, initial))
    check(sim.at(13), expected)
    check(sim.at(15.9), expected)
    expected.update(active(16, 6, initial))
    return check(sim.at(16), expected)


def test_timeline_1_start_a_compiled_pipeline(sim):
    sim.compiled()
    run_to_running(sim)
    assert sim.get(selector="status_with_connectors")["connectors"] == {"num_errors": 0}


def test_timeline_1_initial_paused_ends_paused(sim):
    sim.compiled()
    expected = run_to_running(sim, "Paused", "initial=paused")
    assert expected["deployment_status"] == "Paused"


def test_timeline_2_early_start_waits_for_the_compiler(sim):
    sim.at(0).create()
    sim.at(1.5)
    assert sim.act("p1", "start") == "Pipeline is starting"
    status = sim.status()
    assert (status["deployment_status"], status["deployment_desired_status"]) == (
        "Stopped",
        "Running",
    )
    assert status["program_status"] == "CompilingSql"
    edit = sim.client.patch("/v0/pipelines/p1", json={"program_code": "CREATE TABLE x (y INT);"})
    assert edit.get_json()["error_code"] == "UpdateRestrictedToStopped"
    assert sim.at(8.5).status()["deployment_resources_status"] == "Stopped"
    at9 = sim.at(9).status()
    assert (at9["deployment_status"], at9["deployment_status_since"]) == ("Provisioning", ts(9))
    at14 = sim.at(14).status()
    assert (at14["deployment_status"], at14["deployment_status_since"]) == ("Running", ts(14))
    assert at14["refresh_version"] == 6


def test_timeline_2_early_start_of_a_failing_program_is_refused_by_the_runner(sim):
    sim.at(0).create(program=PROGRAM + "\n-- pipeline-store: rust-error nope")
    sim.at(1.5).act("p1", "start")
    expected = sim.at(8.5).status()
    assert expected["program_status"] == "RustError"
    assert expected["deployment_desired_status"] == "Running"
    expected.update(
        deployment_desired_status="Stopped",
        deployment_desired_status_since=ts(9),
        deployment_resources_desired_status="Stopped",
        deployment_resources_desired_status_since=ts(9),
        deployment_initial=None,
        bootstrap_policy=None,
        deployment_error={
            "message": "Not possible to start the pipeline because the program failed to compile",
            "error_code": "StartFailedDueToFailedCompilation",
            "details": {
                "compiler_error": "RustError occurred (see `program_error` for more information)"
            },
        },
        refresh_version=4,
    )
    check(sim.at(9), expected)
    # What the SDK reads as "Unable to START the pipeline".
    assert (expected["deployment_status"], expected["storage_status"]) == ("Stopped", "Cleared")
    assert expected["deployment_resources_status_since"] == ts(0)


def test_timeline_3_force_stop_from_running(sim):
    sim.compiled()
    expected = run_to_running(sim)
    assert sim.at(20).act("p1", "stop", "force=true") == "Pipeline is forcefully stopping"
    expected.update(
        deployment_desired_status="Stopped",
        deployment_desired_status_since=ts(20),
        deployment_resources_desired_status="Stopped",
        deployment_resources_desired_status_since=ts(20),
    )
    check(sim, expected)
    expected.update(
        deployment_status="Stopping",
        deployment_status_since=ts(21),
        deployment_resources_status="Stopping",
        deployment_resources_status_since=ts(21),
        deployment_runtime_status=None,
        deployment_runtime_status_since=None,
        deployment_runtime_status_details=None,
        deployment_runtime_desired_status=None,
        deployment_runtime_desired_status_since=None,
        deployment_initial=None,
        bootstrap_policy=None,
        refresh_version=7,
    )
    check(sim.at(21), expected)
    expected.update(
        deployment_status="Stopped",
        deployment_status_since=ts(22),
        deployment_resources_status="Stopped",
        deployment_resources_status_since=ts(22),
        deployment_id=None,
        refresh_version=8,
    )
    check(sim.at(22), expected)
    assert expected["storage_status"] == "InUse"
    assert expected["storage_status_details"] == {"checkpoints": []}
    assert "connectors" not in sim.get(selector="status_with_connectors")
    assert sim.act("p1", "stop", "force=true") == "Pipeline is forcefully stopping"
    check(sim.at(30), expected)


def test_timeline_4_stop_before_the_runner_acts(sim):
    sim.compiled()
    sim.at(10).act("p1", "start")
    sim.at(10.5).act("p1", "stop", "force=true")
    expected = {
        **COMPILED,
        "deployment_resources_desired_status_since": ts(10.5),
        "deployment_desired_status_since": ts(10.5),
    }
    check(sim.at(30), expected)


def test_timeline_5_runtime_crash_then_start_dismisses_the_error(sim):
    sim.running(program=PROGRAM + "\n-- pipeline-store: crash-after 5 worker exploded")
    assert sim.at(20.9).status()["deployment_status"] == "Running"
    crashed = sim.at(21).status()
    assert crashed["deployment_status"] == "Stopping"
    assert (crashed["deployment_desired_status"], crashed["deployment_desired_status_since"]) == (
        "Stopped",
        ts(21),
    )
    error = crashed["deployment_error"]
    assert error["error_code"] == "RuntimeError.WorkerPanic"
    assert "worker exploded" in error["message"]
    stopped = sim.at(22).status()
    assert (stopped["deployment_status"], stopped["deployment_error"]) == ("Stopped", error)
    assert stopped["refresh_version"] == 8
    refused = sim.at(30).post("p1", "start", "dismiss_error=false")
    assert refused.get_json()["error_code"] == "CannotStartWithUndismissedError"
    sim.act("p1", "start")
    assert sim.status()["deployment_error"] is None


def test_timeline_6_clear(sim):
    sim.running()
    sim.at(20).act("p1", "stop", "force=true")
    before = sim.at(25).status()
    assert sim.act("p1", "clear") == "Pipeline storage is being cleared"
    clearing = sim.status()
    assert (clearing["storage_status"], clearing["storage_status_details"]) == ("Clearing", None)
    assert clearing["refresh_version"] == before["refresh_version"]
    cleared = sim.at(26).status()
    assert (cleared["storage_status"], cleared["refresh_version"]) == (
        "Cleared",
        before["refresh_version"] + 1,
    )
    assert sim.act("p1", "clear") == "Pipeline storage is being cleared"
    assert sim.at(40).status() == cleared


def test_pause_and_resume_are_reflected_by_the_runner(sim):
    sim.running()
    body = sim.at(20).act("p1", "pause")
    assert body == "Pipeline transitioning from Running to Paused"
    assert sim.at(20.5).status()["deployment_status"] == "Running"
    paused = sim.at(21).status()
    assert {k: paused[k] for k in ("deployment_status", "deployment_desired_status")} == {
        "deployment_status": "Paused",
        "deployment_desired_status": "Paused",
    }
    assert paused["deployment_status_since"] == ts(21)
    assert paused["deployment_desired_status_since"] == ts(21)
    assert paused["deployment_runtime_status_details"] == CONNECTOR_STATS
    assert paused["deployment_initial"] == "Running"
    assert paused["refresh_version"] == 7
    assert sim.act("p1", "pause") == "Pipeline transitioning from Paused to Paused"
    assert sim.at(25).act("p1", "resume") == "Pipeline transitioning from Paused to Running"
    resumed = sim.at(26).status()
    assert (resumed["deployment_status"], resumed["refresh_version"]) == ("Running", 8)


def test_pause_during_initialisation_applies_when_it_ends(sim):
    sim.compiled()
    sim.at(10).act("p1", "start")
    assert sim.at(13.5).act("p1", "pause") == "Pipeline transitioning from Running to Paused"
    assert sim.at(14.5).status()["deployment_runtime_desired_status"] == "Paused"
    assert sim.at(16).status()["deployment_status"] == "Paused"


def test_repeated_start_is_a_no_op_and_does_not_resume(sim):
    sim.running()
    sim.at(20).act("p1", "pause")
    paused = sim.at(22).status()
    assert sim.act("p1", "start") == "Pipeline is starting"
    assert sim.at(30).status() == paused


@pytest.mark.parametrize(
    ("runtime_config", "fails_at"),
    [(None, 11 + 20), ({"provisioning_timeout_secs": 5}, 11 + 5)],
)
def test_provisioning_timeout(sim, runtime_config, fails_at):
    body = {"runtime_config": runtime_config} if runtime_config else {}
    sim.compiled(program=PROGRAM + "\n-- pipeline-store: provisioning-timeout", **body)
    sim.at(10).act("p1", "start")
    assert sim.at(fails_at - 0.5).status()["deployment_status"] == "Provisioning"
    failed = sim.at(fails_at).status()
    assert failed["deployment_status"] == "Stopping"
    assert failed["deployment_error"]["error_code"] == "AutomatonProvisioningTimeout"
    assert failed["deployment_desired_status"] == "Stopped"
    stopped = sim.at(fails_at + 1).status()
    assert (stopped["deployment_status"], stopped["storage_status"]) == ("Stopped", "InUse")
    assert stopped["deployment_error"] == failed["deployment_error"]


def test_scale_zero_makes_every_transition_immediate(tmp_path, database):
    sim = Simulation(tmp_path, database, SIMULATION_SCALE=0)
    sim.at(0).create()
    assert sim.status()["program_status"] == "Success"
    sim.act("p1", "start")
    running = sim.status()
    assert (running["deployment_status"], running["refresh_version"]) == ("Running", 6)
    sim.act("p1", "stop", "force=true")
    sim.act("p1", "clear")
    done = sim.status()
    assert (done["deployment_status"], done["storage_status"]) == ("Stopped", "Cleared")
