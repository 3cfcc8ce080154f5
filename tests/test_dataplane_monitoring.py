"""Stats, connector stats, completion tokens, metrics, time series and logs (spec §3, §6-§8)."""

import base64
import json

import pytest

from tests.dataplane_api import DataApi
from tests.dataplane_api import error_of

PROGRAM = """
CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v VARCHAR) WITH (
  'connectors' = '[{"name": "feed", "transport": {"name": "kafka_input", "config": {}}}]'
);
CREATE TABLE plain (x INT);
CREATE MATERIALIZED VIEW v WITH (
  'connectors' = '[{"transport": {"name": "kafka_output", "config": {}}}]'
) AS SELECT * FROM t;
"""
GLOBAL_FIELDS = [
    "state", "bootstrap_in_progress", "transaction_status", "transaction_id",
    "transaction_msecs", "transaction_records", "commit_progress", "transaction_initiators",
    "concurrent_bootstrap_phase", "concurrent_bootstrap_progress", "rss_bytes",
    "memory_pressure", "memory_pressure_epoch", "cpu_msecs", "uptime_msecs", "start_time",
    "incarnation_uuid", "initial_start_time", "storage_bytes", "storage_mb_secs",
    "runtime_elapsed_msecs", "buffered_input_records", "buffered_input_bytes",
    "total_input_records", "total_input_bytes", "total_processed_records",
    "total_processed_bytes", "total_completed_records", "output_stall_msecs",
    "total_initiated_steps", "total_completed_steps", "pipeline_complete",
]  # fmt: skip


@pytest.fixture
def api(tmp_path):
    api = DataApi(tmp_path)
    api.running("p", PROGRAM)
    return api


def test_stats_is_a_full_controller_status_whose_counters_follow_ingress(api):
    first = api.stats("p")
    assert list(first) == [
        "global_metrics",
        "suspend_error",
        "checkpoint_activity",
        "permanent_checkpoint_errors",
        "inputs",
        "outputs",
    ]
    metrics = first["global_metrics"]
    assert list(metrics) == GLOBAL_FIELDS
    assert (metrics["total_initiated_steps"], metrics["total_input_records"]) == (1, 0)
    assert first["suspend_error"] == {"Permanent": ["EnterpriseFeature"]}
    assert [i["endpoint_name"] for i in first["inputs"]] == ["t.feed"]
    assert [o["endpoint_name"] for o in first["outputs"]] == ["v.unnamed-0"]
    # A streaming connector never ends: the pipeline is never complete.
    assert metrics["pipeline_complete"] is False
    api.push("p", "t", [{"id": 1}, {"id": 2}])
    api.ingress("p", "t", '{"id": 3}\n{"id": "x"}')
    after = api.stats("p")
    metrics = after["global_metrics"]
    assert metrics["total_input_records"] == metrics["total_completed_records"] == 3
    assert metrics["total_initiated_steps"] == metrics["total_completed_steps"] == 3
    assert metrics["buffered_input_records"] == 0
    ingress = [i for i in after["inputs"] if ".api-ingress-" in i["endpoint_name"]]
    assert [i["config"] for i in ingress] == [{"stream": "t"}, {"stream": "t"}]
    assert sorted(i["metrics"]["num_parse_errors"] for i in ingress) == [0, 1]
    assert "parse_errors" not in ingress[0]
    detailed = api.client.get("/v0/pipelines/p/stats?include_connector_errors=true").get_json()
    errors = [e for i in detailed["inputs"] for e in i.get("parse_errors", [])]
    assert len(errors) == 1 and errors[0]["tag"] == "text_event_err"


def test_ingress_only_pipelines_complete(tmp_path):
    api = DataApi(tmp_path)
    api.running("q", "CREATE TABLE t (x INT);")
    api.push("q", "t", [{"x": 1}])
    assert api.stats("q")["global_metrics"]["pipeline_complete"] is True


def test_status_with_connectors_counts_parse_errors(api):
    def listed():
        body = api.client.get("/v0/pipelines?selector=status_with_connectors").get_json()
        return body[0]["connectors"]

    assert listed() == {"num_errors": 0}
    api.ingress("p", "plain", '{"x": "a"}\n{"x": "b"}\n{"x": 3}')
    assert listed() == {"num_errors": 2}


def test_connector_stats_and_tokens(api):
    base = "/v0/pipelines/p/tables/T/connectors/feed"
    entry = api.client.get(f"{base}/stats").get_json()
    assert entry["endpoint_name"] == "t.feed"
    assert entry["parse_errors"] == [] and entry["transport_errors"] == []
    token = api.client.get(f"{base}/completion_token").get_json()["token"]
    decoded = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    assert decoded["c"] == 0 and set(decoded) == {"u", "e", "c"}
    status = api.client.get("/v0/pipelines/p/completion_status", query_string={"token": token})
    assert status.get_json()["status"] == "complete"
    missing = api.client.get("/v0/pipelines/p/tables/t/connectors/nope/stats")
    body = error_of(missing, 404, "UnknownInputEndpoint")
    assert body["message"] == "unknown input endpoint name 't.nope'"
    assert body["details"] == {"endpoint_name": "t.nope"}
    error_of(api.client.get("/v0/pipelines/p/tables/t/connectors/nope/completion_token"), 404,
             "UnknownInputEndpoint")  # fmt: skip
    output = api.client.get("/v0/pipelines/p/views/v/connectors/unnamed-0/stats").get_json()
    assert output["endpoint_name"] == "v.unnamed-0" and output["encode_errors"] == []
    error_of(api.client.get("/v0/pipelines/p/views/v/connectors/x/stats"), 404,
             "UnknownOutputEndpoint")  # fmt: skip


