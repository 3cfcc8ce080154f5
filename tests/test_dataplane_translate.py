"""Feldera SQL views evaluated by DataFusion: the translation keeps Feldera's meaning."""

import datetime

import pytest

from app.dataplane.program import view_definitions
from app.dataplane.translate import TranslationError
from app.dataplane.translate import translate_query
from tests.dataplane_helpers import snapshot_of

H = 3_600_000_000  # one hour in microseconds
T0 = 1_704_103_200_000_000  # 2024-01-01 10:00:00
TABLES = (
    'CREATE TABLE t (id INT NOT NULL, name VARCHAR, "Mixed" INT, ts TIMESTAMP, d DATE,'
    " arr INT ARRAY);"
)
ROWS = {
    "t": [
        (1, "a", 10, T0 + 30 * 60 * 1_000_000, 19724, [5, 6]),
        (2, "a", 20, T0 + 90 * 60 * 1_000_000, 19725, [7]),
        (3, None, 30, T0 + 3 * H, 19726, []),
    ]
}


def view_rows(query: str) -> list[dict]:
    """Evaluate `query` as a materialized view over ROWS and return its rows, sorted."""
    snapshot = snapshot_of(f"{TABLES} CREATE MATERIALIZED VIEW v AS {query};", ROWS)
    return sorted(snapshot.view("v").to_pylist(), key=repr)


def ts(micros: int) -> datetime.datetime:
    return datetime.datetime(1970, 1, 1) + datetime.timedelta(microseconds=micros)


def test_identifiers_follow_feldera_case_rules():
    assert view_rows('SELECT ID, "Mixed" AS "Out", Name FROM T WHERE id = 1') == [
        {"id": 1, "Out": 10, "name": "a"}
    ]


def test_unnamed_columns_take_the_schemas_names():
    rows = view_rows("SELECT name, COUNT(*), SUM(id) FROM t GROUP BY name")
    assert rows == [
        {"name": "a", "EXPR$1": 2, "EXPR$2": 3},
        {"name": None, "EXPR$1": 1, "EXPR$2": 3},
    ]


def test_arrays_are_one_based():
    assert [r["x"] for r in view_rows("SELECT arr[1] AS x FROM t")] == [5, 7, None]


def test_time_functions():
    rows = view_rows(
        "SELECT id, FLOOR(ts TO HOUR) AS f, CEIL(ts TO HOUR) AS c, TIMESTAMP_TRUNC(ts, DAY) AS dd,"
        " DATE_TRUNC(d, MONTH) AS m, TIMESTAMPADD(HOUR, 2, ts) AS plus,"
        " TIMESTAMPDIFF(MINUTE, TIMESTAMP '2024-01-01 10:00:00', ts) AS mins FROM t WHERE id = 1"
    )
    assert rows == [
        {
            "id": 1,
            "f": ts(T0),
            "c": ts(T0 + H),
            "dd": datetime.datetime(2024, 1, 1),
            "m": datetime.date(2024, 1, 1),
            "plus": ts(T0 + 2 * H + 30 * 60 * 1_000_000),
            "mins": 30,
        }
    ]


def test_aggregates_feldera_spells_differently():
    rows = view_rows(
        'SELECT ARG_MAX(name, id) AS top, ARG_MIN(id, "Mixed") AS low,'
        " EVERY(id > 0) AS e, SOME(id > 2) AS s FROM t"
    )
    assert rows == [{"top": None, "low": 1, "e": True, "s": True}]


def test_tumble_adds_window_bounds():
    rows = view_rows(
        "SELECT window_start, COUNT(*) AS n FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), "
        "INTERVAL '1' HOUR)) GROUP BY window_start"
    )
    starts = [ts(T0), ts(T0 + H), ts(T0 + 3 * H)]
    assert rows == sorted(({"window_start": s, "n": 1} for s in starts), key=repr)


def test_hop_puts_each_row_in_every_window_containing_it():
    rows = view_rows(
        "SELECT id, window_start, window_end FROM TABLE(HOP(TABLE t, DESCRIPTOR(ts), "
        "INTERVAL '1' HOUR, INTERVAL '2' HOUR)) WHERE id = 1"
    )
    expected = [
        {"id": 1, "window_start": ts(T0 - H), "window_end": ts(T0 + H)},
        {"id": 1, "window_start": ts(T0), "window_end": ts(T0 + 2 * H)},
    ]
    assert rows == sorted(expected, key=repr)


def test_casts_to_feldera_only_types():
    rows = view_rows(
        "SELECT CAST(name AS VARBINARY) AS b, CAST(id AS VARIANT) AS v FROM t WHERE id = 1"
    )
    assert rows == [{"b": b"a", "v": "1"}]


def test_reads_lists_the_relations_a_query_uses():
    translation = translate_query('WITH c AS (SELECT * FROM t) SELECT * FROM c JOIN "U" ON TRUE')
    assert translation.reads == {"t", "U"}


def test_untranslatable_queries_raise():
    with pytest.raises(TranslationError, match="cannot parse the query"):
        translate_query("SELECT FROM WHERE (")
    with pytest.raises(TranslationError, match="TIMESTAMPDIFF with unit MONTH"):
        translate_query("SELECT TIMESTAMPDIFF(MONTH, a, b) FROM t")


def test_view_definitions_come_in_declaration_order_with_their_kind():
    program = (
        "CREATE TABLE t (a INT);"
        "CREATE LOCAL VIEW l AS SELECT a FROM t;"
        'CREATE MATERIALIZED VIEW "M" (x) AS SELECT a FROM l;'
        "DECLARE RECURSIVE VIEW r (a INT);"
        "CREATE VIEW r AS SELECT a FROM t UNION ALL SELECT a FROM r;"
    )
    views = view_definitions(program)
    assert [(v.name, v.case_sensitive, v.kind, v.recursive) for v in views] == [
        ("l", False, "local", False),
        ("M", True, "materialized", False),
        ("r", False, "normal", True),
    ]
    assert views[1].query == "SELECT a FROM l"
