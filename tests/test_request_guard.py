"""Hostile web pages: cross-origin writes and DNS-rebound hosts are refused, clients still work."""

import pytest
import requests

from app import create_app
from tests.feldera_sdk import FelderaClient
from tests.server import gunicorn_server

EVIL = "https://evil.example"
# The "simple" requests a page can send without a CORS preflight.
SIMPLE_BODIES = {
    "form": {"data": {"a": "b"}},
    "text": {"data": "x", "headers": {"Content-Type": "text/plain"}},
}


def make_client(tmp_path, **settings):
    """A test client on a fresh database whose lifecycle is immediate."""
    config = {
        "TESTING": True,
        "DATABASE": str(tmp_path / "guard.sqlite3"),
        "SECRET_KEY": "guard-secret-of-at-least-32-bytes",
        "SIMULATION_SCALE": 0,
        **settings,
    }
    return create_app(config).test_client()


@pytest.fixture
def client(tmp_path):
    """Defaults: AUTH=none, no CORS_ORIGINS, no ALLOWED_HOSTS."""
    return make_client(tmp_path)


def compiled_pipeline(client, name: str = "p") -> dict:
    """Create a pipeline and return it once compiled (the simulation is immediate)."""
    assert client.post("/v0/pipelines", json={"name": name, "program_code": ""}).status_code == 201
    return client.get(f"/v0/pipelines/{name}").get_json()


def post(client, path: str, kind: str, origin: str = EVIL, **headers):
    """A cross-origin simple POST of the given body kind."""
    body = SIMPLE_BODIES[kind]
    return client.post(
        path, data=body["data"], headers={"Origin": origin, **body.get("headers", {}), **headers}
    )


@pytest.mark.parametrize("kind", SIMPLE_BODIES)
def test_cross_origin_start_is_refused_and_changes_nothing(client, kind):
    before = compiled_pipeline(client)
    response = post(client, "/v0/pipelines/p/start", kind)
    assert response.status_code == 403
    assert response.get_json() == {
        "message": f"Cross-origin request from '{EVIL}' refused: only this server's own origin "
        "and CORS_ORIGINS may send requests that change state",
        "error_code": "OriginNotAllowed",
        "details": {"origin": EVIL},
    }
    assert client.get("/v0/pipelines/p").get_json() == before


@pytest.mark.parametrize("kind", SIMPLE_BODIES)
def test_cross_origin_stop_is_refused_and_changes_nothing(client, kind):
    compiled_pipeline(client)
    assert client.post("/v0/pipelines/p/start").status_code == 202
    running = client.get("/v0/pipelines/p").get_json()
    assert running["deployment_status"] == "Running"
    response = post(client, "/v0/pipelines/p/stop?force=true", kind)
    assert (response.status_code, response.get_json()["error_code"]) == (403, "OriginNotAllowed")
    assert client.get("/v0/pipelines/p").get_json() == running


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/v0/pipelines"),
        ("PUT", "/v0/pipelines/p"),
        ("PATCH", "/v0/pipelines/p"),
        ("DELETE", "/v0/pipelines/p"),
        ("POST", "/v0/pipelines/p/clear"),
        ("POST", "/v0/api_keys"),
    ],
)
def test_every_state_changing_method_checks_the_origin(client, method, path):
    compiled_pipeline(client)
    response = client.open(path, method=method, json={}, headers={"Origin": "null"})
    assert (response.status_code, response.get_json()["error_code"]) == (403, "OriginNotAllowed")
    assert [p["name"] for p in client.get("/v0/pipelines").get_json()] == ["p"]
    assert client.get("/v0/api_keys").get_json() == []


def test_reads_from_any_origin_and_requests_without_origin_pass(client):
    compiled_pipeline(client)
    assert client.get("/v0/pipelines", headers={"Origin": EVIL}).status_code == 200
    # The SDK and scripts send no Origin.
    assert client.post("/v0/pipelines/p/start").status_code == 202


