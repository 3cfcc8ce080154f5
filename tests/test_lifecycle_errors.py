"""The lifecycle error table (lifecycle.md E), check order, query parsing and the OpenAPI."""

import pytest

from tests.simulation import PROGRAM
from tests.simulation import Simulation


@pytest.fixture
def sim(tmp_path):
    return Simulation(tmp_path)


@pytest.fixture
def enterprise(tmp_path):
    return Simulation(tmp_path, EDITION="enterprise")


def refused(sim: Simulation, name: str, action: str, query: str = "") -> tuple:
    """POST an action expected to fail; return (status, error_code, details)."""
    response = sim.post(name, action, query)
    body = response.get_json()
    assert set(body) == {"message", "error_code", "details"}
    assert body["message"]
    return response.status_code, body["error_code"], body["details"]


@pytest.mark.parametrize(
    ("action", "query"),
    [
        ("start", ""),
        ("stop", "force=true"),
        ("pause", ""),
        ("resume", ""),
        ("clear", ""),
        ("dismiss_error", ""),
        ("approve", ""),
    ],
)
def test_unknown_pipeline(sim, action, query):
    assert refused(sim, "nope", action, query) == (
        404,
        "UnknownPipelineName",
        {"pipeline_name": "nope"},
    )


@pytest.mark.parametrize(
    ("action", "query", "expected"),
    [
        ("start", "initial=bogus", (405, "UnsupportedPipelineAction")),
        (
            "start",
            "silent_bootstrap=true&concurrent_bootstrap=true",
            (400, "InvalidBootstrapConfig"),
        ),
        (
            "approve",
            "silent_bootstrap=true&concurrent_bootstrap=true",
            (400, "InvalidBootstrapConfig"),
        ),
        ("stop", "", (501, "EnterpriseFeature")),
        ("stop", "force=false", (501, "EnterpriseFeature")),
        ("activate", "", (501, "EnterpriseFeature")),
        ("start", "dismiss_error=yes", (400, "InvalidQueryParameter")),
        ("start", "bootstrap_policy=sometimes", (400, "InvalidQueryParameter")),
        ("stop", "force=1", (400, "InvalidQueryParameter")),
    ],
)
def test_checks_made_before_the_lookup(sim, action, query, expected):
    assert refused(sim, "nope", action, query)[:2] == expected


def test_unsupported_initial_details(sim):
    status, code, details = refused(sim, "nope", "start", "initial=bogus")
    assert details == {
        "action": "/start?initial=bogus",
        "reason": "unknown initial runtime desired status: bogus",
    }


def test_enterprise_feature_details(sim):
    assert refused(sim, "nope", "stop")[2] == {"feature": "stop?force=false"}


def test_bad_query_message_is_upstreams(sim):
    response = sim.post("nope", "start", "bootstrap_policy=sometimes")
    assert response.get_json()["message"] == (
        "Query deserialize error: unknown variant `sometimes`, expected one of `allow`, "
        "`reject`, `await_approval`"
    )


def test_illegal_start_while_stopping(sim):
    sim.running()
    sim.at(20).act("p1", "stop", "force=true")
    hint = (
        "Cannot restart the pipeline while it is stopping. Wait for it to stop before starting "
        "a new instance of the pipeline."
    )
    expected = (
        400,
        "IllegalPipelineAction",
        {
            "status": "Running",
            "current_desired_status": "Stopped",
            "new_desired_status": "Provisioned",
            "hint": hint,
        },
    )
    # Stop requested but not acted on yet, then Stopping.
    expected[2]["status"] = "Provisioned"
    assert refused(sim, "p1", "start") == expected
    expected[2]["status"] = "Stopping"
    assert refused(sim.at(21), "p1", "start") == expected


def test_start_refusals(sim):
    sim.running(program=PROGRAM + "\n-- pipeline-store: crash-after 1")
    sim.at(17.5)  # crashed at 17, Stopping until 18
    assert refused(sim, "p1", "dismiss_error") == (400, "DismissErrorRestrictedToFullyStopped", {})
    sim.at(18)
    assert refused(sim, "p1", "start", "dismiss_error=false") == (
        400,
        "CannotStartWithUndismissedError",
        {},
    )
    assert sim.act("p1", "dismiss_error", status=200) == (
        "Pipeline deployment error has been dismissed"
    )
    sim.act("p1", "clear")
    assert refused(sim, "p1", "start") == (400, "CannotStartWhileClearingStorage", {})


