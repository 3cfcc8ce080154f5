"""pytest plugin (entry point `pytest11`): a pipeline-store server for testing Feldera apps.

Fixtures:
- `pipeline_store_server` (session): a server on a free port with a temporary instance
  folder, simulated delays at 0 and the request journal on; or the server named by
  `--pipeline-store-url` / `PIPELINE_STORE_URL` (its admin API must be on).
- `pipeline_store` (per test): that server, reset before the test (every pipeline, fault rule,
  journal entry and the clock; API keys stay), or restored to the snapshot named by
  `@pytest.mark.pipeline_store_snapshot("name")`.
- `feldera_client` (per test): a `feldera.FelderaClient` on it (skipped without `feldera`).

The server object has `url`, `admin` (an AdminClient) and its `faults`, `clock`, `journal`
and `snapshot` helpers.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import pytest

from app.admin.client import AdminClient

URL_OPTION = "--pipeline-store-url"
URL_VARIABLE = "PIPELINE_STORE_URL"
MARKER = "pipeline_store_snapshot"
START_TIMEOUT = 60.0


class PipelineStoreServer:
    """A running pipeline-store and its admin API."""

    def __init__(self, url: str, token: str | None = None):
        self.url = url
        self.admin = AdminClient(url, token)
        self.faults = self.admin.faults
        self.clock = self.admin.clock
        self.journal = self.admin.journal
        self.snapshot = self.admin.snapshot

    def reset(self, **options) -> dict:
        """Delete pipelines and their data (see AdminClient.reset)."""
        return self.admin.reset(**options)


def pytest_addoption(parser):
    """`--pipeline-store-url`: use a running server instead of starting one."""
    group = parser.getgroup("pipeline-store")
    group.addoption(
        URL_OPTION,
        default=os.environ.get(URL_VARIABLE),
        help="URL of a running pipeline-store (admin API on) to test against; default: start "
        f"one per session (also ${URL_VARIABLE}).",
    )


def pytest_configure(config):
    """Declare the marker choosing a snapshot to restore before a test."""
    config.addinivalue_line(
        "markers", f"{MARKER}(name): restore this snapshot before the test instead of a reset"
    )


def free_port() -> int:
    """A loopback port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_ready(url: str, process: subprocess.Popen, log_path: str) -> None:
    """Poll `/healthz` until the server answers; fail with its output if it exits."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            with open(log_path, errors="replace") as log:
                raise RuntimeError(f"pipeline-store exited:\n{log.read()}")
        with contextlib.suppress(urllib.error.URLError, OSError):
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):
                return
        time.sleep(0.1)
    raise RuntimeError(f"pipeline-store did not answer within {START_TIMEOUT:.0f} s")


@contextlib.contextmanager
def started_server(workers: int = 2):
    """Run `pipeline-store serve` on a temporary instance folder; yield its URL."""
    with tempfile.TemporaryDirectory(prefix="pipeline-store-") as instance:
        port = free_port()
        env = {
            **os.environ,
            "PIPELINE_STORE_INSTANCE_PATH": instance,
            "PIPELINE_STORE_SIMULATION_SCALE": "0",
            "PIPELINE_STORE_AUTH": "none",
            "PIPELINE_STORE_ADMIN_API": "on",
            "PIPELINE_STORE_LOG_LEVEL": "WARNING",
        }
        command = [
            sys.executable, "-c", "from app.cli import main; main()", "serve",
            "--port", str(port), "--workers", str(workers),
        ]  # fmt: skip
        log_path = os.path.join(instance, "server.log")
        with open(log_path, "wb") as log:
            process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_ready(url, process, log_path)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture(scope="session")
def pipeline_store_server(request):
    """One pipeline-store for the whole session (started here, or the one named by URL)."""
    url = request.config.getoption(URL_OPTION)
    if url:
        yield PipelineStoreServer(url.rstrip("/"))
        return
    with started_server() as url:
        server = PipelineStoreServer(url)
        server.journal.enable()
        yield server


@pytest.fixture
def pipeline_store(pipeline_store_server, request):
    """The session's server, reset (or restored to the marked snapshot) before this test."""
    marker = request.node.get_closest_marker(MARKER)
    if marker is not None:
        pipeline_store_server.snapshot.restore(marker.args[0])
    else:
        pipeline_store_server.reset()
    return pipeline_store_server


@pytest.fixture
def feldera_client(pipeline_store):
    """A `feldera.FelderaClient` on the reset server (skipped when feldera is missing)."""
    feldera = pytest.importorskip("feldera")
    return feldera.FelderaClient(pipeline_store.url)
