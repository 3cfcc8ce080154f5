"""End to end with auth on: gunicorn, credentials from the console script, the Feldera SDK."""

import logging
import os
import pathlib
import subprocess
import sys
import warnings

import pytest
import requests

from app import create_app
from tests.feldera_sdk import FelderaAPIError
from tests.feldera_sdk import FelderaClient
from tests.server import SECRET_KEY
from tests.server import gunicorn_server

SECRET = SECRET_KEY  # what tests.server gives gunicorn


def console(instance: pathlib.Path, *args: str) -> str:
    """Run the `pipeline-store` console script on the server's instance; return stdout."""
    script = pathlib.Path(sys.executable).with_name("pipeline-store")
    env = {
        **os.environ,
        "PIPELINE_STORE_INSTANCE_PATH": str(instance),
        "PIPELINE_STORE_SECRET_KEY": SECRET,
        "PIPELINE_STORE_AUTH": "bearer",
    }
    result = subprocess.run(
        [str(script), *args], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


def test_feldera_client_with_keys_and_tokens(tmp_path, caplog):
    instance = tmp_path / "instance"
    # The operator's first key, made before the server starts (in-process: one process less).
    app = create_app({"DATABASE": str(instance / "pipelines.sqlite3"), "SECRET_KEY": SECRET})
    minted = app.test_cli_runner().invoke(args=["api-key", "create", "operator", "--role", "write"])
    key = minted.stdout.strip()
    with gunicorn_server(instance, workers=2, env={"PIPELINE_STORE_AUTH": "bearer"}) as (url, _):
        assert requests.get(f"{url}/v0/config", timeout=10).status_code == 401

        caplog.set_level(logging.INFO)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            client = FelderaClient(url, api_key=key)
            created = client.create_api_key("dashboard", role="read")
        assert not caught, [str(w.message) for w in caught]
        assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
        assert client.get_config().version == "0.369.0"
        assert set(created) == {"id", "name", "api_key"}

        reader = FelderaClient(url, api_key=created["api_key"])
        assert reader.pipelines() == []
        with pytest.raises(FelderaAPIError) as refused:
            reader.create_api_key("escalate", role="write")
        assert (refused.value.status_code, refused.value.error_code) == (
            403,
            "InsufficientPermissions",
        )

        token = console(instance, "token", "create", "--role", "read", "--expires-in", "1h")
        session = requests.get(
            f"{url}/v0/config/session", headers={"Authorization": f"Bearer {token}"}, timeout=10
        )
        assert (session.status_code, session.json()["role"]) == (200, "read")
        assert FelderaClient(url, api_key=token).pipelines() == []

        deleted = requests.delete(
            f"{url}/v0/api_keys/dashboard", headers={"Authorization": f"Bearer {key}"}, timeout=10
        )
        assert deleted.status_code == 200
        with pytest.raises(FelderaAPIError) as revoked:
            reader.pipelines()
        assert revoked.value.status_code == 401
