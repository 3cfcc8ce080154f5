"""Change streams and input connectors through the Flask test client (spec §5, §8, §9)."""

import json

import pytest

from tests.dataplane_api import DataApi
from tests.dataplane_api import error_of

PROGRAM = """
CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v INT);
CREATE TABLE bag (x INT);
CREATE MATERIALIZED VIEW big AS SELECT id, v FROM t WHERE v > 10;
CREATE VIEW plain AS SELECT id FROM t;
"""
DATAGEN = """
CREATE TABLE g (
  id BIGINT NOT NULL PRIMARY KEY, flag BOOLEAN, name VARCHAR, d DATE, ts TIMESTAMP,
  u UUID, xs INT ARRAY, m MAP<VARCHAR, INT>
) WITH ('materialized' = 'true', 'connectors' = '[
  {"name": "first", "transport": {"name": "datagen", "config": {"plan": [{"limit": 4}]}}},
  {"name": "empty", "transport": {"name": "datagen", "config": {"plan": [{"limit": 0}]}}},
  {"name": "kafka", "transport": {"name": "kafka_input", "config": {"topic": "x",
     "bootstrap.servers": "b"}}, "format": {"name": "json"}}
]');
"""


@pytest.fixture
def api(tmp_path):
    api = DataApi(tmp_path, EGRESS_IDLE_SECONDS=0.5)
    api.running("p", PROGRAM)
    return api


def stream(api, path: str):
    """Open a stream; return (response, the chunks it sends until it ends)."""
    response = api.client.post(f"/v0/pipelines/p/egress/{path}", buffered=False)
    assert response.status_code == 200, response.get_json()
    return response


def chunks(response) -> list[dict]:
    return [json.loads(line) for part in response.response for line in part.splitlines()]


def test_a_stream_sends_a_first_chunk_at_once_then_each_change_in_order(api):
    response = stream(api, "big?format=json")
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Content-Encoding"] == "identity"
    first = next(response.response)
    assert first == b'{"sequence_number":0,"snapshot":false}\r\n'
    api.push("p", "t", [{"id": 1, "v": 50}, {"id": 2, "v": 1}])
    api.push("p", "t", [{"id": 1, "v": 60}])
    api.push("p", "bag", [{"x": 1}])  # another relation: nothing for this stream
    sent = chunks(response)
    data = [c for c in sent if "json_data" in c]
    assert [c["json_data"] for c in data] == [
        [{"insert": {"id": 1, "v": 50}}],
        [{"delete": {"id": 1, "v": 50}}, {"insert": {"id": 1, "v": 60}}],
    ]
    numbers = [c["sequence_number"] for c in sent]
    assert numbers == list(range(1, len(sent) + 1))
    assert (
        max(c.get("processed_steps", 0) for c in sent)
        == api.stats("p")["global_metrics"]["total_completed_steps"]
    )


def test_csv_streams_carry_weights_and_snapshots_come_first(api):
    api.push("p", "t", [{"id": 1, "v": 50}, {"id": 2, "v": 20}])
    response = stream(api, "big?send_snapshot=true")  # csv is the default format
    snapshot = json.loads(next(response.response))
    assert snapshot["snapshot"] is True
    assert sorted(snapshot["text_data"].splitlines()) == ["1,50,1", "2,20,1"]
    api.push("p", "t", [{"id": 2, "v": 3}])
    texts = [c["text_data"] for c in chunks(response) if "text_data" in c]
    assert texts == ["2,20,-1\n"]


def test_streams_are_listed_in_stats_while_open(api):
    response = stream(api, "plain?format=json")
    outputs = api.stats("p")["outputs"]
    assert [o["config"]["stream"] for o in outputs] == ["plain"]
    assert outputs[0]["endpoint_name"].startswith("plain.api-")
    chunks(response)  # idle limit reached: the stream ends and leaves the stats
    assert api.stats("p")["outputs"] == []


def test_a_stream_ends_when_the_pipeline_stops(api):
    response = stream(api, "big?format=json")
    api.action("p", "stop", "force=true")
    assert all("json_data" not in c for c in chunks(response))


