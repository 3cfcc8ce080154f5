"""CLI: init-db, import (all or nothing), export round trip."""

import json

import pytest

from app.storage import database_path
from app.storage import get_store
from tests.conftest import DATA


def export(runner) -> str:
    """Run `export` to stdout and return its text."""
    result = runner.invoke(args=["export"])
    assert result.exit_code == 0, result.output
    return result.stdout  # stderr carries the log lines


def test_init_db_is_idempotent_and_keeps_data(seeded_app, runner):
    for _ in range(2):
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0
        assert "schema version" in result.output
    assert len(json.loads(export(runner))) == 2


def test_export_import_export_is_identical(seeded_app, runner, tmp_path):
    first = export(runner)
    dump = tmp_path / "export.json"
    dump.write_text(first)
    from app import create_app

    fresh = create_app({"TESTING": True, "DATABASE": str(tmp_path / "other.sqlite3")})
    fresh_runner = fresh.test_cli_runner()
    assert fresh_runner.invoke(args=["import", str(dump)]).exit_code == 0
    assert export(fresh_runner) == first


def test_export_to_file(seeded_app, runner, tmp_path):
    target = tmp_path / "out.json"
    assert runner.invoke(args=["export", str(target)]).exit_code == 0
    assert [p["name"] for p in json.loads(target.read_text())] == ["example1", "example2"]


def test_import_fills_missing_fields_with_defaults(app, runner, tmp_path):
    path = tmp_path / "minimal.json"
    path.write_text(json.dumps([{"name": "minimal", "program_code": "CREATE TABLE t (x INT);"}]))
    assert runner.invoke(args=["import", str(path)]).exit_code == 0
    pipeline = app.test_client().get("/v0/pipelines/minimal").get_json()
    assert pipeline["version"] == 1
    assert pipeline["program_status"] == "Pending"
    assert pipeline["runtime_config"]["workers"] == 8
    assert pipeline["deployment_status"] == "Stopped"
    assert pipeline["program_status_since"] == pipeline["created_at"]
    assert pipeline["platform_version"] == app.config["PLATFORM_VERSION"]


def test_import_keeps_status_fields(app, runner, tmp_path, seed):
    running = dict(seed[0])
    running.update(
        name="running",
        id="01900000-0000-7000-8000-000000000001",
        program_status="Success",
        storage_status="InUse",
        deployment_resources_status="Provisioned",
        deployment_resources_desired_status="Provisioned",
        deployment_runtime_status="Running",
        deployment_runtime_status_since="2025-01-01T00:00:01.5Z",
        deployment_runtime_desired_status="Running",
        deployment_runtime_desired_status_since="2025-01-01T00:00:01Z",
        deployment_status="Running",
        deployment_desired_status="Running",
    )
    for key in ("deployment_status_since", "deployment_desired_status_since"):
        running.pop(key)
    path = tmp_path / "running.json"
    path.write_text(json.dumps([running]))
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code == 0, result.output
    pipeline = app.test_client().get("/v0/pipelines/running?selector=status").get_json()
    assert pipeline["deployment_status"] == "Running"
    assert pipeline["deployment_status_since"] == "2025-01-01T00:00:01.500Z"
    assert pipeline["deployment_desired_status_since"] == "2025-01-01T00:00:01Z"
    assert pipeline["id"] == "01900000-0000-7000-8000-000000000001"
    assert pipeline["storage_status"] == "InUse"


@pytest.mark.parametrize(
    "change, message",
    [
        ({"name": "bad name"}, "should be non-empty"),
        ({"program_status": "Compiled"}, "`program_status` is 'Compiled'"),
        ({"version": 0}, "`version` must be a positive integer"),
        ({"created_at": "yesterday"}, "not an RFC 3339 timestamp"),
        ({"runtime_config": {"workers": "many"}}, "invalid configuration"),
        ({"deployment_status": "Running"}, "`deployment_status` is 'Running'"),
        ({"colour": "red"}, "unknown field(s): colour"),
        ({"id": "not-a-uuid"}, "not a UUID"),
        ({"name": "example1"}, "appears more than once"),
    ],
)
def test_invalid_file_imports_nothing(app, runner, tmp_path, seed, change, message):
    seed[1].update(change)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(seed))
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code != 0
    assert "nothing imported" in result.output
    assert message in result.output
    assert app.test_client().get("/v0/pipelines").get_json() == []


def test_import_refuses_names_already_stored(seeded_app, runner):
    result = runner.invoke(args=["import", str(DATA / "seed-list-pipelines.json")])
    assert result.exit_code != 0
    assert "already in the database: example1, example2" in result.output


def test_import_rejects_non_json(app, runner, tmp_path):
    path = tmp_path / "garbage.json"
    path.write_text("{not json")
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code != 0
    assert "not valid JSON" in result.output


def test_database_is_in_wal_mode(app):
    with app.app_context():
        assert get_store().db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert database_path(app).endswith("pipelines.sqlite3")


def test_export_shows_the_simulation_caught_up(tmp_path):
    from app import create_app

    app = create_app(
        {"TESTING": True, "DATABASE": str(tmp_path / "sim.sqlite3"), "SIMULATION_SCALE": 0}
    )
    body = {"name": "compiled", "program_code": "CREATE TABLE t (x INT);"}
    assert app.test_client().post("/v0/pipelines", json=body).status_code == 201
    exported = json.loads(export(app.test_cli_runner()))
    assert exported[0]["program_status"] == "Success"
    assert exported[0]["refresh_version"] == 3
