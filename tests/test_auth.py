"""Authentication modes, roles on every operation of the spec, key hashing, self-issued tokens."""

import base64
import hashlib
import re
import sqlite3

import pytest

from app import create_app
from app.auth.roles import required_role
from app.auth.tokens import issue_token
from app.auth.tokens import parse_duration
from app.settings_schema import SettingsError
from tests.conftest import BOTH_BACKENDS

SECRET = "auth-tests-secret-of-at-least-32-bytes"
HTTP_METHODS = {"get", "put", "post", "patch", "delete"}
BAD_KEY = "apikey:" + "x" * 128
# Routes whose minimum role is not "GET needs read, other methods need write" (platform.md §A5).
SPEC_EXCEPTIONS = (
    (r"/v0/api_keys(/\{[^}]+\})?", {"get": "write", "post": "write", "delete": "write"}),
    (r"/v0/pipelines/\{[^}]+\}/samply_profile", {"post": "read"}),
    (r"/v0/pipelines/\{[^}]+\}/query", {"get": "write"}),
    (r"/v0/pipelines/\{[^}]+\}/.+/completion_token", {"get": "write"}),
    (r"/v0/config/owners", {"get": "owner"}),
    (r"/v0/tenants(/\{[^}]+\})?", dict.fromkeys(("get", "post", "patch", "delete"), "owner")),
    (r"/v0/(oidc_trust|tenant/users)(/\{[^}]+\})?", dict.fromkeys(HTTP_METHODS, "admin")),
)


def spec_minimum(method: str, path: str) -> str:
    """The role platform.md §A5 demands, written independently of the app's own table."""
    for pattern, methods in SPEC_EXCEPTIONS:
        if re.fullmatch(pattern, path) and method in methods:
            return methods[method]
    return "read" if method == "get" else "write"


@pytest.fixture
def bearer_app(database):
    """An app with AUTH=bearer on a fresh database."""
    return create_app(
        {
            "TESTING": True,
            "DATABASE": database,
            "SECRET_KEY": SECRET,
            "AUTH": "bearer",
        }
    )


@pytest.fixture
def bearer_client(bearer_app):
    return bearer_app.test_client()


def mint(app, name: str, role: str) -> str:
    """Create a key with the CLI, as an operator would; return it."""
    result = app.test_cli_runner().invoke(args=["api-key", "create", name, "--role", role])
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def operations(client):
    """Every (method, path template, concrete path) of the app's own OpenAPI document."""
    spec = client.get("/openapi.json").get_json()
    for template, item in spec["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                concrete = re.sub(r"\{[^}]+\}", "dummy", template)
                yield method, template, concrete, operation


def call(client, method: str, path: str, headers: dict | None = None):
    kwargs = {"headers": headers or {}}
    if method != "get":
        kwargs["json"] = {}
    return client.open(path, method=method.upper(), **kwargs)


@BOTH_BACKENDS
def test_every_operation_requires_a_valid_credential(bearer_client):
    walked = list(operations(bearer_client))
    assert len(walked) >= 10
    for method, template, path, operation in walked:
        public = not template.startswith("/v0")
        assert ("security" in operation) is not public, (method, template)
        for headers in ({}, bearer(BAD_KEY), bearer("not-a-jwt"), {"Authorization": "Basic x"}):
            response = call(bearer_client, method, path, headers)
            if public:
                assert response.status_code != 401, (method, template)
                continue
            assert response.status_code == 401, (method, template, headers)
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
            assert response.get_json()["error_code"] == "AuthenticationFailed"


