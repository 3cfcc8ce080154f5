"""Relations from program_info.schema: Arrow types, identifier rules, materialization."""

import pyarrow as pa
import pytest

from app.dataplane.arrow_types import arrow_schema
from app.dataplane.arrow_types import arrow_type
from app.dataplane.identifiers import canonical_name
from app.dataplane.identifiers import path_matches
from app.dataplane.identifiers import quote_identifier
from tests.dataplane_helpers import catalog_of
from tests.dataplane_helpers import table_of


@pytest.mark.parametrize(
    ("sql_type", "expected"),
    [
        ("BOOLEAN", pa.bool_()),
        ("TINYINT", pa.int8()),
        ("SMALLINT", pa.int16()),
        ("INT", pa.int32()),
        ("BIGINT", pa.int64()),
        ("TINYINT UNSIGNED", pa.uint8()),
        ("BIGINT UNSIGNED", pa.uint64()),
        ("REAL", pa.float32()),
        ("DOUBLE", pa.float64()),
        ("DECIMAL(10, 2)", pa.decimal128(10, 2)),
        ("NUMERIC(5)", pa.decimal128(5, 0)),
        ("VARCHAR", pa.string()),
        ("CHAR(3)", pa.string()),
        ("VARBINARY", pa.binary()),
        ("BINARY(4)", pa.binary()),
        ("DATE", pa.date32()),
        ("TIME", pa.time64("ns")),
        ("TIMESTAMP", pa.timestamp("us")),
        ("UUID", pa.string()),
        ("VARIANT", pa.string()),
        ("INT ARRAY", pa.list_(pa.int32())),
        ("MAP<VARCHAR, BIGINT>", pa.map_(pa.string(), pa.int64())),
        (
            "ROW(a INT NOT NULL, b VARCHAR)",
            pa.struct([pa.field("a", pa.int32(), False), ("b", pa.string())]),
        ),
    ],
)
def test_column_types_map_to_arrow(sql_type, expected):
    column = table_of(f"CREATE TABLE t (c {sql_type});").columns[0]
    assert arrow_type(column.ctype) == expected


def test_user_types_and_intervals_map_to_arrow():
    program = "CREATE TYPE addr AS (street VARCHAR, zip INT); CREATE TABLE t (a addr ARRAY);"
    column = table_of(program).columns[0]
    assert arrow_type(column.ctype) == pa.list_(
        pa.struct([("street", pa.string()), ("zip", pa.int32())])
    )
    assert arrow_type({"nullable": True, "type": "INTERVAL_DAY"}) == pa.month_day_nano_interval()


def test_schema_keeps_not_null_for_tables_only():
    catalog = catalog_of(
        'CREATE TABLE t (id INT NOT NULL, "Name" VARCHAR);CREATE VIEW v AS SELECT id FROM t;'
    )
    table = arrow_schema(catalog.relation("t"))
    assert table.names == ["id", "Name"]
    assert table.field("id").nullable is False
    assert arrow_schema(catalog.relation("v")).field("id").nullable is True


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Foo", ("foo", False)),
        ('"Foo"', ("Foo", True)),
        ('"a""b"', ('a"b', True)),
        ("t1", ("t1", False)),
    ],
)
def test_canonical_names(written, expected):
    assert canonical_name(written) == expected


@pytest.mark.parametrize(
    ("written", "name", "case_sensitive", "matches"),
    [
        ("T1", "t1", False, True),
        ("t1", "t1", False, True),
        ('"T1"', "T1", True, True),
        # Upstream's corner case: an unquoted path reaches a quoted table spelled identically.
        ("T1", "T1", True, True),
        ("t1", "t1", True, True),
        ("t1", "T1", True, False),
        ("T1", "t1", True, False),
        ('"t1"', "t1", False, True),
        ('"T1"', "t1", False, False),
    ],
)
def test_path_names_reach_tables_as_upstream(written, name, case_sensitive, matches):
    assert path_matches(written, name, case_sensitive) is matches


def test_catalog_resolves_paths():
    catalog = catalog_of('CREATE TABLE t1 (a INT); CREATE TABLE "T2" (a INT);')
    assert catalog.table_for_path("T1").name == "t1"
    assert catalog.table_for_path('"T2"').name == "T2"
    assert catalog.table_for_path("T2").name == "T2"
    assert catalog.table_for_path("t2") is None
    assert catalog.table_for_path("error_view") is None
    assert catalog.relation_for_path("error_view").name == "error_view"


def test_quote_identifier_round_trips():
    assert quote_identifier('a"B') == '"a""B"'
    assert canonical_name(quote_identifier('a"B')) == ('a"B', True)


@pytest.mark.parametrize(
    ("ddl", "materialized"),
    [
        ("CREATE TABLE t (a INT)", False),
        ("CREATE TABLE t (a INT) WITH ('materialized' = 'true')", True),
        ("CREATE TABLE t (a INT NOT NULL PRIMARY KEY)", True),
        ("CREATE TABLE t (a INT NOT NULL PRIMARY KEY LATENESS 5)", False),
        ("CREATE TABLE t (a INT NOT NULL PRIMARY KEY, b INT LATENESS 5)", True),
    ],
)
def test_which_tables_are_materialized(ddl, materialized):
    assert table_of(ddl + ";").materialized is materialized


def test_views_are_materialized_only_when_declared_so():
    catalog = catalog_of(
        "CREATE TABLE t (a INT); CREATE VIEW v AS SELECT a FROM t;"
        "CREATE MATERIALIZED VIEW m AS SELECT a FROM t;"
    )
    assert not catalog.relation("v").materialized
    assert catalog.relation("m").materialized
    assert not catalog.relation("error_view").materialized
