"""Shared fixtures: an app on a fresh database (a temporary SQLite file by default), its client
and CLI runner.

Tests marked `BOTH_BACKENDS` (a module's `pytestmark`, or one test's decorator) that use a
database run twice: on SQLite and on a fresh Postgres database of a throwaway cluster.
"""

import json
import pathlib

import pytest

from app import create_app
from app.storage.postgres import connection as pg_connection
from tests.postgres import Cluster
from tests.postgres import require_postgres

DATA = pathlib.Path(__file__).parent / "data"
BACKENDS = ("sqlite", "postgres")
BOTH_BACKENDS = pytest.mark.both_backends


def pytest_configure(config):
    """Declare the marker (unknown markers are errors here)."""
    config.addinivalue_line("markers", "both_backends: run the test on SQLite and on Postgres")


def pytest_generate_tests(metafunc):
    """Parametrize `backend` for marked tests that reach a database; others are left alone."""
    marked = metafunc.definition.get_closest_marker("both_backends")
    if marked and "backend" in metafunc.fixturenames:
        metafunc.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def backend(request) -> str:
    """Which backend the test's database uses: `sqlite` unless parametrized."""
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="session")
def pg_cluster():
    """This test process's throwaway PostgreSQL server, stopped when the session ends."""
    require_postgres()
    cluster = Cluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def pg_pools(monkeypatch):
    """Close every Postgres pool the test's apps open when it ends (threads, connections)."""
    pools = []
    open_pool = pg_connection.open_pool

    def recording_open_pool(*args, **kwargs):
        pools.append(open_pool(*args, **kwargs))
        return pools[-1]

    monkeypatch.setattr(pg_connection, "open_pool", recording_open_pool)
    yield pools
    for pool in pools:
        pool.close()


@pytest.fixture
def database(request, backend, tmp_path) -> str:
    """The DATABASE setting of a fresh database: a temporary file, or a Postgres database."""
    if backend == "sqlite":
        return str(tmp_path / "pipelines.sqlite3")
    cluster = request.getfixturevalue("pg_cluster")
    request.getfixturevalue("pg_pools")
    return cluster.emptied_database()


@pytest.fixture
def app(database):
    """An app whose database is fresh."""
    return create_app({"TESTING": True, "DATABASE": database, "SECRET_KEY": "test"})


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
