"""Shared fixtures: an app on a temporary SQLite file, its client and CLI runner."""

import json
import pathlib

import pytest

from app import create_app

DATA = pathlib.Path(__file__).parent / "data"


@pytest.fixture
def app(tmp_path):
    """An app whose database is a fresh temporary file."""
    return create_app(
        {"TESTING": True, "DATABASE": str(tmp_path / "pipelines.sqlite3"), "SECRET_KEY": "test"}
    )


@pytest.fixture
def client(app):
    """Flask test client."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """Click runner for the app's CLI commands."""
    return app.test_cli_runner()


@pytest.fixture
def seed():
    """The user's List Pipelines example, as kept in the tests' own data."""
    return json.loads((DATA / "seed-list-pipelines.json").read_text())


@pytest.fixture
def seeded_app(app, runner):
    """An app whose database holds the imported seed pipelines."""
    result = runner.invoke(args=["import", str(DATA / "seed-list-pipelines.json")])
    assert result.exit_code == 0, result.output
    return app