@BOTH_BACKENDS
def test_read_and_write_keys_get_what_the_spec_allows(bearer_app, bearer_client):
    reader = bearer(mint(bearer_app, "reader", "read"))
    writer = bearer(mint(bearer_app, "writer", "write"))
    for method, template, path, _operation in operations(bearer_client):
        required = spec_minimum(method, template)
        response = call(bearer_client, method, path, reader)
        if required == "read":
            assert response.status_code not in (401, 403), (method, template, response.json)
        else:
            assert response.status_code == 403, (method, template)
            assert response.get_json() == {
                "message": "Insufficient permissions: this action requires the "
                f"'{required}' role, but the caller has 'read'",
                "error_code": "InsufficientPermissions",
                "details": {"required": required, "actual": "read"},
            }
        response = call(bearer_client, method, path, writer)
        if required in ("admin", "owner"):  # tenants, members, OIDC trusts, owners
            assert response.status_code == 403, (method, template)
        else:
            assert response.status_code not in (401, 403), (method, template, response.json)


def test_app_table_matches_the_spec_on_routes_not_yet_built():
    for method, rule in [
        ("GET", "/v0/api_keys"),
        ("POST", "/v0/pipelines/<pipeline_name>/samply_profile"),
        ("GET", "/v0/pipelines/<pipeline_name>/query"),
        ("GET", "/v0/pipelines/<p>/tables/<t>/connectors/<c>/completion_token"),
        ("GET", "/v0/pipelines/<p>/tables/<t>/connectors/<c>/stats"),
        ("POST", "/v0/pipelines/<pipeline_name>/start"),
        ("GET", "/v0/pipelines/<pipeline_name>/stats"),
    ]:
        template = re.sub(r"<[^>]+>", "{x}", rule)
        assert required_role(method, rule) == spec_minimum(method.lower(), template), rule
    assert required_role("GET", "/v0/oidc_trust") == "admin"
    assert required_role("POST", "/v0/tenants") == "owner"


@BOTH_BACKENDS
def test_unknown_routes_authenticate_first(bearer_app, bearer_client):
    assert bearer_client.get("/v0/nowhere").status_code == 401
    reader = bearer(mint(bearer_app, "reader", "read"))
    unknown = bearer_client.get("/v0/nowhere", headers=reader)
    assert (unknown.status_code, unknown.get_json()["error_code"]) == (404, "UnknownEndpoint")
    wrong = bearer_client.put("/v0/api_keys", headers=reader)
    assert (wrong.status_code, wrong.get_json()["error_code"]) == (405, "MethodNotAllowed")


def test_public_routes_stay_public(bearer_client):
    for path in ("/config/authentication", "/healthz", "/openapi.json", "/docs"):
        assert bearer_client.get(path).status_code == 200, path


def test_mode_none_ignores_headers(client):
    response = client.get("/v0/config/session", headers=bearer(BAD_KEY))
    assert response.status_code == 200
    assert response.get_json() == {
        "tenant_id": "00000000-0000-0000-0000-000000000000",
        "tenant_name": "default",
        "role": "admin",
        "memberships": [],
    }
    assert client.get("/v0/pipelines", headers={"Authorization": "garbage"}).status_code == 200


def test_database_holds_only_the_hash(bearer_app, bearer_client, database):
    key = mint(bearer_app, "first", "write")
    created = bearer_client.post("/v0/api_keys", json={"name": "second"}, headers=bearer(key))
    assert created.status_code == 201
    keys = [key, created.get_json()["api_key"]]
    assert all(re.fullmatch(r"apikey:[A-Za-z0-9]{128}", k) for k in keys)

    conn = sqlite3.connect(database)
    rows = conn.execute("SELECT name, hash, role FROM api_keys ORDER BY id").fetchall()
    dump = "\n".join(conn.iterdump())
    for k in keys:
        assert k not in dump and k.removeprefix("apikey:") not in dump
    expected = [base64.b64encode(hashlib.sha256(k.encode()).digest()).decode() for k in keys]
    assert rows == [("first", expected[0], "write"), ("second", expected[1], "read")]
    assert all(len(h) == 44 for h in expected)

    # A row made by hand from a known key's hash authenticates that key: lookup is by hash.
    planted = "apikey:" + "P" * 128
    planted_hash = base64.b64encode(hashlib.sha256(planted.encode()).digest()).decode()
    with conn:
        conn.execute(
            "INSERT INTO api_keys VALUES ('id-planted', ?, 'planted', ?, 'read')",
            ["00000000-0000-0000-0000-000000000000", planted_hash],
        )
        conn.execute("UPDATE api_keys SET hash = 'changed' WHERE name = 'first'")
    conn.close()
    assert bearer_client.get("/v0/config/session", headers=bearer(planted)).json["role"] == "read"
    assert bearer_client.get("/v0/config", headers=bearer(key)).status_code == 401


