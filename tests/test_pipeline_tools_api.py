"""Events and the rest of the pipeline surface through the Flask test client (spec §10, §12)."""

import io
import json
import zipfile

import pytest

from tests.dataplane_api import JSON
from tests.dataplane_api import DataApi
from tests.dataplane_api import error_of

PROGRAM = """
CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v INT);
CREATE MATERIALIZED VIEW big AS SELECT id, v FROM t WHERE v > 10;
"""


@pytest.fixture
def api(tmp_path):
    api = DataApi(tmp_path)
    api.running("p", PROGRAM)
    return api


def get(api, path: str):
    return api.client.get(f"/v0/pipelines/p/{path}")


def post(api, path: str, body=None):
    return api.client.post(f"/v0/pipelines/p/{path}", json=body, headers=JSON)


def test_events_snapshot_each_status_change_newest_first(api):
    api.action("p", "stop", "force=true")
    events = get(api, "events").get_json()
    assert get(api, "events").headers["Cache-Control"] == "no-cache"
    first = events[-1]
    assert list(first) == [
        "event_id", "recorded_at", "deployment_resources_status",
        "deployment_resources_desired_status", "deployment_runtime_status",
        "deployment_runtime_desired_status", "deployment_has_error", "program_status",
        "storage_status",
    ]  # fmt: skip
    assert first["program_status"] == "Pending"
    resources = [e["deployment_resources_status"] for e in reversed(events)]
    assert resources[-1] == "Stopped" and "Provisioned" in resources
    full = get(api, f"events/{events[0]['event_id']}?selector=all").get_json()
    assert set(full) > set(events[0]) and "deployment_error" in full
    assert get(api, "events/latest").get_json() == events[0]
    error_of(get(api, "events/nope"), 400, "InvalidUuidParam")
    unknown = "01900000-0000-7000-8000-000000000000"
    error_of(get(api, f"events/{unknown}"), 404, "UnknownPipelineMonitorEvent")
    error_of(get(api, "events?selector=bogus"), 400, "InvalidQueryParameter")
    # A write that changes nothing records nothing.
    count = len(get(api, "events").get_json())
    api.client.patch("/v0/pipelines/p", json={"description": ""})
    assert len(get(api, "events").get_json()) == count


def test_the_status_page_lists_recent_events(api):
    html = api.client.get("/pipelines/p").get_data(as_text=True)
    section = html.split('id="events"')[1]
    assert "resources Provisioned (desired Provisioned), runtime Running" in section


def test_cluster_events_record_a_first_healthy_round(api):
    latest = api.client.get("/v0/cluster/events/latest?selector=all").get_json()
    assert latest["all_healthy"] is True
    assert latest["api_self_info"].startswith("Healthy: The api service")
    listed = api.client.get("/v0/cluster/events").get_json()
    assert listed == [{k: latest[k] for k in listed[0]}]
    assert "api_self_info" not in listed[0]
    error_of(api.client.get("/v0/cluster/events/" + "1" * 36), 400, "InvalidUuidParam")


def test_dataflow_graph_and_diff_come_from_the_program(api):
    graph = get(api, "dataflow_graph").get_json()
    nodes = graph["mir"]
    assert nodes["s0"] == {"operation": "source_map", "table": "t", "inputs": []}
    assert nodes["s1"]["inputs"] == [{"node": "s0", "output": 0}]
    changed = PROGRAM + "CREATE VIEW extra AS SELECT id FROM t;"
    diff = post(api, "diff", {"program_code": changed}).get_json()
    assert diff["program_diff"]["added_views"] == ["extra"]
    assert diff["program_diff"]["added_tables"] == []
    error_of(post(api, "diff", {"program_code": "CREATE VIEW"}), 400, "InvalidNewProgramSql")
    api.create("broken", "CREATE VIEW v AS SELECT * FROM nowhere;")
    error_of(api.client.get("/v0/pipelines/broken/dataflow_graph"), 404, "ProgramNotCompiled")


