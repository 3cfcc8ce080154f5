"""gunicorn as configured for users (end to end): head limits, JSON errors, no control socket."""

import os
import pathlib
import subprocess
import sys

import pytest
import requests

from tests.server import ROOT
from tests.server import free_port
from tests.server import gunicorn_server
from tests.server import wait_until_ready
from tests.test_slow_clients import envelope_of
from tests.test_slow_clients import raw_exchange


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One server for the module: (base_url, port, home folder gunicorn saw, access log)."""
    home = tmp_path_factory.mktemp("home")
    env = {"HOME": str(home), "XDG_RUNTIME_DIR": str(home / "run")}
    instance = tmp_path_factory.mktemp("instance")
    with gunicorn_server(instance, workers=1, env=env) as (url, log):
        yield url, int(url.rsplit(":", 1)[1]), home, log


def head(target: bytes = b"/v0/pipelines", *headers: bytes) -> bytes:
    """A GET request head with the given extra header lines."""
    lines = [b"GET " + target + b" HTTP/1.1", b"Host: 127.0.0.1", b"Connection: close", *headers]
    return b"\r\n".join(lines) + b"\r\n\r\n"


@pytest.mark.parametrize(
    ("request_head", "status", "code"),
    [
        (head(b"/v0/pipelines/" + b"a" * 9000), 414, "RequestLineTooLong"),
        (head(b"/v0/pipelines", b"X-Big: " + b"a" * 17000), 431, "RequestHeaderFieldsTooLarge"),
        (head(b"/v0/pipelines", *(b"X-%d: a" % i for i in range(101))), 431, None),
        (b"NOT HTTP AT ALL\r\n\r\n", 400, "InvalidHttpRequest"),
    ],
    ids=["long-line", "long-header", "many-headers", "garbage"],
)
def test_what_gunicorn_refuses_is_the_json_envelope(server, request_head, status, code):
    _, port, _, _ = server
    answered, envelope = envelope_of(raw_exchange(port, request_head))
    assert answered == status
    assert envelope["error_code"] == (code or "RequestHeaderFieldsTooLarge")
    assert envelope["message"].startswith("Invalid HTTP request: ")
    assert envelope["details"] == {}


def test_heads_within_the_raised_limits_reach_the_app(server):
    url, port, _, _ = server
    # Both beyond gunicorn's defaults (a 4094-byte request line, 8190-byte header fields).
    long_name = "a" * 6000
    status, envelope = envelope_of(raw_exchange(port, head(b"/v0/pipelines/" + long_name.encode())))
    assert (status, envelope["error_code"]) == (404, "UnknownPipelineName")
    token = "x" * 12000
    response = requests.get(f"{url}/v0/pipelines", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_no_control_socket_is_shared_between_servers(server):
    _, _, home, _ = server
    assert not (home / ".gunicorn").exists()
    assert not (home / "run" / "gunicorn.ctl").exists()


def test_serve_runs_the_same_configuration(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "PIPELINE_STORE_INSTANCE_PATH": str(tmp_path / "instance"),
        "HOME": str(tmp_path),
        "XDG_RUNTIME_DIR": str(tmp_path / "run"),
    }
    script = pathlib.Path(sys.executable).with_name("pipeline-store")
    command = [script, "serve", "--port", str(port), "--workers", "1", "--threads", "3"]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        wait_until_ready(f"http://127.0.0.1:{port}", process)
    finally:
        process.terminate()
        out, err = process.communicate(timeout=20)
    assert "with 1 worker(s) x 3 thread(s)" in out.decode()
    assert "Using worker: app.gunicorn_worker.RequestReadingWorker" in err.decode()
    assert not (tmp_path / ".gunicorn").exists()
    assert not (tmp_path / "run").exists()


def test_an_absurd_content_length_is_refused_and_the_worker_lives_on(server):
    url, port, _, log = server
    length = b"9" * 5000  # more digits than Python's int() accepts by default
    answer = raw_exchange(
        port,
        b"POST /v0/pipelines HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + length + b"\r\n\r\n{}",
    )
    status, envelope = envelope_of(answer)
    assert status in (400, 413), envelope
    assert requests.get(f"{url}/v0/pipelines?selector=status").status_code == 200
    # Still the worker that served the first request (the access log starts with its pid).
    workers = {line.split()[0] for line in log.read_text().splitlines()}
    assert len(workers) == 1, workers
