"""`pipeline-store copy`: SQLite to Postgres and back loses no id, timestamp, counter or row."""

import contextlib

import pytest
from click.testing import CliRunner

from app import create_app
from app.cli import main
from app.storage.postgres import connection as pg
from app.storage.sqlite import connection as lite
from app.storage.sqlite import initialize
from app.storage.transfer import NOT_COPIED
from app.storage.transfer import TABLES
from tests.conftest import DATA
from tests.dataplane_api import DataApi

PROGRAM = """
CREATE TABLE t (id INT NOT NULL PRIMARY KEY, name VARCHAR);
CREATE MATERIALIZED VIEW v AS SELECT id, name FROM t WHERE id > 1;
"""


def table_rows(database: str) -> dict[str, list[tuple]]:
    """Every row of every copied table, sorted, with bytes as bytes."""
    if pg.is_url(database):
        conn = pg.connect(database)
    else:
        conn = lite.connect(database).conn
    with contextlib.closing(conn):
        return {
            table: sorted(
                tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
                for row in conn.execute(f"SELECT * FROM {table}").fetchall()
            )
            for table in TABLES
        }


def copy(source: str, destination: str):
    return CliRunner().invoke(main, ["copy", source, destination])


@pytest.fixture
def filled(tmp_path):
    """A SQLite install with fixtures, a running pipeline with data and logs, and a key."""
    api = DataApi(tmp_path)
    runner = api.app.test_cli_runner()
    assert runner.invoke(args=["import", str(DATA / "seed-list-pipelines.json")]).exit_code == 0
    api.running("p", PROGRAM)
    api.push("p", "t", [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}, {"id": 3, "name": "c"}])
    assert api.client.patch("/v0/pipelines/example1", json={"description": "v2"}).status_code == 200
    created = runner.invoke(args=["api-key", "create", "ops", "--role", "write"])
    assert created.exit_code == 0, created.output
    api.key = created.stdout.strip()
    return api


def test_sqlite_to_postgres_and_back_keeps_every_row(filled, pg_cluster, pg_pools, tmp_path):
    source = filled.database
    middle = pg_cluster.new_database(migrated=False)  # copy creates the schema
    back = str(tmp_path / "back" / "pipelines.sqlite3")
    (tmp_path / "back").mkdir()
    listed = filled.client.get("/v0/pipelines?selector=all").get_json()
    expected = table_rows(source)
    assert all(expected[t] for t in ("pipelines", "api_keys", "data_state", "pipeline_logs"))

    there = copy(source, middle)
    assert there.exit_code == 0, there.output
    assert "3 pipelines" in there.output and "1 api_keys" in there.output
    assert table_rows(middle) == expected
    again = copy(middle, back)
    assert again.exit_code == 0, again.output
    assert table_rows(back) == expected

    # Both copies serve what the original served: the same JSON, the same data.
    for database in (middle, back):
        api = DataApi(tmp_path, database)
        assert api.client.get("/v0/pipelines?selector=all").get_json() == listed
        assert api.rows("p", "SELECT * FROM v") == filled.rows("p", "SELECT * FROM v")
        # The key made on SQLite still opens the copy (only its hash was copied).
        bearer = create_app({"DATABASE": database, "AUTH": "bearer", "SECRET_KEY": "s" * 32})
        headers = {"Authorization": f"Bearer {filled.key}"}
        assert bearer.test_client().get("/v0/pipelines", headers=headers).status_code == 200
        assert bearer.test_client().get("/v0/pipelines").status_code == 401


def test_a_destination_with_rows_or_the_source_itself_is_refused(filled, pg_cluster):
    target = pg_cluster.new_database()
    assert copy(filled.database, target).exit_code == 0
    before = table_rows(target)
    refused = copy(filled.database, target)
    assert refused.exit_code == 1
    assert "already holds rows (pipelines, api_keys" in refused.output
    assert table_rows(target) == before
    itself = copy(filled.database, filled.database)
    assert itself.exit_code == 1 and "the same database" in itself.output


def test_every_table_of_the_schema_is_copied_or_deliberately_left(pg_cluster, tmp_path):
    with contextlib.closing(pg.connect(pg_cluster.url("pipeline_store_template"))) as conn:
        on_postgres = {
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'pipeline_store_schema'"
            )
        }
    path = str(tmp_path / "schema.sqlite3")
    initialize(path)
    with contextlib.closing(lite.connect(path).conn) as conn:
        on_sqlite = {
            row[0]
            for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if not row[0].startswith("sqlite_")
        }
    for tables in (on_postgres, on_sqlite):
        assert set(TABLES) <= tables <= set(TABLES) | set(NOT_COPIED)
