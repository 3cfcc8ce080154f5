"""The `pipeline-store` command: a click group of its own, its options and its commands."""

import importlib.metadata
import json

import click
import pytest
from click.testing import CliRunner

from app.cli import main


@pytest.fixture
def run(tmp_path, monkeypatch):
    """Invoke `pipeline-store ARGS` in-process on an instance folder of its own."""
    monkeypatch.setenv("PIPELINE_STORE_INSTANCE_PATH", str(tmp_path))

    def invoke(*args: str, code: int = 0):
        result = CliRunner().invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result

    return invoke


def walk(command: click.Command, path=()):
    """Every command of the group, with its path."""
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from walk(sub, (*path, name))


def test_version_is_pipeline_stores(run):
    version = importlib.metadata.version("pipeline-store")
    assert run("--version").output == f"pipeline-store {version}\n"


def test_no_flask_options(run):
    names = {name for param in main.params for name in param.opts}
    assert not names & {"-e", "--env-file", "-A", "--app", "--debug"}
    assert "--env-file" not in run("--help").output


def test_every_option_has_help_text():
    for path, command in walk(main):
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"pipeline-store {' '.join(path)} {param.opts[0]}"
        assert command.help, path


@pytest.mark.parametrize(
    "option, value", [("--workers", "0"), ("--threads", "0"), ("--port", "70000")]
)
def test_serve_validates_its_options(run, tmp_path, option, value):
    result = run("serve", option, value, code=2)
    assert f"Invalid value for '{option}'" in result.output
    assert not (tmp_path / "pipelines.sqlite3").exists()  # refused before anything started


def test_commands_work_through_the_group(run, tmp_path):
    assert "schema version" in run("init-db").output
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps([{"name": "one", "program_code": "CREATE TABLE t (x INT);"}]))
    assert "Imported 1 pipeline(s)." in run("import", str(seed)).output
    assert [p["name"] for p in json.loads(run("export").output)] == ["one"]
    target = tmp_path / "openapi.json"
    run("openapi", "write", str(target))
    assert "/v0/pipelines" in json.loads(target.read_text())["paths"]
    key = run("api-key", "create", "ops", "--role", "write").stdout.strip()
    assert key.startswith("apikey:")
    assert run("api-key", "list").output.startswith("ops\twrite\t")


def test_token_create_through_the_group(run, monkeypatch):
    monkeypatch.setenv("PIPELINE_STORE_SECRET_KEY", "a-secret-of-at-least-thirty-two-bytes")
    assert run("token", "create", "--role", "read").stdout.startswith("pstoken:")