def test_start_of_a_failed_program(sim):
    sim.compiled(program="CREATE TABLE broken (;")
    assert refused(sim, "p1", "start") == (400, "CannotStartWithCompilationError", {})


def test_initial_and_bootstrap_are_immutable_until_stopped(sim):
    sim.compiled()
    sim.at(10).act("p1", "start", "bootstrap_policy=allow")
    assert refused(sim, "p1", "start", "initial=paused&bootstrap_policy=allow") == (
        400,
        "InitialImmutableUnlessStopped",
        {"current": "Running", "new": "Paused"},
    )
    status, code, details = refused(sim, "p1", "start")
    assert (status, code) == (400, "BootstrapPolicyImmutableUnlessStopped")
    assert details["current"]["bootstrap_policy"] == "allow"
    assert details["new"]["bootstrap_policy"] == "await_approval"
    assert sim.act("p1", "start", "bootstrap_policy=allow") == "Pipeline is starting"


def test_standby_needs_file_storage_with_sync(sim):
    sim.compiled()
    assert refused(sim, "p1", "start", "initial=standby") == (400, "InitialStandbyNotAllowed", {})


def test_forwarded_calls_need_a_provisioned_pipeline(sim):
    sim.compiled()
    for action in ("pause", "resume", "approve"):
        response = sim.post("p1", action)
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        body = response.get_json()
        assert body["error_code"] == "PipelineInteractionNotDeployed"
        assert body["details"] == {
            "pipeline_name": "p1",
            "status": "Stopped",
            "desired_status": "Stopped",
        }
        assert "deployment status (stopped)" in body["message"]


def test_clear_refused_unless_fully_stopped(sim):
    sim.running()
    assert refused(sim, "p1", "clear") == (
        400,
        "StorageStatusImmutableUnlessStopped",
        {
            "resources_status": "Provisioned",
            "resources_desired_status": "Provisioned",
            "current_status": "InUse",
            "new_status": "Clearing",
        },
    )


def test_clear_of_cleared_storage_is_accepted_during_an_early_start(sim):
    sim.at(0).create()
    sim.at(1).act("p1", "start")
    assert sim.act("p1", "clear") == "Pipeline storage is being cleared"


def test_dismiss_error_without_error_is_fine(sim):
    sim.compiled()
    assert sim.act("p1", "dismiss_error", status=200) == (
        "Pipeline deployment error has been dismissed"
    )


def test_refused_actions_change_nothing(sim):
    sim.running()
    before = sim.at(17).status()
    refused(sim, "p1", "clear")
    refused(sim, "p1", "start", "initial=paused")
    assert sim.status() == before


def test_enterprise_process_refusals(enterprise):
    runtime_config = {
        "storage": {"backend": {"name": "file", "config": {"sync": {"bucket": "b/standby"}}}}
    }
    enterprise.running(query="initial=standby", runtime_config=runtime_config)
    assert enterprise.status()["deployment_status"] == "Standby"
    assert refused(enterprise, "p1", "pause") == (400, "InvalidTransition", {})
    assert refused(enterprise, "p1", "stop", "force=false")[:2] == (400, "InvalidTransition")
    assert refused(enterprise, "p1", "activate", "initial=bogus")[:2] == (
        400,
        "InvalidActivateStatus",
    )


def test_suspend_needs_storage(enterprise):
    enterprise.running(runtime_config={"storage": None})
    assert refused(enterprise, "p1", "stop", "force=false")[:2] == (
        405,
        "UnsupportedPipelineAction",
    )


def test_openapi_documents_the_actions(sim):
    spec = sim.client.get("/openapi.json").get_json()
    operations = {
        "start": ("post_pipeline_start", {"initial", "bootstrap_policy", "dismiss_error"}),
        "stop": ("post_pipeline_stop", {"force"}),
        "pause": ("post_pipeline_pause", set()),
        "resume": ("post_pipeline_resume", set()),
        "clear": ("post_pipeline_clear", set()),
        "dismiss_error": ("post_pipeline_dismiss_error", set()),
        "approve": ("post_pipeline_approve", {"silent_bootstrap", "concurrent_bootstrap"}),
        "activate": ("post_pipeline_activate", {"initial"}),
    }
    for action, (operation_id, params) in operations.items():
        operation = spec["paths"][f"/v0/pipelines/{{pipeline_name}}/{action}"]["post"]
        assert operation["operationId"] == operation_id
        query = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        assert params <= query
        assert "404" in operation["responses"]
        assert operation["summary"]
