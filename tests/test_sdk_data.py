"""The data plane through the official `feldera` SDK, end to end, across worker processes.

Two single-worker gunicorn servers (threaded, as `pipeline-store serve` runs) share one
database, so a client of each is sure to talk to a different process: rows go in through
one and are read through the other. The simulation is immediate; the SDK's own polling
loops still run (completion tokens, `wait_for_completion`, start and stop waits).
"""

import contextlib
import json
import time
import uuid
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import requests
import simple_websocket

from tests.feldera_sdk import FelderaAPIError
from tests.feldera_sdk import FelderaClient
from tests.feldera_sdk import Pipeline
from tests.feldera_sdk import PipelineBuilder
from tests.server import gunicorn_server

ENV = {
    "PIPELINE_STORE_SIMULATION_SCALE": "0",
    "PIPELINE_STORE_STREAM_FOLLOW_SECONDS": "20",
    "PIPELINE_STORE_INGRESS_PAUSED_WAIT_SECONDS": "1",
}
SQL = """
CREATE TABLE customers (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR NOT NULL);
CREATE TABLE orders (
    id INT NOT NULL, customer BIGINT, amount DECIMAL(10, 2), placed TIMESTAMP, paid BOOLEAN
) WITH ('materialized' = 'true');
CREATE MATERIALIZED VIEW big_orders AS SELECT id, amount FROM orders WHERE amount > 100;
CREATE MATERIALIZED VIEW spend AS
    SELECT c.name, COUNT(*) AS orders, SUM(o.amount) AS total
    FROM orders o JOIN customers c ON o.customer = c.id
    GROUP BY c.name;
CREATE VIEW unpaid AS SELECT id FROM orders WHERE NOT paid;
"""


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """Two threaded single-worker servers on one database: [(url, access log path)] * 2."""
    instance = tmp_path_factory.mktemp("sdk-data")
    with contextlib.ExitStack() as stack:
        yield [
            stack.enter_context(gunicorn_server(instance, workers=1, env=ENV, log_name=name))
            for name in ("writer", "reader")
        ]


@pytest.fixture
def pipelines(servers, request):
    """The same fresh running pipeline as seen through each server: (writer's, reader's)."""
    name = f"data-{request.node.name[5:30].replace('_', '-')}-{uuid.uuid4().hex[:6]}"
    writer_client, reader_client = (FelderaClient(url) for url, _ in servers)
    writer = PipelineBuilder(writer_client, name, SQL).create_or_replace()
    writer.start()
    yield writer, Pipeline.get(name, reader_client)
    writer.stop(force=True)


def customers(pipeline) -> None:
    pipeline.input_json("customers", {"id": 1, "name": "ann"})
    pipeline.input_json("customers", [{"id": 2, "name": "bob"}, {"id": 3, "name": "cy"}])


ORDERS = [
    {"id": 10, "customer": 1, "amount": 50, "placed": "2024-01-01 10:00:00", "paid": True},
    {"id": 11, "customer": 1, "amount": 150.5, "placed": "2024-01-02 11:00:00", "paid": False},
    {"id": 12, "customer": 2, "amount": 300, "placed": None, "paid": True},
]


def test_input_json_then_every_query_form_on_the_other_worker(pipelines, tmp_path):
    writer, reader = pipelines
    customers(writer)
    writer.input_json("orders", ORDERS)
    assert list(reader.query("SELECT * FROM big_orders ORDER BY id")) == [
        {"id": 11, "amount": Decimal("150.50")},
        {"id": 12, "amount": Decimal("300.00")},
    ]
    assert list(reader.query("SELECT * FROM spend ORDER BY name")) == [
        {"name": "ann", "orders": 2, "total": Decimal("200.50")},
        {"name": "bob", "orders": 1, "total": Decimal("300.00")},
    ]
    lines = list(reader.query_tabular("SELECT id, name FROM customers ORDER BY id"))
    assert lines == [
        "+----+------+",
        "| id | name |",
        "+----+------+",
        "| 1  | ann  |",
        "| 2  | bob  |",
        "| 3  | cy   |",
        "+----+------+",
    ]
    batches = list(reader.query_arrow("SELECT id, placed FROM orders ORDER BY id"))
    table = pa.Table.from_batches(batches)
    assert table.column("id").to_pylist() == [10, 11, 12]
    assert table.schema.field("placed").type == pa.timestamp("us")
    path = tmp_path / "result.parquet"
    reader.query_parquet("SELECT name FROM customers ORDER BY id", str(path))
    assert pq.read_table(path).column("name").to_pylist() == ["ann", "bob", "cy"]
    assert len(reader.query_hash("SELECT * FROM orders")) == 64


