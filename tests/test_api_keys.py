"""`/v0/api_keys`: shapes, status codes, upstream's order of checks, and the `api-key` CLI."""

import re
import uuid

import pytest

from app import create_app
from tests.conftest import BOTH_BACKENDS

KEY_PATTERN = r"apikey:[A-Za-z0-9]{128}"


@BOTH_BACKENDS
def test_create_list_get_delete(client):
    created = client.post("/v0/api_keys", json={"name": "ci-key", "role": "write"})
    assert created.status_code == 201
    assert created.headers["Cache-Control"] == "no-cache"
    body = created.get_json()
    assert set(body) == {"id", "name", "api_key"}
    assert uuid.UUID(body["id"]).version == 7
    assert body["name"] == "ci-key"
    assert re.fullmatch(KEY_PATTERN, body["api_key"])

    listed = client.get("/v0/api_keys")
    assert listed.headers["Cache-Control"] == "no-cache"
    assert listed.get_json() == [{"id": body["id"], "name": "ci-key", "role": "write"}]
    one = client.get("/v0/api_keys/ci-key")
    assert (one.status_code, one.headers["Cache-Control"]) == (200, "no-cache")
    assert one.get_json() == [{"id": body["id"], "name": "ci-key", "role": "write"}]
    assert "api_key" not in str(listed.get_json()) + str(one.get_json())

    deleted = client.delete("/v0/api_keys/ci-key")
    assert (deleted.status_code, deleted.data) == (200, b"")
    assert "Cache-Control" not in deleted.headers
    assert client.get("/v0/api_keys").get_json() == []


@BOTH_BACKENDS
@pytest.mark.parametrize("method", ["get", "delete"])
def test_unknown_key(client, method):
    response = client.open("/v0/api_keys/nobody", method=method.upper())
    assert response.status_code == 404
    assert response.get_json() == {
        "message": "Unknown API key 'nobody'",
        "error_code": "UnknownApiKey",
        "details": {"name": "nobody"},
    }


@pytest.mark.parametrize("body", [{"name": "r"}, {"name": "r", "role": None}])
def test_role_defaults_to_read(client, body):
    assert client.post("/v0/api_keys", json={**body, "extra": 1}).status_code == 201
    assert client.get("/v0/api_keys/r").get_json()[0]["role"] == "read"


@BOTH_BACKENDS
def test_duplicate_name(client):
    assert client.post("/v0/api_keys", json={"name": "same"}).status_code == 201
    again = client.post("/v0/api_keys", json={"name": "same", "role": "write"})
    assert again.status_code == 409
    assert again.get_json() == {
        "message": "An entity with this name already exists",
        "error_code": "DuplicateName",
        "details": {},
    }


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("", "EmptyName"),
        ("k" * 101, "TooLongName"),
        ("é" * 51, "TooLongName"),
        ("has space", "NameDoesNotMatchPattern"),
        ("dot.ted", "NameDoesNotMatchPattern"),
        ("trailing\n", "NameDoesNotMatchPattern"),
    ],
)
def test_name_rules(client, name, code):
    response = client.post("/v0/api_keys", json={"name": name})
    assert response.status_code == 400
    assert response.get_json()["error_code"] == code


def test_name_edge_cases_accepted(client):
    for name in ("k" * 100, "-_-", "_lead", "trail-", "0"):
        assert client.post("/v0/api_keys", json={"name": name}).status_code == 201, name


@pytest.mark.parametrize(
    ("body", "code", "details"),
    [
        ({"name": "x", "role": "owner"}, "RoleExceedsCreator", {"requested": "owner"}),
        ({"name": "x", "role": "admin"}, "OwnerAdminNotMintableAsApiKey", {"role": "admin"}),
        # The role is checked before the name.
        ({"name": "", "role": "owner"}, "RoleExceedsCreator", {"requested": "owner"}),
        ({"name": "bad name", "role": "admin"}, "OwnerAdminNotMintableAsApiKey", {}),
    ],
)
def test_roles_above_or_unmintable_as_admin(client, body, code, details):
    response = client.post("/v0/api_keys", json=body)
    assert response.status_code == 403
    assert response.get_json()["error_code"] == code
    assert details.items() <= response.get_json()["details"].items()


def test_role_exceeding_a_write_creator(tmp_path):
    app = create_app(
        {"DATABASE": str(tmp_path / "k.sqlite3"), "SECRET_KEY": "k" * 32, "AUTH": "bearer"}
    )
    key = app.test_cli_runner().invoke(args=["api-key", "create", "w", "--role", "write"]).stdout
    client = app.test_client()
    response = client.post(
        "/v0/api_keys",
        json={"name": "x", "role": "admin"},
        headers={"Authorization": f"Bearer {key.strip()}"},
    )
    assert response.status_code == 403
    assert response.get_json() == {
        "message": "Cannot grant the 'admin' role: it exceeds the creator's own 'write' role",
        "error_code": "RoleExceedsCreator",
        "details": {"requested": "admin", "creator": "write"},
    }


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({}, "missing field `name`"),
        ({"role": "write"}, "missing field `name`"),
        ({"name": "x", "role": "root"}, "unknown variant `root`"),
        ({"name": 5}, "invalid type"),
    ],
)
def test_bad_bodies(client, body, fragment):
    response = client.post("/v0/api_keys", json=body)
    assert response.status_code == 400
    assert response.get_json()["error_code"] == "InvalidRequestBody"
    assert response.get_json()["message"].startswith("Json deserialize error: ")
    assert fragment in response.get_json()["message"]


@BOTH_BACKENDS
def test_cli_create_list_delete(app, runner, client):
    created = runner.invoke(args=["api-key", "create", "ops", "--role", "write"])
    assert created.exit_code == 0, created.output
    key = created.stdout.strip()
    assert re.fullmatch(KEY_PATTERN, key)  # stdout is the key alone, for scripts
    assert "cannot be shown again" in created.stderr

    listed = runner.invoke(args=["api-key", "list"])
    assert listed.exit_code == 0
    assert listed.stdout.split("\t")[:2] == ["ops", "write"]
    assert key not in listed.output
    assert client.get("/v0/api_keys/ops").get_json()[0]["role"] == "write"

    duplicate = runner.invoke(args=["api-key", "create", "ops"])
    assert duplicate.exit_code != 0 and "DuplicateName" in duplicate.output
    invalid = runner.invoke(args=["api-key", "create", "no good"])
    assert invalid.exit_code != 0 and "NameDoesNotMatchPattern" in invalid.output
    admin = runner.invoke(args=["api-key", "create", "a", "--role", "admin"])
    assert admin.exit_code != 0

    assert runner.invoke(args=["api-key", "delete", "ops"]).exit_code == 0
    missing = runner.invoke(args=["api-key", "delete", "ops"])
    assert missing.exit_code != 0 and "UnknownApiKey" in missing.output
    assert runner.invoke(args=["api-key", "list"]).stdout == ""
