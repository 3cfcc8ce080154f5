"""The engine (spec §4.2): views over tables, ad-hoc queries and their errors, view deltas."""

from concurrent.futures import ThreadPoolExecutor

import pyarrow as pa
import pytest

from app.dataplane.delta import relation_delta
from app.dataplane.engine_errors import ViewError
from app.dataplane.errors import DataplaneError
from tests.dataplane_helpers import snapshot_of

PROGRAM = """
CREATE TABLE orders (id INT NOT NULL PRIMARY KEY, customer INT, amount DECIMAL(8, 2));
CREATE TABLE customers (id INT NOT NULL, name VARCHAR) WITH ('materialized' = 'true');
CREATE TABLE events (kind VARCHAR);
CREATE TABLE "Quoted" (v INT) WITH ('materialized' = 'true');
CREATE LOCAL VIEW big AS SELECT * FROM orders WHERE amount > 5;
CREATE MATERIALIZED VIEW totals AS
  SELECT c.name, SUM(o.amount) AS total FROM big o JOIN customers c ON o.customer = c.id
  GROUP BY c.name;
CREATE MATERIALIZED VIEW top AS SELECT name FROM totals WHERE total > 20;
CREATE VIEW kinds AS SELECT DISTINCT kind FROM events;
CREATE MATERIALIZED VIEW broken AS SELECT WRITELOG('%%', id) AS w FROM orders;
CREATE MATERIALIZED VIEW after_broken AS SELECT * FROM broken;
"""
ROWS = {
    "orders": [(1, 10, "7.50"), (2, 10, "20.00"), (3, 11, "1.00")],
    "customers": [(10, "ann"), (11, "bob")],
    "events": [("x",)],
}


@pytest.fixture
def snapshot():
    return snapshot_of(PROGRAM, ROWS)


def rows(snapshot, sql: str) -> list[dict]:
    return snapshot.query(sql).table.to_pylist()


def error(snapshot, sql: str) -> DataplaneError:
    with pytest.raises(DataplaneError) as caught:
        snapshot.query(sql)
    assert (caught.value.status, caught.value.error_code) == (400, "AdHocQueryError")
    return caught.value


def test_views_over_local_views_and_views(snapshot):
    assert rows(snapshot, "SELECT * FROM totals") == [{"name": "ann", "total": pytest.approx(27.5)}]
    assert rows(snapshot, "select name from TOP") == [{"name": "ann"}]
    # DataFusion's SUM widens to DECIMAL(18, 2); the view keeps the schema's type.
    assert snapshot.view("totals").schema.field("total").type == pa.decimal128(8, 2)


def test_queries_over_tables_do_not_evaluate_views(snapshot):
    assert rows(snapshot, "SELECT COUNT(*) AS n FROM orders") == [{"n": 3}]
    assert snapshot.view_errors() == {}


def test_quoted_names_need_quotes(snapshot):
    assert rows(snapshot, 'SELECT * FROM "Quoted"') == []
    text = error(snapshot, "SELECT * FROM Quoted").details["error"]
    assert text == "Error during planning: table 'datafusion.public.quoted' not found"


def test_non_materialized_relations_are_refused_with_upstreams_text(snapshot):
    err = error(snapshot, "SELECT * FROM orders o JOIN kinds k ON TRUE")
    expected = (
        "Execution error: Tried to SELECT from a non-materialized source. Make sure `kinds` is "
        "configured as materialized: use `with ('materialized' = 'true')` for tables, or "
        "`create materialized view` for views"
    )
    assert err.details == {"error": expected}
    assert err.message == f"Error during query processing: {expected}."
    assert "`events`" in error(snapshot, "SELECT 1 WHERE EXISTS (SELECT 1 FROM events)").message


def test_local_views_are_invisible(snapshot):
    assert "table 'datafusion.public.big' not found" in error(snapshot, "SELECT * FROM big").message