@pytest.mark.parametrize(
    ("host", "origin"),
    [
        ("localhost", "http://localhost"),
        ("127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("Localhost:8080", "http://localhost:8080"),
    ],
)
def test_the_servers_own_origin_may_write(client, host, origin):
    response = client.post(
        "/v0/pipelines",
        json={"name": "own", "program_code": ""},
        headers={"Origin": origin, "Host": host},
    )
    assert response.status_code == 201


def test_a_lookalike_of_the_own_origin_is_refused(client):
    response = client.post(
        "/v0/pipelines",
        json={"name": "x", "program_code": ""},
        headers={"Origin": "http://127.0.0.1:9999", "Host": "127.0.0.1:8080"},
    )
    assert response.status_code == 403


def test_cors_origins_may_write(tmp_path):
    client = make_client(tmp_path, CORS_ORIGINS="https://dash.example")
    response = client.post(
        "/v0/pipelines",
        json={"name": "dash", "program_code": ""},
        headers={"Origin": "https://dash.example"},
    )
    assert response.status_code == 201
    assert response.headers["Access-Control-Allow-Origin"] == "https://dash.example"
    assert post(client, "/v0/pipelines/dash/start", "form").status_code == 403


def test_cors_origins_any_lets_every_origin_write(tmp_path):
    client = make_client(tmp_path, CORS_ORIGINS="*")
    compiled_pipeline(client)
    assert post(client, "/v0/pipelines/p/start", "text").status_code == 202


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8080", "localhost.evil.example"])
def test_a_rebound_host_name_is_refused_even_for_reads(client, host):
    response = client.get("/v0/pipelines", headers={"Host": host})
    assert response.status_code == 403
    assert response.get_json() == {
        "message": f"Host '{host}' is not served here: add it to ALLOWED_HOSTS to allow it",
        "error_code": "HostNotAllowed",
        "details": {"host": host},
    }
    assert client.get("/healthz", headers={"Host": host}).status_code == 403


@pytest.mark.parametrize(
    "host",
    ["localhost:8080", "127.0.0.1", "10.1.2.3:8080", "[::1]:8080", "app.localhost", "LOCALHOST."],
)
def test_addresses_and_localhost_are_served(client, host):
    assert client.get("/v0/pipelines", headers={"Host": host}).status_code == 200


def test_allowed_hosts_lists_other_names(tmp_path):
    client = make_client(tmp_path, ALLOWED_HOSTS="pipelines.example.com, registry")
    for host in ("pipelines.example.com", "PIPELINES.example.com:443", "registry:8080"):
        assert client.get("/v0/pipelines", headers={"Host": host}).status_code == 200
    assert client.get("/v0/pipelines", headers={"Host": "evil.example"}).status_code == 403


def test_allowed_hosts_any_turns_the_check_off(tmp_path):
    client = make_client(tmp_path, ALLOWED_HOSTS=["*"])
    assert client.get("/v0/pipelines", headers={"Host": "evil.example"}).status_code == 200


def test_bearer_mode_serves_any_host_unless_listed(tmp_path):
    bearer = {"AUTH": "bearer"}
    client = make_client(tmp_path, **bearer)
    assert client.get("/v0/pipelines", headers={"Host": "any.example"}).status_code == 401
    listed = make_client(tmp_path, ALLOWED_HOSTS="pipelines.example.com", **bearer)
    assert listed.get("/v0/pipelines", headers={"Host": "any.example"}).status_code == 403


def test_end_to_end_hostile_page_refused_sdk_served(tmp_path):
    with gunicorn_server(tmp_path, workers=1) as (url, _):
        client = FelderaClient(url)
        created = requests.post(f"{url}/v0/pipelines", json={"name": "e2e", "program_code": ""})
        assert created.status_code == 201
        refused = requests.post(f"{url}/v0/pipelines/e2e/start", data="x", headers={"Origin": EVIL})
        rebound = requests.get(f"{url}/v0/pipelines", headers={"Host": "evil.example:80"})
        pipelines = client.pipelines()
    assert (refused.status_code, refused.json()["error_code"]) == (403, "OriginNotAllowed")
    assert (rebound.status_code, rebound.json()["error_code"]) == (403, "HostNotAllowed")
    assert [(p.name, p.deployment_desired_status) for p in pipelines] == [("e2e", "Stopped")]