def test_update_formats_upsert_and_delete(pipelines):
    writer, reader = pipelines
    customers(writer)
    writer.input_json(
        "customers",
        [{"insert": {"id": 1, "name": "ANN"}}, {"delete": {"id": 3}}],
        update_format="insert_delete",
    )
    writer.input_json(
        "customers", {"update": {"id": 2, "name": "BOB"}}, update_format="insert_delete"
    )
    assert list(reader.query("SELECT * FROM customers ORDER BY id")) == [
        {"id": 1, "name": "ANN"},
        {"id": 2, "name": "BOB"},
    ]
    writer.input_json("orders", [ORDERS[0], ORDERS[0]])
    writer.input_json("orders", {"delete": ORDERS[0]}, update_format="insert_delete")
    assert list(reader.query("SELECT COUNT(*) AS n FROM orders")) == [{"n": 1}]


@pytest.mark.filterwarnings("ignore:'epoch' date format is deprecated")
def test_input_pandas(pipelines):
    writer, reader = pipelines
    frame = pd.DataFrame(
        {
            "id": [1, 2, 3],
            "customer": pd.array([7, 7, None], dtype="Int64"),
            "amount": [1.25, 200.0, 3.5],
            "placed": pd.to_datetime(
                ["2024-01-01 10:00:00", "2024-01-02 00:00:00", "2024-03-04 05:06:07"]
            ),
            "paid": [True, False, True],
        }
    )
    token = writer.input_pandas("orders", frame)
    assert token is not None
    rows = list(reader.query("SELECT id, customer, placed, paid FROM orders ORDER BY id"))
    assert rows == [
        {"id": 1, "customer": 7, "placed": "2024-01-01T10:00:00", "paid": True},
        {"id": 2, "customer": 7, "placed": "2024-01-02T00:00:00", "paid": False},
        {"id": 3, "customer": None, "placed": "2024-03-04T05:06:07", "paid": True},
    ]
    assert list(reader.query("SELECT id FROM big_orders")) == [{"id": 2}]


def test_execute_insert_stats_and_completion(pipelines):
    writer, reader = pipelines
    reader.execute("INSERT INTO customers VALUES (5, 'eve'), (6, 'fay')", wait=True)
    customers(writer)
    stats = reader.stats()
    metrics = stats.global_metrics
    assert metrics.total_input_records == metrics.total_completed_records == 5
    assert metrics.pipeline_complete is True
    assert any(".api-ingress-" in endpoint.endpoint_name for endpoint in stats.inputs)
    reader.wait_for_completion(timeout_s=10)
    reader.wait_for_idle(idle_interval_s=0.3, timeout_s=10, poll_interval_s=0.1)
    assert list(writer.query("SELECT COUNT(*) AS n FROM customers")) == [{"n": 5}]


def test_bad_input_and_bad_queries_raise_upstreams_errors(pipelines):
    writer, reader = pipelines
    with pytest.raises(FelderaAPIError) as caught:
        writer.input_json("nope", {"id": 1})
    assert caught.value.error_code == "ConfigError.UnknownInputStream"
    with pytest.raises(FelderaAPIError) as caught:
        writer.input_json("customers", {"id": "one", "name": "x"})
    assert caught.value.error_code == "ParseErrors"
    with pytest.raises(FelderaAPIError) as caught:
        list(reader.query("SELECT * FROM unpaid"))
    assert caught.value.error_code == "AdHocQueryError"
    assert "non-materialized" in caught.value.message
    with pytest.raises(FelderaAPIError) as caught:
        list(reader.query("SELEC 1"))
    assert caught.value.error_code == "AdHocQueryError"
    writer.pause()
    with pytest.raises(RuntimeError, match="Pipeline is paused, set force=True"):
        writer.input_json("customers", {"id": 9, "name": "z"})
    writer.input_json("customers", {"id": 9, "name": "z"}, force=True)
    assert list(reader.query("SELECT name FROM customers")) == [{"name": "z"}]