@pytest.mark.parametrize(
    ("sql", "text"),
    [
        ("", "no SQL statements were provided"),
        (
            "SELEC 1",
            "sql parser error: Expected: an SQL statement, found: SELEC at Line: 1, Column: 1",
        ),
        ("SELECT 'a", "sql parser error: Unterminated string literal at Line: 1, Column: 8"),
        ("SELECT nope FROM orders", "Schema error: No field named nope."),
        ("CREATE TABLE x (a INT)", "Error during planning: DDL not supported: CreateMemoryTable"),
        ("DELETE FROM orders", "Error during planning: DML not supported: Delete"),
        (
            "SELECT 1; SELECT 2",
            "only the final statement in a multi-statement ad-hoc query may return a result set; "
            "move SELECTs to the end or split into separate requests",
        ),
    ],
)
def test_bad_queries_get_adhoc_query_errors(snapshot, sql, text):
    assert error(snapshot, sql).details["error"].startswith(text)


def test_a_view_the_engine_cannot_evaluate_is_an_error_not_a_crash(snapshot):
    text = error(snapshot, "SELECT * FROM broken").details["error"]
    assert text.startswith("Execution error: pipeline-store cannot evaluate view `broken`: ")
    assert "writelog" in text
    assert "which cannot be evaluated" in error(snapshot, "SELECT * FROM after_broken").message
    assert set(snapshot.view_errors()) == {"broken", "after_broken"}
    with pytest.raises(ViewError):
        snapshot.view("broken")


def test_insert_collects_rows_for_the_store_and_counts_them(snapshot):
    result = snapshot.query("INSERT INTO customers VALUES (12, 'cy'), (13, NULL); SELECT 1 AS x")
    assert result.table.to_pylist() == [{"x": 1}]
    ((relation, inserted),) = result.inserts
    assert relation.name == "customers"
    assert inserted.to_pylist() == [{"id": 12, "name": "cy"}, {"id": 13, "name": None}]
    alone = snapshot.query("INSERT INTO customers SELECT id, 'n' FROM customers")
    assert alone.table.to_pylist() == [{"count": 2}]
    assert alone.table.schema.field("count").type == pa.uint64()
    # The snapshot itself is unchanged: the store applies inserts, then a new snapshot reads.
    assert rows(snapshot, "SELECT COUNT(*) AS n FROM customers") == [{"n": 2}]


def test_inserts_are_checked(snapshot):
    assert (
        "only tables can be inserted into"
        in error(snapshot, "INSERT INTO totals VALUES ('a', 1)").message
    )
    assert "non-nullable" in error(snapshot, "INSERT INTO customers VALUES (NULL, 'x')").message
    assert "`events`" in error(snapshot, "INSERT INTO customers SELECT 1, kind FROM events").message


def test_view_deltas_between_two_states():
    before = snapshot_of(PROGRAM, ROWS)
    after = snapshot_of(
        PROGRAM, {**ROWS, "orders": [(1, 10, "7.50"), (3, 11, "9.00"), (4, 11, "6.00")]}
    )
    delta = relation_delta(before.view("totals"), after.view("totals"))
    changes = sorted(zip(delta.rows.to_pylist(), delta.weights, strict=True), key=repr)
    assert [(r["name"], str(r["total"]), w) for r, w in changes] == [
        ("ann", "27.50", -1),
        ("ann", "7.50", 1),
        ("bob", "15.00", 1),
    ]
    assert len(relation_delta(after.view("totals"), after.view("totals"))) == 0


def test_deltas_of_nested_rows_and_duplicates():
    schema = pa.schema([("a", pa.list_(pa.int32())), ("b", pa.string())])
    before = pa.table({"a": [[1], [1], [2]], "b": ["x", "x", "y"]}, schema=schema)
    after = pa.table({"a": [[1], [3]], "b": ["x", "z"]}, schema=schema)
    delta = relation_delta(before, after)
    changes = sorted(zip(delta.rows.to_pylist(), delta.weights, strict=True), key=repr)
    assert changes == [
        ({"a": [1], "b": "x"}, -1),
        ({"a": [2], "b": "y"}, -1),
        ({"a": [3], "b": "z"}, 1),
    ]


def test_concurrent_queries_on_one_snapshot_agree(snapshot):
    queries = ["SELECT * FROM totals", "SELECT * FROM top", "SELECT COUNT(*) AS n FROM orders"] * 4
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda sql: rows(snapshot, sql), queries))
    assert results[:3] == [
        [{"name": "ann", "total": pytest.approx(27.5)}],
        [{"name": "ann"}],
        [{"n": 3}],
    ]
    assert results[3:] == results[:3] * 3
