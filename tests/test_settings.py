"""Settings are checked at start: types, ranges, enums, unknown keys, bearer-mode secrets."""

import os
import pathlib
import runpy
import subprocess
import sys

import pytest

from app import create_app
from app.config import EXAMPLE_SECRET_KEY
from app.config import SETTINGS
from app.settings_schema import SCHEMA
from app.settings_schema import SettingsError
from tests.server import ROOT
from tests.server import free_port

GOOD_SECRET = "a-secret-of-my-own-that-is-32-bytes-or-more"


@pytest.fixture
def instance(tmp_path, monkeypatch):
    """An instance folder of its own, chosen through the environment as users do."""
    monkeypatch.setenv("PIPELINE_STORE_INSTANCE_PATH", str(tmp_path))
    return tmp_path


def refusal(**env) -> str:
    """The one-line message create_app() raises for these environment settings."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(f"PIPELINE_STORE_{key}", value)
        with pytest.raises(SettingsError) as raised:
            create_app()
    message = str(raised.value)
    assert "\n" not in message
    return message


def test_the_schema_covers_exactly_the_settings_table():
    assert list(SCHEMA.fields) == list(SETTINGS)


def test_the_defaults_are_valid(instance):
    app = create_app()
    assert {key: app.config[key] for key in SETTINGS} == {
        key: default for key, (default, _doc) in SETTINGS.items()
    }


@pytest.mark.parametrize(
    "key, value, allowed",
    [
        ("EDITION", "entreprise", "one of 'open-source', 'enterprise'"),
        ("AUTH", "bearr", "one of 'none', 'bearer'"),
        ("SIMULATION_SCALE", "-1", "a number at least 0"),
        ("BUSY_TIMEOUT_MS", "abc", "an integer of at least 0"),
        ("BUSY_TIMEOUT_MS", "2.5", "an integer of at least 0"),
        ("MAX_BODY_BYTES", "0", "an integer of at least 1"),
        ("REQUEST_TIMEOUT_SECONDS", "0", "a number more than 0"),
        ("COMPILE_BUDGET_SECONDS", "Infinity", "a number more than 0"),
        ("STOP_SECONDS", "[1]", "a number at least 0"),
        ("LOG_FORMAT", "xml", "one of 'logfmt', 'json'"),
        ("LOG_LEVEL", "loud", "one of 'DEBUG', 'INFO', 'WARNING', 'ERROR'"),
        ("JWT_DEFAULT_ROLE", "owner", "one of '', 'read', 'write', 'admin'"),
        ("JWT_SECRET", "short", "empty, or at least 32 bytes"),
        ("JWT_PUBLIC_KEY", "/no/such/key.pem", "PEM text or the path of an existing PEM file"),
        ("OIDC_PROVIDER", '{"Okta": {}}', "a valid provider (one of {variant: {...}}"),
        ("CORS_ORIGINS", "[1, 2]", "a comma-separated string or a list of strings"),
    ],
)
def test_a_bad_value_names_the_setting_the_value_and_what_is_allowed(instance, key, value, allowed):
    message = refusal(**{key: value})
    assert message.startswith(f"setting {key}=")
    assert f"must be {allowed}" in message


def test_every_bad_setting_is_named_on_the_one_line(instance):
    message = refusal(EDITION="entreprise", SIMULATION_SCALE="-1")
    assert "EDITION='entreprise'" in message
    assert "SIMULATION_SCALE=-1" in message


def test_secrets_are_never_shown(instance):
    message = refusal(JWT_SECRET="hunter2")
    assert "hunter2" not in message
    assert "JWT_SECRET=<7 bytes>" in message


@pytest.mark.parametrize(
    "variable, suggestion",
    [
        ("EDTION", "did you mean PIPELINE_STORE_EDITION?"),
        ("SIMULATION_SCALLE", "did you mean PIPELINE_STORE_SIMULATION_SCALE?"),
        ("FAVOURITE_COLOUR", "see the README's Configuration table"),
    ],
)
def test_an_unknown_environment_variable_names_the_closest_setting(instance, variable, suggestion):
    message = refusal(**{variable: "x"})
    assert message == f"unknown environment variable PIPELINE_STORE_{variable}: {suggestion}"


def test_an_unknown_key_in_the_instance_file_is_refused(instance):
    (instance / "config.py").write_text('EDITON = "enterprise"\n')
    with pytest.raises(SettingsError) as raised:
        create_app()
    assert str(raised.value) == (
        "unknown setting in instance/config.py EDITON: did you mean EDITION?"
    )


def test_flask_keys_and_the_instance_path_are_not_unknown(instance, monkeypatch):
    (instance / "config.py").write_text("MAX_CONTENT_LENGTH = 4096\n")
    monkeypatch.setenv("PIPELINE_STORE_INSTANCE_PATH", str(instance))
    assert create_app().instance_path == str(instance)


def test_test_only_keys_stay_allowed_through_test_config(tmp_path):
    clock = object()
    app = create_app({"DATABASE": str(tmp_path / "t.sqlite3"), "CLOCK": clock, "TESTING": True})
    assert app.config["CLOCK"] is clock


def test_test_config_values_are_checked_too(tmp_path):
    with pytest.raises(SettingsError, match="SIMULATION_SCALE"):
        create_app({"DATABASE": str(tmp_path / "t.sqlite3"), "SIMULATION_SCALE": -2})


def test_values_are_normalised(instance, monkeypatch):
    monkeypatch.setenv("PIPELINE_STORE_EDITION", "Enterprise")
    monkeypatch.setenv("PIPELINE_STORE_LOG_LEVEL", "warning")
    monkeypatch.setenv("PIPELINE_STORE_PLATFORM_VERSION", "1")  # JSON would make it a number
    monkeypatch.setenv("PIPELINE_STORE_REQUEST_TIMEOUT_SECONDS", "3")
    config = create_app().config
    assert config["EDITION"] == "enterprise"
    assert config["LOG_LEVEL"] == "WARNING"
    assert config["PLATFORM_VERSION"] == "1"
    assert config["REQUEST_TIMEOUT_SECONDS"] == 3.0


@pytest.mark.parametrize("secret", ["x", "dev", "31-bytes-are-one-byte-too-few!!"])
def test_bearer_mode_refuses_a_short_secret(instance, secret):
    message = refusal(AUTH="bearer", SECRET_KEY=secret)
    assert f"setting SECRET_KEY=<{len(secret)} bytes> is not allowed" in message
    assert "at least 32 bytes with AUTH=bearer" in message
    assert secret not in message


def test_bearer_mode_refuses_the_example_files_secret(instance):
    example = runpy.run_path(str(ROOT / "instance" / "config.example.py"))
    assert example["SECRET_KEY"] == EXAMPLE_SECRET_KEY
    assert len(EXAMPLE_SECRET_KEY) >= 32  # refused for what it is, not for its length
    message = refusal(AUTH="bearer", SECRET_KEY=EXAMPLE_SECRET_KEY)
    assert "not instance/config.example.py's" in message


def test_bearer_mode_accepts_a_secret_of_32_bytes(instance, monkeypatch):
    monkeypatch.setenv("PIPELINE_STORE_AUTH", "bearer")
    monkeypatch.setenv("PIPELINE_STORE_SECRET_KEY", "s" * 32)
    assert create_app().config["AUTH"] == "bearer"


def console(instance: pathlib.Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """Run the `pipeline-store` console script with extra PIPELINE_STORE_* variables."""
    script = pathlib.Path(sys.executable).with_name("pipeline-store")
    environment = {**os.environ, "PIPELINE_STORE_INSTANCE_PATH": str(instance)}
    environment.update({f"PIPELINE_STORE_{key}": value for key, value in env.items()})
    return subprocess.run(
        [str(script), *args], env=environment, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("command", [["init-db"], ["export"], ["serve", "--port", "1"]])
def test_commands_stop_with_one_line_and_no_traceback(tmp_path, command):
    result = console(tmp_path, *command, EDITION="entreprise")
    assert result.returncode == 1
    assert result.stderr == (
        "Error: setting EDITION='entreprise' is not allowed: "
        "must be one of 'open-source', 'enterprise'\n"
    )
    assert not (tmp_path / "pipelines.sqlite3").exists()


def test_a_gunicorn_worker_stops_the_server_with_one_line(tmp_path):
    env = {**os.environ, "PIPELINE_STORE_INSTANCE_PATH": str(tmp_path), "PIPELINE_STORE_AUTH": "x"}
    command = [sys.executable, "-m", "gunicorn", "--config", "python:app.gunicorn_conf"]
    command += ["--workers", "1", "--bind", f"127.0.0.1:{free_port()}", "wsgi:app"]
    served = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert served.returncode == 3  # the worker's "failed to boot": the master stops, no respawn
    assert "pipeline-store: setting AUTH='x' is not allowed: must be one of" in served.stderr
    assert "Traceback" not in served.stderr