@BOTH_BACKENDS
def test_deleted_key_stops_working(bearer_app, bearer_client):
    admin = bearer(mint(bearer_app, "admin", "write"))
    doomed = bearer_client.post("/v0/api_keys", json={"name": "doomed"}, headers=admin).json
    assert bearer_client.get("/v0/config", headers=bearer(doomed["api_key"])).status_code == 200
    assert bearer_client.delete("/v0/api_keys/doomed", headers=admin).status_code == 200
    assert bearer_client.get("/v0/config", headers=bearer(doomed["api_key"])).status_code == 401


@BOTH_BACKENDS
def test_self_issued_token_from_the_cli(bearer_app, bearer_client):
    result = bearer_app.test_cli_runner().invoke(
        args=["token", "create", "--role", "read", "--expires-in", "7d"]
    )
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("pstoken:")
    session = bearer_client.get("/v0/config/session", headers=bearer(token))
    assert (session.status_code, session.json["role"]) == (200, "read")
    refused = bearer_client.post("/v0/api_keys", json={"name": "k"}, headers=bearer(token))
    assert refused.status_code == 403


def test_self_issued_token_expired_tampered_or_foreign_is_refused(bearer_client):
    valid = issue_token(SECRET, "write", 3600)
    assert bearer_client.get("/v0/config", headers=bearer(valid)).status_code == 200
    expired = issue_token(SECRET, "write", 60, now=1_000_000_000)
    head, _, signature = valid.rpartition(".")
    tampered = f"{head}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    payload = valid.removeprefix("pstoken:").split(".")[0]
    forged_payload = base64.urlsafe_b64encode(b'{"role":"admin","iat":1,"exp":9999999999}')
    swapped = valid.replace(payload, forged_payload.decode().rstrip("="))
    foreign = issue_token("some-other-secret", "write", 3600)
    for token in (expired, tampered, swapped, foreign, "pstoken:", "pstoken:garbage"):
        response = bearer_client.get("/v0/config", headers=bearer(token))
        assert response.status_code == 401, token
        assert response.json["error_code"] == "AuthenticationFailed"


def test_token_cli_refuses_the_default_secret(tmp_path):
    app = create_app({"TESTING": True, "DATABASE": str(tmp_path / "t.sqlite3")})
    result = app.test_cli_runner().invoke(args=["token", "create"])
    assert result.exit_code != 0
    assert "SECRET_KEY" in result.output
    bad = app.test_cli_runner().invoke(args=["token", "create", "--expires-in", "soon"])
    assert bad.exit_code != 0


def test_durations():
    assert [parse_duration(t) for t in ("90", "30s", "15m", "12h", "7d")] == [
        90,
        30,
        900,
        43200,
        604800,
    ]
    for bad in ("", "0", "7w", "-1d", "d"):
        with pytest.raises(ValueError):
            parse_duration(bad)


@pytest.mark.parametrize("secret", [None, "", "dev"])
def test_bearer_mode_refuses_the_default_secret(tmp_path, secret):
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        create_app(
            {"DATABASE": str(tmp_path / "x.sqlite3"), "AUTH": "bearer", "SECRET_KEY": secret}
        )


