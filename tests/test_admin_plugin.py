"""The pytest plugin, used from a separate project exactly as a user would (pytest subprocess)."""

import os
import subprocess
import sys
import textwrap

from tests.server import gunicorn_server

USER_TESTS = """
import pytest
import requests
from feldera import FelderaClient, PipelineBuilder
from feldera.enums import PipelineFieldSelector


def test_builds_a_pipeline(feldera_client, pipeline_store):
    pipeline = PipelineBuilder(feldera_client, "orders", "CREATE TABLE t (x INT);").create()
    assert pipeline.name == "orders"
    assert pipeline_store.url.startswith("http://127.0.0.1:")


def test_each_test_starts_from_an_empty_store(feldera_client):
    assert feldera_client.pipelines() == []


def test_faults_meet_the_sdks_retries(feldera_client, pipeline_store):
    PipelineBuilder(feldera_client, "p", "").create()
    pipeline_store.faults.add("/v0/pipelines/p", 503, method="GET", retry_after=0, count=2)
    assert feldera_client.get_pipeline("p", PipelineFieldSelector.STATUS).name == "p"
    assert pipeline_store.faults.list()[0]["hits"] == 2


def test_the_journal_shows_what_the_code_polled(pipeline_store):
    requests.get(pipeline_store.url + "/v0/pipelines?selector=status", timeout=10)
    (entry,) = pipeline_store.journal.entries(path="/v0/pipelines")
    assert entry["query"] == "selector=status"


def test_the_clock_is_shared(pipeline_store):
    frozen = pipeline_store.clock.freeze()
    assert pipeline_store.clock.advance(60)["now"] > frozen["now"]


def test_faults_and_clock_do_not_leak_into_the_next_test(pipeline_store):
    assert pipeline_store.faults.list() == []
    assert pipeline_store.clock.now()["frozen"] is False


def test_save_a_fixture_state(pipeline_store):
    body = {"name": "fixture", "program_code": ""}
    assert requests.post(pipeline_store.url + "/v0/pipelines", json=body, timeout=10).ok
    pipeline_store.snapshot.save("fixture")


@pytest.mark.pipeline_store_snapshot("fixture")
def test_start_from_a_snapshot(feldera_client):
    assert [p.name for p in feldera_client.pipelines()] == ["fixture"]
"""


def run_pytest(project, *args: str) -> subprocess.CompletedProcess:
    """Run pytest in a user's project folder, as the user would (no settings of ours)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIPELINE_STORE_")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_user_project_gets_a_server_isolation_and_the_admin_helpers(tmp_path):
    (tmp_path / "test_app.py").write_text(textwrap.dedent(USER_TESTS))
    result = run_pytest(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "8 passed" in result.stdout, result.stdout


POINTED_TESTS = """
import requests


def test_runs_against_the_given_server(pipeline_store):
    assert pipeline_store.url == "{url}"
    body = {{"name": "made-by-the-user", "program_code": ""}}
    assert requests.post(pipeline_store.url + "/v0/pipelines", json=body, timeout=10).ok


def test_and_resets_it_between_tests(pipeline_store):
    assert requests.get(pipeline_store.url + "/v0/pipelines", timeout=10).json() == []
"""


def test_the_plugin_can_point_at_a_running_server(tmp_path):
    with gunicorn_server(tmp_path / "instance", workers=1) as (url, _):
        project = tmp_path / "project"
        project.mkdir()
        (project / "test_pointed.py").write_text(textwrap.dedent(POINTED_TESTS.format(url=url)))
        result = run_pytest(project, "--pipeline-store-url", url)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "2 passed" in result.stdout, result.stdout