def test_logs_replay_and_follow(pipelines):
    writer, reader = pipelines
    seen = []
    for line in reader.logs():
        seen.append(line)
        if "Pipeline initialization complete" in line:
            break
    assert "Fresh start of pipeline logs" in seen[0]
    assert any("Resources transition: provisioning -> provisioned" in line for line in seen)


def test_websocket_queries_as_the_console_runs_them(servers, pipelines):
    writer, _ = pipelines
    customers(writer)
    url = servers[1][0].replace("http://", "ws://") + f"/v0/pipelines/{writer.name}/query"
    ws = simple_websocket.Client.connect(url, subprotocols=["feldera-ws-v1"])
    try:
        assert ws.subprotocol == "feldera-ws-v1"
        ws.send(
            json.dumps({"sql": "SELECT id, name FROM customers ORDER BY id", "format": "arrow_ipc"})
        )
        pieces = []
        with contextlib.suppress(simple_websocket.ConnectionClosed):
            while True:
                piece = ws.receive(timeout=10)
                if piece is None:
                    break
                assert isinstance(piece, bytes)
                pieces.append(piece)
        table = pa.ipc.open_stream(b"".join(pieces)).read_all()
        assert table.column("name").to_pylist() == ["ann", "bob", "cy"]
        assert ws.close_reason == 1000
    finally:
        with contextlib.suppress(simple_websocket.ConnectionClosed):
            ws.close()
    ws = simple_websocket.Client.connect(url, subprotocols=["feldera-ws-v1"])
    try:
        ws.send(json.dumps({"sql": "SELECT * FROM unpaid", "format": "text"}))
        frame = ws.receive(timeout=10)
        assert "non-materialized source" in json.loads(frame)["error"]
        with contextlib.suppress(simple_websocket.ConnectionClosed):
            ws.receive(timeout=10)
        assert ws.close_reason == 1011
    finally:
        with contextlib.suppress(simple_websocket.ConnectionClosed):
            ws.close()


def test_following_logs_do_not_block_other_requests(servers, pipelines):
    writer, _ = pipelines
    url, access_log = servers[0]
    sessions = [requests.Session() for _ in range(2)]
    streams = [
        session.get(f"{url}/v0/pipelines/{writer.name}/logs", stream=True, timeout=30)
        for session in sessions
    ]
    try:
        # Kept: dropping a line iterator mid-body makes urllib3 close the connection.
        lines = [stream.iter_lines() for stream in streams]
        for stream, line in zip(streams, lines, strict=True):
            assert stream.status_code == 200
            assert "Fresh start of pipeline logs" in next(line).decode()  # now following
        # Both followers hold a thread each for STREAM_FOLLOW_SECONDS; lists still answer.
        for _ in range(5):
            response = requests.get(f"{url}/v0/pipelines?selector=status", timeout=10)
            assert response.status_code == 200
        # gunicorn logs a request when its response ends: the followers are still going.
        logged = access_log.read_text()
        assert logged.count(f"GET /v0/pipelines/{writer.name}/logs ") == 0
    finally:
        for stream, session in zip(streams, sessions, strict=True):
            stream.close()
            session.close()  # closes the connection itself
    # A client that leaves frees its thread well before the follow time (20 s) runs out.
    deadline = time.monotonic() + 10
    while access_log.read_text().count(f"GET /v0/pipelines/{writer.name}/logs ") < 2:
        assert time.monotonic() < deadline, "the followers outlived their clients"
        time.sleep(0.1)
