"""End to end: the real gunicorn server with two workers sharing one SQLite file."""

import collections
import concurrent.futures
import json
import os
import pathlib
import subprocess
import sys

import requests

from tests.conftest import DATA
from tests.server import free_port
from tests.server import gunicorn_server
from tests.server import wait_until_ready


def cli(instance, *args) -> subprocess.CompletedProcess:
    """Run the pipeline-store CLI against an instance folder."""
    env = {**os.environ, "PIPELINE_STORE_INSTANCE_PATH": str(instance)}
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )


def test_every_worker_serves_the_same_list(tmp_path):
    instance = tmp_path / "instance"
    with gunicorn_server(instance, workers=2) as (base_url, log_path):
        assert requests.get(f"{base_url}/v0/pipelines").json() == []
        # Written by another process while the server runs: no worker may cache.
        cli(instance, "import", str(DATA / "seed-list-pipelines.json"))

        def fetch(_):
            with requests.Session() as session:
                response = session.get(f"{base_url}/v0/pipelines?selector=status")
                return response.status_code, response.headers["Cache-Control"], response.text

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(fetch, range(64)))
        full = requests.get(f"{base_url}/v0/pipelines").json()

    assert {answer[:2] for answer in answers} == {(200, "no-cache")}
    bodies = {answer[2] for answer in answers}
    assert len(bodies) == 1
    assert [p["name"] for p in json.loads(bodies.pop())] == ["example1", "example2"]
    assert full[0]["runtime_config"]["workers"] == 16
    pids = collections.Counter(
        line.split()[0] for line in log_path.read_text().splitlines() if "selector=status" in line
    )
    assert len(pids) == 2, f"only one worker answered: {pids}"


def test_serve_command_runs_gunicorn(tmp_path):
    """`pipeline-store serve` initialises the database and serves on the given port."""
    script = pathlib.Path(sys.executable).with_name("pipeline-store")
    port = free_port()
    env = {**os.environ, "PIPELINE_STORE_INSTANCE_PATH": str(tmp_path)}
    command = [str(script), "serve", "--port", str(port), "--workers", "1"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_until_ready(f"http://127.0.0.1:{port}", process)
        response = requests.get(f"http://127.0.0.1:{port}/v0/pipelines")
        assert response.status_code == 200
        assert response.json() == []
        assert (tmp_path / "pipelines.sqlite3").exists()
    finally:
        process.terminate()  # exec'd into the gunicorn master, which stops its workers
        process.wait(timeout=20)
        process.stdout.close()