@pytest.mark.parametrize(
    ("token", "code", "fragment"),
    [
        ("%%%", "InvalidParam", "completion token is not a valid base64 string"),
        (
            base64.urlsafe_b64encode(b"{}").decode(),
            "InvalidParam",
            "error parsing completion token",
        ),
    ],
)
def test_bad_tokens(api, token, code, fragment):
    response = api.client.get("/v0/pipelines/p/completion_status", query_string={"token": token})
    body = error_of(response, 400, code)
    assert fragment in body["message"] and body["message"].startswith("Invalid parameter: ")


def test_tokens_of_unknown_endpoints_and_missing_tokens(api):
    stats = api.stats("p")["global_metrics"]
    raw = json.dumps({"u": stats["incarnation_uuid"], "e": 42, "c": 1}).encode()
    token = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    response = api.client.get("/v0/pipelines/p/completion_status", query_string={"token": token})
    body = error_of(response, 410, "UnknownEndpointInCompletionToken")
    assert body["details"] == {"endpoint_id": 42}
    body = error_of(api.client.get("/v0/pipelines/p/completion_status"), 400,
                    "InvalidQueryParameter")  # fmt: skip
    assert body["message"] == "Query deserialize error: missing field `token`"


def test_prometheus_metrics(api):
    api.push("p", "t", [{"id": 1}])
    response = api.client.get("/v0/pipelines/p/metrics")
    assert response.headers["Content-Type"] == "text/plain"
    text = response.data.decode()
    blocks = text.strip().split("\n\n")
    assert blocks[0].startswith("# HELP process_cpu_seconds_total ")
    names = [block.splitlines()[1].split()[2] for block in blocks]
    assert names.index("records_input_total") < names.index("dbsp_steps_total")
    assert names[-1] == "multihost_duplicate_exchange_messages_received_total"
    pid = api.client.get("/v0/pipelines/p").get_json()["id"]
    labels = f'pipeline="pipeline-{pid}",pipeline_name="p"'
    assert f"records_input_total{{{labels}}} 1\n" in text
    assert f'input_connector_records_total{{{labels},endpoint="t.feed"}} 0\n' in text
    assert f'dbsp_step_latency_seconds_bucket{{{labels},le="+Inf"}} 2\n' in text
    family = json.loads(api.client.get("/v0/pipelines/p/metrics?format=json").data)
    steps = next(f for f in family if f["key"] == "dbsp_step_latency_seconds")
    (value,) = steps["values"]
    assert value["value"]["count"] == 2 and "gt" not in value["value"]["buckets"][0]
    error_of(api.client.get("/v0/pipelines/p/metrics?format=xml"), 400, "InvalidQueryParameter")


def test_time_series_has_one_sample_per_second(api):
    api.push("p", "t", [{"id": 1}, {"id": 2}])
    body = api.client.get("/v0/pipelines/p/time_series").get_json()
    assert set(body) == {"now", "samples"}
    samples = body["samples"]
    assert 1 <= len(samples) <= 60
    assert all(set(s) == {"t", "r", "m", "s"} for s in samples)
    assert [b["t"] - a["t"] for a, b in zip(samples, samples[1:], strict=False)] == [1000] * (
        len(samples) - 1
    )
    stream = api.client.get("/v0/pipelines/p/time_series_stream")
    assert stream.headers["Content-Type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in stream.data.decode().splitlines()]
    assert lines and lines[0]["t"] == samples[0]["t"]


def test_logs_replay_transitions_and_ingress_and_work_when_stopped(api):
    api.ingress("p", "plain", '{"x": "a"}')
    api.action("p", "stop", "force=true")
    response = api.client.get("/v0/pipelines/p/logs")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    lines = response.data.decode().splitlines()
    assert "Fresh start of pipeline logs" in lines[0] and lines[0].startswith("[manager] ")
    text = "\n".join(lines)
    for expected in (
        "Resources transition: stopped -> provisioning (desired: provisioned)",
        "Runtime transition: initializing -> running (desired: running)",
        "Pipeline initialization complete",
        "HTTP input endpoint 'plain.api-ingress-",
        "failed to parse 1 record(s)",
        "Resources transition: stopping -> stopped (desired: stopped)",
    ):
        assert expected in text, expected
    assert int(response.headers["feldera-logs-seq"]) == 0
    error_of(api.client.get("/v0/pipelines/nope/logs"), 404, "UnknownPipelineName")


def test_logs_resume_from_a_cursor(api):
    first = api.client.get("/v0/pipelines/p/logs")
    epoch = first.headers["feldera-logs-epoch"]
    count = len(first.data.decode().splitlines())
    api.action("p", "pause")
    resumed = api.client.get("/v0/pipelines/p/logs", query_string={"cursor": f"{epoch}:{count}"})
    assert resumed.headers["feldera-logs-seq"] == str(count)
    assert resumed.headers["feldera-logs-gap"] == "0"
    new = resumed.data.decode().splitlines()
    assert new and all("paused" in line or "pause" in line for line in new)
    stale = api.client.get("/v0/pipelines/p/logs", query_string={"cursor": "other:5"})
    assert stale.headers["feldera-logs-seq"] == "0"


@pytest.mark.parametrize(
    "path", ["stats", "metrics", "time_series", "completion_status?token=x", "query?sql=SELECT%201"]
)
def test_every_route_answers_not_deployed_as_the_manager(api, path):
    api.create("idle", PROGRAM)
    response = api.client.get(f"/v0/pipelines/idle/{path}")
    error_of(response, 503, "PipelineInteractionNotDeployed")
    assert response.headers["Retry-After"] == "5"
