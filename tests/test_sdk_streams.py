"""Change streams and connectors through the official `feldera` SDK, across worker processes.

Two single-worker gunicorn servers share one database, so the listener (on one) and the
writer (on the other) are sure to be served by different processes: every change reaches the
stream through the store.
"""

import contextlib
import threading
import time
import uuid

import pandas as pd
import pytest
import requests

from tests.feldera_sdk import FelderaClient
from tests.feldera_sdk import Pipeline
from tests.feldera_sdk import PipelineBuilder
from tests.server import gunicorn_server

ENV = {
    "PIPELINE_STORE_SIMULATION_SCALE": "0",
    "PIPELINE_STORE_EGRESS_IDLE_SECONDS": "30",
}
SQL = """
CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v INT);
CREATE MATERIALIZED VIEW big AS SELECT id, v FROM t WHERE v > 10;
"""
DATAGEN = """
CREATE TABLE g (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR, at TIMESTAMP) WITH (
  'connectors' = '[{"name": "gen", "transport": {"name": "datagen", "config":
     {"plan": [{"limit": 40, "fields": {"name": {"values": ["a", "b"]}}}]}}}]'
);
CREATE MATERIALIZED VIEW names AS SELECT name, COUNT(*) AS n FROM g GROUP BY name;
"""
PAUSED = """
CREATE TABLE g (id INT NOT NULL PRIMARY KEY) WITH (
  'materialized' = 'true',
  'connectors' = '[{"name": "later", "paused": true, "transport": {"name": "datagen",
     "config": {"plan": [{"limit": 7}]}}}]'
);
"""
MISSING_FIELD = """
CREATE TABLE g (id INT NOT NULL PRIMARY KEY) WITH (
  'connectors' = '[{"transport": {"name": "datagen",
     "config": {"plan": [{"limit": 3, "fields": {"nope": {"values": [1]}}}]}}}]'
);
"""


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """Two threaded single-worker servers on one database: [(url, access log path)] * 2."""
    instance = tmp_path_factory.mktemp("sdk-streams")
    with contextlib.ExitStack() as stack:
        yield [
            stack.enter_context(gunicorn_server(instance, workers=1, env=ENV, log_name=name))
            for name in ("writer", "reader")
        ]


@pytest.fixture
def clients(servers):
    return [FelderaClient(url) for url, _ in servers]


def fresh(client, sql: str, start: bool = True) -> Pipeline:
    name = f"s-{uuid.uuid4().hex[:10]}"
    pipeline = PipelineBuilder(client, name, sql).create_or_replace()
    if start:
        pipeline.start()
    return pipeline


def test_listen_sees_inserts_and_deletes_made_through_another_worker_in_order(clients):
    writer = fresh(clients[0], SQL)
    reader = Pipeline.get(writer.name, clients[1])
    handle = reader.listen("big")  # returns once the first (keep-alive) chunk arrived
    writer.input_json("t", [{"id": 1, "v": 50}, {"id": 2, "v": 5}])
    writer.input_json("t", {"id": 3, "v": 30})
    token = writer.input_json("t", {"id": 1, "v": 1}, wait=False)  # upsert: leaves `big`
    handle.wait_for_token(token, timeout_s=20)
    rows = handle.to_dict()
    assert [(r["id"], r["v"], r["insert_delete"]) for r in rows] == [
        (1, 50, 1),
        (3, 30, 1),
        (1, 50, -1),
    ]
    writer.stop(force=True)


def test_foreach_chunk_gets_each_change_once(clients):
    writer = fresh(clients[0], SQL)
    reader = Pipeline.get(writer.name, clients[1])
    seen: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def callback(df: pd.DataFrame, seq: int) -> None:
        with lock:
            seen.extend((seq, row) for row in df.to_dict(orient="records"))

    reader.foreach_chunk("big", callback)
    for i in range(5):
        writer.input_json("t", {"id": i, "v": 100 + i})
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(seen) < 5:
        time.sleep(0.1)
    assert sorted(row["id"] for _, row in seen) == [0, 1, 2, 3, 4]
    sequence = [seq for seq, _ in seen]
    assert sequence == sorted(sequence) and len(set(sequence)) == 5
    writer.stop(force=True)


def test_a_datagen_pipeline_reaches_pipeline_complete(clients):
    pipeline = fresh(clients[0], DATAGEN)
    pipeline.wait_for_completion(timeout_s=30)
    other = Pipeline.get(pipeline.name, clients[1])
    counts = {r["name"]: r["n"] for r in other.query("SELECT name, n FROM names")}
    assert counts == {"a": 20, "b": 20}
    stats = other.input_connector_stats("g", "gen")
    assert stats.metrics.end_of_input is True
    assert stats.metrics.total_records == 40
    pipeline.stop(force=True)


def test_a_paused_connector_waits_until_started_through_the_api(clients):
    pipeline = fresh(clients[0], PAUSED)
    time.sleep(0.5)
    assert pipeline.input_connector_stats("g", "later").paused is True
    assert list(pipeline.query("SELECT COUNT(*) AS c FROM g")) == [{"c": 0}]
    assert pipeline.is_complete() is False
    other = Pipeline.get(pipeline.name, clients[1])
    other.start_input_connector("g", "later")
    pipeline.wait_for_completion(timeout_s=30)
    assert list(pipeline.query("SELECT COUNT(*) AS c FROM g")) == [{"c": 7}]
    pipeline.stop(force=True)


def test_a_datagen_field_the_table_lacks_fails_the_start_as_upstream(clients):
    pipeline = fresh(clients[0], MISSING_FIELD, start=False)
    with pytest.raises(RuntimeError) as failure:
        pipeline.start()
    text = str(failure.value)
    assert text.startswith("Unable to START the pipeline:\n")
    assert (
        "FATAL error on input endpoint 'g.unnamed-0': Field `nope` specified in datagen does "
        "not exist in the table schema.." in text
    )
    assert pipeline.deployment_error()["error_code"] == "InitializationError"


def test_events_record_a_compile_failure(clients):
    name = f"s-{uuid.uuid4().hex[:10]}"
    with pytest.raises(RuntimeError, match="failed to compile"):
        PipelineBuilder(clients[0], name, "CREATE VIEW v AS SELECT * FROM nowhere;").create()
    pipeline = Pipeline.get(name, clients[1])
    events = pipeline.events()
    assert events[0]["program_status"] == "SqlError"
    assert events[-1]["program_status"] == "Pending"  # the creation
    assert [e["recorded_at"] for e in events] == sorted(
        (e["recorded_at"] for e in events), reverse=True
    )
    latest = pipeline.event("latest", selector="all")
    assert latest["event_id"] == events[0]["event_id"]
    assert latest["deployment_error"] is None and "storage_status_details" in latest
    assert pipeline.event(events[-1]["event_id"]) == events[-1]


def test_a_client_that_leaves_ends_its_stream(clients, servers):
    writer = fresh(clients[0], SQL)
    url = servers[0][0]
    response = requests.post(
        f"{url}/v0/pipelines/{writer.name}/egress/big?format=json", stream=True, timeout=10
    )
    lines = response.iter_lines()  # kept: dropping it would close the connection
    assert next(lines)  # the first chunk
    assert len(writer.stats().outputs) == 1
    response.close()
    deadline = time.monotonic() + 10
    while writer.stats().outputs:
        assert time.monotonic() < deadline, "the stream outlived its client"
        time.sleep(0.1)
    writer.stop(force=True)
