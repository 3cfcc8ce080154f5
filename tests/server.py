"""Run the real server (gunicorn) on a free loopback port for end-to-end tests."""

import contextlib
import os
import pathlib
import socket
import subprocess
import sys
import time

import requests

from app.gunicorn_conf import CONFIG_ARGUMENT

ROOT = pathlib.Path(__file__).resolve().parent.parent
# What gunicorn_server gives every server: bearer mode needs 32 bytes of secret.
SECRET_KEY = "e2e-secret-of-at-least-thirty-two-bytes"


def free_port() -> int:
    """Return a loopback port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn_server(
    instance: pathlib.Path,
    workers: int = 2,
    env: dict | None = None,
    log_name: str = "access",
    args: list[str] | None = None,
    prefix: list[str] | None = None,
):
    """Start gunicorn with `workers` on a temp instance folder; yield (base_url, log_path).

    gunicorn runs with the settings users get (app/gunicorn_conf.py). Several servers may share
    one instance folder (one database) if their `log_name`s differ. `args` are extra gunicorn
    options (overriding those settings); `prefix` runs gunicorn through a wrapper command.
    The server's stderr (the app's logs) goes to `stderr_path(log_path)`.
    """
    instance.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log_path = instance / f"{log_name}.log"
    environment = {
        **os.environ,
        "PIPELINE_STORE_INSTANCE_PATH": str(instance),
        "PIPELINE_STORE_SECRET_KEY": SECRET_KEY,
        **(env or {}),
    }
    command = [
        *(prefix or []), sys.executable, "-m", "gunicorn", "--config", CONFIG_ARGUMENT,
        "--workers", str(workers),
        "--bind", f"127.0.0.1:{port}", "--access-logfile", str(log_path),
        # %(p)s is the worker pid, so tests can see which worker answered.
        "--access-logformat", "%(p)s %(r)s %(s)s", *(args or []), "wsgi:app",
    ]  # fmt: skip
    # A file, not a pipe: the app logs every request to stderr, and a pipe nobody reads
    # would fill up and stall the server.
    with open(stderr_path(log_path), "wb") as stderr:
        process = subprocess.Popen(command, cwd=ROOT, env=environment, stderr=stderr)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base_url, process, stderr_path(log_path))
        yield base_url, log_path
    finally:
        process.terminate()
        process.wait(timeout=20)


def stderr_path(log_path: pathlib.Path) -> pathlib.Path:
    """Where gunicorn_server writes the server's stderr."""
    return log_path.with_suffix(".stderr")


def wait_until_ready(
    base_url: str, process: subprocess.Popen, stderr: pathlib.Path | None = None, timeout=20
) -> None:
    """Poll until the server answers, or fail with its stderr (a pipe, or the given file)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = stderr.read_bytes() if stderr else process.stderr.read()
            raise RuntimeError(f"gunicorn exited: {output.decode()}")
        # A timeout too: the socket accepts before workers on a busy machine have booted.
        with contextlib.suppress(requests.ConnectionError, requests.Timeout):
            requests.get(f"{base_url}/v0/pipelines?selector=status", timeout=2)
            return
        time.sleep(0.1)
    raise RuntimeError("gunicorn did not start in time")
