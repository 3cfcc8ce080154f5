"""Enterprise-only simulation: suspend, bootstrap approval and standby/activate (B.4, C)."""

import pytest

from tests.simulation import PROGRAM
from tests.simulation import Simulation
from tests.simulation import ts

CHANGED = PROGRAM + "\nCREATE TABLE t2 (x BIGINT);"
STANDBY_CONFIG = {
    "storage": {"backend": {"name": "file", "config": {"sync": {"bucket": "b/standby"}}}}
}


@pytest.fixture
def sim(tmp_path):
    return Simulation(tmp_path, EDITION="enterprise")


def suspend(sim: Simulation) -> dict:
    """Run p1, suspend it at 20 and return the stopped status (at 24)."""
    sim.running()
    assert sim.at(20).act("p1", "stop", "force=false") == "Pipeline is suspending"
    assert sim.act("p1", "stop") == "Pipeline is suspending"
    requested = sim.at(21).status()
    assert (requested["deployment_status"], requested["deployment_desired_status"]) == (
        "Running",
        "Suspended",
    )
    stopping = sim.at(23).status()
    assert (stopping["deployment_status"], stopping["deployment_desired_status"]) == (
        "Stopping",
        "Stopped",
    )
    assert stopping["deployment_error"] is None
    return sim.at(24).status()


def test_suspend_checkpoints_then_stops(sim):
    stopped = suspend(sim)
    assert (stopped["deployment_status"], stopped["storage_status"]) == ("Stopped", "InUse")
    (checkpoint,) = stopped["storage_status_details"]["checkpoints"]
    assert {"uuid", "fingerprint"} <= set(checkpoint)


def test_restart_with_an_unchanged_program_needs_no_approval(sim):
    suspend(sim)
    sim.at(30).act("p1", "start")
    assert sim.at(36).status()["deployment_status"] == "Running"


def test_changed_program_awaits_approval_with_a_diff(sim):
    suspend(sim)
    sim.at(25)
    assert sim.client.patch("/v0/pipelines/p1", json={"program_code": CHANGED}).status_code == 200
    assert sim.at(40).status()["program_status"] == "Success"
    sim.act("p1", "start")
    awaiting = sim.at(46).status()
    assert awaiting["deployment_status"] == "AwaitingApproval"
    diff = awaiting["deployment_runtime_status_details"]["approval_diff"]
    assert diff["program_diff"]["added_tables"] == ["t2"]
    assert diff["program_diff"]["modified_tables"] == []
    assert sim.act("p1", "approve", status=200) == "Bootstrap approved"
    assert sim.status()["deployment_status"] == "Bootstrapping"
    running = sim.at(48).status()
    assert (running["deployment_status"], running["deployment_status_since"]) == (
        "Running",
        ts(48),
    )
    assert len(running["storage_status_details"]["checkpoints"]) == 2
    assert sim.act("p1", "approve", status=200) == "Bootstrap approved"


def test_concurrent_bootstrap_synchronizes(sim):
    suspend(sim)
    sim.at(25).client.patch("/v0/pipelines/p1", json={"program_code": CHANGED})
    sim.at(40).act("p1", "start", "bootstrap_policy=allow&concurrent_bootstrap=true")
    assert sim.at(46).status()["deployment_status"] == "ConcurrentBootstrapping"
    assert sim.at(48).status()["deployment_status"] == "Synchronizing"
    assert sim.at(50).status()["deployment_status"] == "Running"


def test_reject_policy_fails_the_start(sim):
    suspend(sim)
    sim.at(25).client.patch("/v0/pipelines/p1", json={"program_code": CHANGED})
    sim.at(40).act("p1", "start", "bootstrap_policy=reject")
    failed = sim.at(46).status()
    assert failed["deployment_status"] == "Stopping"
    assert failed["deployment_error"]["error_code"] == "InitializationError"


def test_standby_then_activate(sim):
    sim.running(query="initial=standby", runtime_config=STANDBY_CONFIG)
    standby = sim.status()
    assert (standby["deployment_status"], standby["deployment_desired_status"]) == (
        "Standby",
        "Standby",
    )
    assert sim.at(20).act("p1", "activate") == "Pipeline transitioning from Standby to Running"
    assert sim.at(21).status()["deployment_status"] == "Initializing"
    assert sim.at(24).status()["deployment_status"] == "Running"


def test_open_source_standby_start_fails_to_initialise(tmp_path):
    sim = Simulation(tmp_path)
    sim.running(query="initial=standby", runtime_config=STANDBY_CONFIG)
    status = sim.status()
    assert status["deployment_status"] == "Stopping"
    assert status["deployment_error"]["error_code"] == "InitializationError"
