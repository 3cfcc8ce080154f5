"""Every path and method of upstream's OpenAPI document is routed: none is UnknownEndpoint.

The list below is upstream's (feldera 0.369's `openapi.json`), written out here so the test
needs nothing outside the repository. Each is looked up in the app's own generated spec, and
called against a running pipeline, a stopped one and an unknown name: whatever the answer, it
is never `404 UnknownEndpoint` nor `405 MethodNotAllowed`.
"""

import re

import pytest

from tests.dataplane_api import DataApi

UPSTREAM = """
GET /config/authentication
GET POST /v0/api_keys
GET DELETE /v0/api_keys/{api_key_name}
GET /v0/cluster/events
GET /v0/cluster/events/{event_id}
GET /v0/cluster_healthz
GET /v0/config
GET /v0/config/demos
GET /v0/config/owners
GET /v0/config/session
GET /v0/metrics
GET POST /v0/oidc_trust
GET DELETE /v0/oidc_trust/{name}
GET POST /v0/pipelines
GET PUT DELETE PATCH /v0/pipelines/{pipeline_name}
POST /v0/pipelines/{pipeline_name}/activate
POST /v0/pipelines/{pipeline_name}/approve
POST /v0/pipelines/{pipeline_name}/checkpoint
POST /v0/pipelines/{pipeline_name}/checkpoint/sync
GET /v0/pipelines/{pipeline_name}/checkpoint/sync_status
GET /v0/pipelines/{pipeline_name}/checkpoint_status
GET /v0/pipelines/{pipeline_name}/checkpoints
GET /v0/pipelines/{pipeline_name}/checkpoints/remote
GET /v0/pipelines/{pipeline_name}/circuit_json_profile
GET /v0/pipelines/{pipeline_name}/circuit_profile
POST /v0/pipelines/{pipeline_name}/clear
POST /v0/pipelines/{pipeline_name}/clock/advance
POST /v0/pipelines/{pipeline_name}/commit_transaction
GET /v0/pipelines/{pipeline_name}/completion_status
GET /v0/pipelines/{pipeline_name}/dataflow_graph
POST /v0/pipelines/{pipeline_name}/diff
POST /v0/pipelines/{pipeline_name}/dismiss_error
POST /v0/pipelines/{pipeline_name}/egress/{table_name}
GET /v0/pipelines/{pipeline_name}/events
GET /v0/pipelines/{pipeline_name}/events/{event_id}
GET /v0/pipelines/{pipeline_name}/heap_profile
POST /v0/pipelines/{pipeline_name}/ingress/{table_name}
GET /v0/pipelines/{pipeline_name}/logs
GET /v0/pipelines/{pipeline_name}/metrics
POST /v0/pipelines/{pipeline_name}/pause
GET /v0/pipelines/{pipeline_name}/query
POST /v0/pipelines/{pipeline_name}/rebalance
POST /v0/pipelines/{pipeline_name}/resume
GET POST /v0/pipelines/{pipeline_name}/samply_profile
POST /v0/pipelines/{pipeline_name}/start
POST /v0/pipelines/{pipeline_name}/start_compaction
POST /v0/pipelines/{pipeline_name}/start_transaction
GET /v0/pipelines/{pipeline_name}/stats
POST /v0/pipelines/{pipeline_name}/stop
GET /v0/pipelines/{pipeline_name}/support_bundle
GET /v0/pipelines/{pipeline_name}/tables/{table_name}/connectors/{connector_name}/completion_token
GET /v0/pipelines/{pipeline_name}/tables/{table_name}/connectors/{connector_name}/stats
POST /v0/pipelines/{pipeline_name}/tables/{table_name}/connectors/{connector_name}/{action}
GET /v0/pipelines/{pipeline_name}/time_series
GET /v0/pipelines/{pipeline_name}/time_series_stream
POST /v0/pipelines/{pipeline_name}/update_runtime
GET /v0/pipelines/{pipeline_name}/views/{view_name}/connectors/{connector_name}/stats
GET POST /v0/tenant/users
PUT DELETE /v0/tenant/users/{user_id}
GET POST /v0/tenants
GET DELETE PATCH /v0/tenants/{tenant_id}
POST /v0/validate_program
"""
OPERATIONS = [
    (method, line.split()[-1])
    for line in UPSTREAM.split("\n")
    if line
    for method in line.split()[:-1]
]
SQL = (
    "CREATE TABLE t (id INT NOT NULL PRIMARY KEY);\nCREATE MATERIALIZED VIEW v AS SELECT * FROM t;"
)
# Values for path parameters; `pipeline_name` is set per pipeline below.
VALUES = {
    "table_name": "t",
    "view_name": "v",
    "connector_name": "c",
    "action": "start",
    "event_id": "latest",
    "api_key_name": "k",
    "name": "n",
    "user_id": "u",
    "tenant_id": "default",
}


def shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    api = DataApi(tmp_path_factory.mktemp("routes"), EGRESS_IDLE_SECONDS=0)
    api.running("live", SQL)
    api.create("idle", SQL)
    return api


def test_the_generated_spec_has_every_upstream_operation(api):
    spec = api.client.get("/openapi.json").get_json()
    ours = {(m.upper(), shape(p)) for p, ops in spec["paths"].items() for m in ops}
    missing = [(m, p) for m, p in OPERATIONS if (m, shape(p)) not in ours]
    assert missing == []


@pytest.mark.parametrize("pipeline", ["live", "idle", "nowhere"])
def test_no_upstream_operation_is_an_unknown_endpoint(api, pipeline):
    for method, template in OPERATIONS:
        path = template.format(**VALUES, pipeline_name=pipeline)
        response = api.client.open(path, method=method, json={}, query_string={"sql": "1"})
        body = response.get_json(silent=True) or {}
        code = body.get("error_code") if isinstance(body, dict) else None
        assert response.status_code != 405, (method, path)
        assert code not in ("UnknownEndpoint", "MethodNotAllowed"), (method, path, body)
        assert response.status_code < 500 or code in (
            "EnterpriseFeature",
            "SingleTenant",
            "PipelineInteractionNotDeployed",
            "SamplyProfilingFailure",
            "CheckpointFetchError",
        ), (method, path, body)