def test_support_bundle_zips_what_the_store_holds(api):
    response = get(api, "support_bundle?heap_profile=false")
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="p-support-bundle.zip"'
    )
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = archive.namelist()
    metadata = json.loads(archive.read("metadata.json"))
    assert set(metadata["collected"]) == {
        "logs", "pipeline_config", "stats", "dataflow_graph", "pipeline_events",
    }  # fmt: skip
    assert "heap_profile" not in metadata["failed"] and "circuit_profile" in metadata["failed"]
    logs = next(n for n in names if n.endswith("logs.txt"))
    assert "Fresh start of pipeline logs" in archive.read(logs).decode()
    error_of(get(api, "support_bundle?limit=0"), 400, "InvalidSupportBundleParameter")


def test_transactions_profiles_clock_and_checkpoints_in_the_open_source_edition(api):
    assert post(api, "start_transaction").get_json() == {"transaction_id": 1}
    error_of(post(api, "start_transaction"), 409, "TransactionInProgress")
    metrics = api.stats("p")["global_metrics"]
    assert (metrics["transaction_status"], metrics["transaction_id"]) == (
        "TransactionInProgress",
        1,
    )
    assert post(api, "commit_transaction").get_json() == "Transaction commit initiated"
    error_of(post(api, "commit_transaction"), 400, "NoTransactionInProgress")
    assert api.stats("p")["global_metrics"]["transaction_id"] == 0
    error_of(get(api, "heap_profile"), 400, "HeapProfilerError")
    error_of(get(api, "samply_profile"), 400, "NoSamplyProfile")
    error_of(post(api, "clock/advance", {"delta_ms": 5}), 400, "InvalidParam")
    profile = get(api, "circuit_json_profile").get_json()
    assert profile["tables"] == [{"name": "t", "rows": 0}]
    assert post(api, "start_compaction").status_code == 200
    assert get(api, "checkpoints").get_json() == []
    assert get(api, "checkpoint_status").get_json() == {"success": None, "failure": None}
    body = error_of(api.client.post("/v0/pipelines/any/checkpoint"), 501, "EnterpriseFeature")
    assert body["message"] == (
        "Cannot use enterprise-only feature (checkpoint) in Feldera community edition."
    )
    error_of(get(api, "checkpoints/remote"), 500, "CheckpointFetchError")


def test_enterprise_checkpoints_are_listed_and_numbered(tmp_path):
    api = DataApi(tmp_path, EDITION="enterprise")
    api.create("p", PROGRAM)
    api.client.patch(
        "/v0/pipelines/p", json={"runtime_config": {"storage": {"backend": {"name": "default"}}}}
    )
    api.action("p", "start")
    first = post(api, "checkpoint").get_json()
    assert first["checkpoint_sequence_number"] == 0
    assert post(api, "checkpoint").get_json()["checkpoint_sequence_number"] == 1
    status = get(api, f"checkpoint_status?incarnation_uuid={first['incarnation_uuid']}")
    assert status.get_json() == {"success": 1, "failure": None}
    error_of(get(api, "checkpoint_status?incarnation_uuid=x"), 400, "IncarnationUuidMismatch")
    assert len(get(api, "checkpoints").get_json()) == 2
    synced = post(api, "checkpoint/sync")
    assert synced.status_code == 202
    failure = get(api, "checkpoint/sync_status").get_json()["failure"]
    assert failure["uuid"] == synced.get_json()["checkpoint_uuid"]


def test_update_runtime_and_all_metrics(api):
    assert api.client.get("/v0/metrics").data.count(b'pipeline_name="p"') > 10
    info = post(api, "update_runtime").get_json()
    assert info["name"] == "p" and info["platform_version"] == "0.369.0"
    api.action("p", "stop", "force=true")
    assert api.client.get("/v0/metrics").data == b""
