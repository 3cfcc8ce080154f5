"""Upstream's data lifetime (spec §11): pause keeps, stop and clear wipe, a suspend keeps."""

import json

import pytest

from app.storage import open_app_store
from tests.conftest import BOTH_BACKENDS
from tests.dataplane_api import DataApi
from tests.dataplane_api import error_of

pytestmark = BOTH_BACKENDS

PROGRAM = """
CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v VARCHAR);
CREATE TABLE u (x INT) WITH ('materialized' = 'true');
CREATE MATERIALIZED VIEW n AS SELECT COUNT(*) AS c FROM t;
"""
# t keeps its schema, u changes, w is new.
CHANGED = """
CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v VARCHAR);
CREATE TABLE u (x BIGINT) WITH ('materialized' = 'true');
CREATE TABLE w (y INT) WITH ('materialized' = 'true');
CREATE MATERIALIZED VIEW n AS SELECT COUNT(*) AS c FROM t;
"""


def filled(api) -> str:
    api.push("p", "t", [{"id": 1, "v": "a"}, {"id": 2, "v": "b"}])
    api.push("p", "u", [{"x": 7}])
    return api.push("p", "t", [{"id": 3, "v": "c"}])


def counts(api) -> tuple[int, int]:
    (t,) = api.rows("p", "SELECT c FROM n")
    (u,) = api.rows("p", "SELECT COUNT(*) AS c FROM u")
    return t["c"], u["c"]


def token_status(api, token):
    return api.client.get("/v0/pipelines/p/completion_status", query_string={"token": token})


@pytest.fixture
def api(tmp_path, database):
    api = DataApi(tmp_path, database)
    api.running("p", PROGRAM)
    return api


@pytest.fixture
def enterprise(tmp_path, database):
    api = DataApi(tmp_path, database, EDITION="enterprise")
    api.running("p", PROGRAM)
    return api


def test_pause_and_resume_keep_everything(api):
    token = filled(api)
    before = api.stats("p")["global_metrics"]
    api.action("p", "pause")
    api.action("p", "resume")
    assert counts(api) == (3, 1)
    after = api.stats("p")["global_metrics"]
    assert after["incarnation_uuid"] == before["incarnation_uuid"]
    assert after["total_input_records"] == 4
    assert token_status(api, token).get_json()["status"] == "complete"


def test_a_stop_wipes_the_data_and_the_next_start_is_empty(api):
    token = filled(api)
    old = api.stats("p")["global_metrics"]["incarnation_uuid"]
    api.action("p", "stop", "force=true")
    api.action("p", "start")
    assert counts(api) == (0, 0)
    metrics = api.stats("p")["global_metrics"]
    assert metrics["incarnation_uuid"] != old
    assert (metrics["total_input_records"], metrics["total_initiated_steps"]) == (0, 1)
    body = error_of(token_status(api, token), 410, "PipelineRestarted")
    assert f"(incarnation uuid: {old})" in body["message"]
    assert body["details"] == {"error": body["message"]}


def test_enterprise_suspend_keeps_contents_and_counters(enterprise):
    token = filled(enterprise)
    old = enterprise.stats("p")["global_metrics"]
    enterprise.action("p", "stop", "force=false")
    assert enterprise.status("p") == "Stopped"
    enterprise.action("p", "start")
    assert counts(enterprise) == (3, 1)
    new = enterprise.stats("p")["global_metrics"]
    assert new["incarnation_uuid"] != old["incarnation_uuid"]
    assert new["total_input_records"] == old["total_input_records"] == 4
    assert new["total_initiated_steps"] == old["total_initiated_steps"]
    error_of(token_status(enterprise, token), 410, "PipelineRestarted")
    # Upserts still see the restored keys.
    enterprise.push("p", "t", [{"id": 1, "v": "z"}])
    assert counts(enterprise) == (3, 1)


def test_enterprise_force_stop_and_clear_wipe(enterprise):
    filled(enterprise)
    enterprise.action("p", "stop", "force=false")
    enterprise.action("p", "clear")
    enterprise.action("p", "start")
    assert counts(enterprise) == (0, 0)
    filled(enterprise)
    enterprise.action("p", "stop", "force=true")
    enterprise.action("p", "start")
    assert counts(enterprise) == (0, 0)


def test_a_changed_program_keeps_only_unchanged_tables(enterprise):
    filled(enterprise)
    enterprise.action("p", "stop", "force=false")
    response = enterprise.client.patch("/v0/pipelines/p", json={"program_code": CHANGED})
    assert response.status_code == 200, response.get_json()
    enterprise.action("p", "start", "bootstrap_policy=allow")
    assert enterprise.status("p") == "Running"
    assert counts(enterprise) == (3, 0)
    assert enterprise.rows("p", "SELECT COUNT(*) AS c FROM w") == [{"c": 0}]


def test_delete_removes_the_data_and_the_logs(api):
    filled(api)
    pid = api.client.get("/v0/pipelines/p").get_json()["id"]
    store = open_app_store(api.app)
    try:
        assert store.data.head(pid) is not None
        assert store.logs.bounds(pid)[1] > 3
        api.action("p", "stop", "force=true")
        assert store.data.head(pid) is None  # the stop already wiped the data
        api.action("p", "clear")
        response = api.client.delete("/v0/pipelines/p")
        assert response.status_code == 200
        assert store.logs.bounds(pid) == (0, 0)
    finally:
        store.close()


def test_an_imported_running_fixture_serves_an_empty_data_plane(tmp_path):
    api = DataApi(tmp_path)
    api.create("p", PROGRAM)
    record = api.client.get("/v0/pipelines/p?selector=all").get_json()
    record.update(
        name="fixture",
        id="01900000-0000-7000-8000-000000000001",
        storage_status="InUse",
        deployment_resources_status="Provisioned",
        deployment_resources_desired_status="Provisioned",
        deployment_runtime_status="Running",
        deployment_runtime_status_since="2025-01-01T00:00:01Z",
        deployment_runtime_desired_status="Running",
        deployment_runtime_desired_status_since="2025-01-01T00:00:01Z",
        deployment_status="Running",
        deployment_desired_status="Running",
    )
    for key in ("deployment_status_since", "deployment_desired_status_since"):
        record.pop(key)
    path = tmp_path / "fixture.json"
    path.write_text(json.dumps([record]))
    result = api.app.test_cli_runner().invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output
    assert api.status("fixture") == "Running"
    api.push("fixture", "t", [{"id": 1}])
    assert api.rows("fixture", "SELECT id, v FROM t") == [{"id": 1, "v": None}]
    assert api.stats("fixture")["global_metrics"]["total_input_records"] == 1
