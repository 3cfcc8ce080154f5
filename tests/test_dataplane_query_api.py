"""GET /query through the app (spec §4): formats, views, INSERT, errors."""

import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.conftest import BOTH_BACKENDS
from tests.dataplane_api import DataApi
from tests.dataplane_api import error_of

pytestmark = BOTH_BACKENDS

PROGRAM = """
CREATE TABLE customers (id INT NOT NULL PRIMARY KEY, name VARCHAR NOT NULL);
CREATE TABLE orders (id INT NOT NULL, customer INT, amount DECIMAL(10, 2), at TIMESTAMP)
    WITH ('materialized' = 'true');
CREATE TABLE hidden (x INT);
CREATE MATERIALIZED VIEW big AS SELECT id, amount FROM orders WHERE amount > 100;
CREATE MATERIALIZED VIEW per_customer AS
    SELECT c.name, COUNT(*) AS n, SUM(o.amount) AS total
    FROM orders o JOIN customers c ON o.customer = c.id GROUP BY c.name;
CREATE VIEW plain AS SELECT * FROM orders;
"""
ORDERS = [
    {"id": 1, "customer": 10, "amount": 50, "at": "2024-01-01 10:00:00"},
    {"id": 2, "customer": 10, "amount": 150.25, "at": "2024-01-02 11:30:00"},
    {"id": 3, "customer": 11, "amount": 300, "at": None},
]


def filled(path, database=None) -> DataApi:
    api = DataApi(path, database)
    api.running("p", PROGRAM)
    api.push("p", "customers", [{"id": 10, "name": "ann"}, {"id": 11, "name": "bob"}])
    api.push("p", "orders", ORDERS)
    return api


@pytest.fixture
def api(tmp_path, database):
    """A pipeline of this test's own (for tests that change it)."""
    return filled(tmp_path, database)


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One pipeline the read-only tests share."""
    return filled(tmp_path_factory.mktemp("query"))


def test_views_with_filters_joins_and_aggregates(api):
    assert api.rows("p", "SELECT * FROM big ORDER BY id") == [
        {"id": 2, "amount": 150.25},
        {"id": 3, "amount": 300.00},
    ]
    assert api.rows("p", "SELECT * FROM per_customer ORDER BY name") == [
        {"name": "ann", "n": 2, "total": 200.25},
        {"name": "bob", "n": 1, "total": 300.00},
    ]
    api.push("p", "orders", [{"id": 4, "customer": 11, "amount": 1}])
    assert api.rows("p", "SELECT n FROM per_customer WHERE name = 'bob'") == [{"n": 2}]


def test_text_format_is_upstreams_table(shared):
    response = shared.query("p", "SELECT id, amount, at FROM orders ORDER BY id", "text")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain"
    assert response.data.decode() == (
        "+----+--------+---------------------+\n"
        "| id | amount | at                  |\n"
        "+----+--------+---------------------+\n"
        "| 1  | 50.00  | 2024-01-01T10:00:00 |\n"
        "| 2  | 150.25 | 2024-01-02T11:30:00 |\n"
        "| 3  | 300.00 |                     |\n"
        "+----+--------+---------------------+"
    )


def test_json_format_is_ndjson_with_explicit_nulls(shared):
    response = shared.query("p", "SELECT id, at FROM orders WHERE id = 3", "json")
    assert response.headers["Content-Type"] == "application/json"
    assert response.data.decode() == '{"id":3,"at":null}\n'
    assert shared.query("p", "SELECT * FROM orders WHERE id < 0", "json").data == b""


def test_arrow_ipc_and_parquet_are_real_files(shared):
    arrow = shared.query("p", "SELECT id, amount FROM orders ORDER BY id", "arrow_ipc")
    assert arrow.headers["Content-Type"] == "application/octet-stream"
    table = pa.ipc.open_stream(arrow.data).read_all()
    assert table.column("id").to_pylist() == [1, 2, 3]
    parquet = shared.query("p", "SELECT name FROM customers ORDER BY id", "parquet")
    assert parquet.headers["Content-Disposition"].startswith('attachment; filename="results_')
    assert pq.read_table(io.BytesIO(parquet.data)).column("name").to_pylist() == ["ann", "bob"]


def test_hash_is_order_independent_and_changes_with_data(api):
    first = api.query("p", "SELECT * FROM orders ORDER BY id", "hash")
    second = api.query("p", "SELECT * FROM orders ORDER BY id DESC", "hash")
    assert first.headers["Content-Type"] == "text/plain"
    assert len(first.data) == 64 and first.data == second.data
    api.push("p", "orders", [{"id": 9}])
    assert api.query("p", "SELECT * FROM orders", "hash").data != first.data


def test_insert_adds_rows_and_counts_them(api):
    response = api.query("p", "INSERT INTO customers VALUES (12, 'cy'), (13, 'di')", "text")
    assert response.status_code == 200
    assert "| 2     |" in response.data.decode()
    assert len(api.rows("p", "SELECT * FROM customers")) == 4
    assert api.stats("p")["global_metrics"]["total_input_records"] == 2 + 3 + 2


@pytest.mark.parametrize(
    ("sql", "text"),
    [
        ("", "no SQL statements were provided"),
        ("SELECT * FROM nope", "Error during planning: table 'datafusion.public.nope' not found"),
        (
            "SELEC 1",
            "sql parser error: Expected: an SQL statement, found: SELEC at Line: 1, Column: 1",
        ),
        ("SELECT * FROM plain", "Execution error: Tried to SELECT from a non-materialized source."),
        ("SELECT * FROM hidden", "`hidden` is configured as materialized"),
        ("CREATE TABLE z (x INT)", "DDL not supported"),
        ("SELECT 1; SELECT 2", "only the final statement in a multi-statement ad-hoc query"),
    ],
)
def test_bad_queries_get_adhoc_query_errors(shared, sql, text):
    body = error_of(shared.query("p", sql), 400, "AdHocQueryError")
    assert text in body["details"]["error"]
    assert body["message"] == f"Error during query processing: {body['details']['error']}."


def test_unknown_format_is_a_query_string_error(shared):
    body = error_of(shared.query("p", "SELECT 1", "xml"), 400, "InvalidQueryParameter")
    assert body["message"].startswith("Query deserialize error: unknown variant `xml`")


def test_paused_pipelines_answer_queries(api):
    api.action("p", "pause")
    assert api.rows("p", "SELECT COUNT(*) AS c FROM orders") == [{"c": 3}]


def test_stopped_pipelines_do_not(api):
    api.action("p", "stop", "force=true")
    response = api.query("p", "SELECT 1")
    error_of(response, 503, "PipelineInteractionNotDeployed")
    assert json.loads(response.data)["details"]["status"] == "Stopped"