def test_egress_refusals_are_upstreams(api):
    body = error_of(
        api.client.post("/v0/pipelines/p/egress/nope"), 404, "ConfigError.UnknownOutputStream"
    )
    assert body["message"].startswith(
        "invalid controller configuration: Output endpoint 'nope.api-"
    )
    assert body["message"].endswith("specifies unknown output table or view 'nope'")
    error_of(
        api.client.post("/v0/pipelines/p/egress/plain?send_snapshot=true"),
        400,
        "ConfigError.InvalidTransportConfig",
    )
    error_of(
        api.client.post("/v0/pipelines/p/egress/big?format=xml"),
        400,
        "ConfigError.UnknownOutputFormat",
    )
    error_of(
        api.client.post("/v0/pipelines/p/egress/big?format=json&update_format=raw"),
        400,
        "ConfigError.OutputFormatNotSupported",
    )
    error_of(
        api.client.post("/v0/pipelines/p/egress/big?backpressure=yes"),
        400,
        "InvalidQueryParameter",
    )
    api.create("stopped", PROGRAM)
    error_of(
        api.client.post("/v0/pipelines/stopped/egress/big"), 503, "PipelineInteractionNotDeployed"
    )


def test_datagen_rows_follow_the_per_type_defaults_and_end_their_input(tmp_path):
    api = DataApi(tmp_path)
    api.running("g", DATAGEN)
    stats = api.stats("g")
    deadline = 50
    while not stats["inputs"][1]["metrics"]["end_of_input"] and deadline:
        stats, deadline = api.stats("g"), deadline - 1
    rows = api.rows("g", "SELECT * FROM g ORDER BY id")
    assert rows[1] == {
        "id": 1,
        "flag": True,
        "name": "1",
        "d": "1970-01-02",
        "ts": "1970-01-01T00:00:00.001",
        "u": "00000000-0000-0000-0000-000000000001",
        "xs": [0],
        "m": {},
    }
    assert [r["flag"] for r in rows] == [False, True, False, True]
    inputs = {i["endpoint_name"]: i for i in api.stats("g")["inputs"]}
    assert inputs["g.first"]["metrics"]["total_records"] == 4
    assert inputs["g.empty"]["metrics"]["end_of_input"] is True
    # Other transports are listed, running and idle: the pipeline never completes.
    assert inputs["g.kafka"]["metrics"] == {**inputs["g.kafka"]["metrics"], "total_records": 0}
    assert inputs["g.kafka"]["metrics"]["end_of_input"] is False
    assert api.stats("g")["global_metrics"]["pipeline_complete"] is False


def test_connector_actions(tmp_path):
    api = DataApi(tmp_path)
    api.running("g", DATAGEN)
    url = "/v0/pipelines/g/tables/g/connectors"
    body = error_of(api.client.post(f"{url}/first/stop"), 400, "InvalidConnectorAction")
    assert (
        body["message"] == "Invalid connector action 'stop'; valid actions are: 'start' or 'pause'"
    )
    error_of(api.client.post(f"{url}/nope/start"), 404, "UnknownInputEndpoint")
    paused = api.client.post(f"{url}/kafka/pause")
    assert (paused.status_code, paused.data) == (200, b"")
    entry = api.client.get(f"{url}/kafka/stats").get_json()
    assert entry["paused"] is True and entry["parse_errors"] == []
    assert api.client.post(f"{url}/kafka/pause").status_code == 200  # idempotent
    assert api.client.post(f"{url}/kafka/start").status_code == 200
    assert api.client.get(f"{url}/kafka/stats").get_json()["paused"] is False


def test_the_hundred_and_first_api_connection_is_refused(api):
    opened = [stream(api, "big") for _ in range(100)]
    body = error_of(api.client.post("/v0/pipelines/p/egress/big"), 429, "ApiConnectionLimit")
    assert body["details"] is None
    assert len(api.stats("p")["outputs"]) == 100
    for response in opened:
        response.close()


BAD_RANGE = """
CREATE TABLE b (x INT) WITH ('connectors' = '[{"name": "r", "transport": {"name": "datagen",
  "config": {"plan": [{"limit": 5, "fields": {"x": {"range": [5, 5]}}}]}}}]');
"""


def test_a_datagen_plan_that_cannot_run_stops_its_connector_with_the_reason(tmp_path):
    api = DataApi(tmp_path)
    api.running("b", BAD_RANGE)
    for _ in range(20):
        entry = api.stats("b")["inputs"][0]
        if entry["fatal_error"]:
            break
    assert entry["fatal_error"] == (
        "FATAL error on input endpoint 'b.r': Empty range, min >= max for field \"x\""
    )
    assert entry["metrics"]["total_records"] == 0