def test_bearer_mode_from_the_environment_refuses_the_default_secret(tmp_path, monkeypatch):
    monkeypatch.setenv("PIPELINE_STORE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("PIPELINE_STORE_AUTH", "bearer")
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        create_app()
    assert not (tmp_path / "pipelines.sqlite3").exists()
    monkeypatch.setenv("PIPELINE_STORE_SECRET_KEY", "from-env-and-at-least-32-bytes-long")
    assert create_app().config["AUTH"] == "bearer"


def test_unknown_mode_is_refused(tmp_path):
    with pytest.raises(ValueError, match="AUTH"):
        create_app({"DATABASE": str(tmp_path / "x.sqlite3"), "AUTH": "basic"})


def test_cors_is_off_by_default(client):
    response = client.get("/v0/config", headers={"Origin": "https://dash.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_cors_allows_configured_origins(tmp_path):
    app = create_app(
        {
            "DATABASE": str(tmp_path / "c.sqlite3"),
            "SECRET_KEY": SECRET,
            "AUTH": "bearer",
            "CORS_ORIGINS": "https://dash.example, https://other.example",
        }
    )
    client = app.test_client()
    preflight = client.options(
        "/v0/pipelines",
        headers={
            "Origin": "https://dash.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://dash.example"
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "authorization" in preflight.headers["Access-Control-Allow-Headers"].lower()
    # The browser must be able to read a 401 to send its user to log in.
    denied = client.get("/v0/pipelines", headers={"Origin": "https://other.example"})
    assert denied.status_code == 401
    assert denied.headers["Access-Control-Allow-Origin"] == "https://other.example"
    stranger = client.get("/v0/pipelines", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in stranger.headers


def test_cors_any_origin_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PIPELINE_STORE_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("PIPELINE_STORE_CORS_ORIGINS", '["*"]')
    client = create_app().test_client()
    response = client.get("/config/authentication", headers={"Origin": "https://x.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"


PREFLIGHT = {"Origin": "https://dash.example", "Access-Control-Request-Method": "POST"}


@pytest.mark.parametrize(
    "path", ["/v0/pipelines", "/v0/pipelines/p/start", "/v0/api_keys", "/v0/no_such_route"]
)
@pytest.mark.parametrize("headers", [{}, PREFLIGHT], ids=["plain", "preflight-cors-off"])
def test_options_without_credentials_reveals_no_route(bearer_client, path, headers):
    options = bearer_client.options(path, headers=headers)
    get = bearer_client.get(path)
    assert options.status_code == get.status_code == 401
    assert options.get_json() == get.get_json()
    assert options.headers["WWW-Authenticate"] == "Bearer"
    assert "Allow" not in options.headers


def test_options_with_credentials_answers_as_before(bearer_app, bearer_client):
    headers = bearer(mint(bearer_app, "reader", "read"))
    known = bearer_client.options("/v0/pipelines", headers=headers)
    assert known.status_code == 200
    assert {"GET", "POST"} <= set(known.headers["Allow"].split(", "))
    assert bearer_client.options("/v0/no_such_route", headers=headers).status_code == 404


def test_preflights_from_cors_origins_need_no_credentials(tmp_path):
    app = create_app(
        {
            "DATABASE": str(tmp_path / "p.sqlite3"),
            "SECRET_KEY": SECRET,
            "AUTH": "bearer",
            "CORS_ORIGINS": "https://dash.example",
        }
    )
    client = app.test_client()
    preflight = client.options("/v0/pipelines/p/start", headers=PREFLIGHT)
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://dash.example"
    stranger = {**PREFLIGHT, "Origin": "https://evil.example"}
    assert client.options("/v0/pipelines/p/start", headers=stranger).status_code == 401
    # Not a preflight (no Access-Control-Request-Method): authenticated as usual.
    origin_only = {"Origin": "https://dash.example"}
    assert client.options("/v0/pipelines", headers=origin_only).status_code == 401
