"""Platform endpoints: `/v0/config`, session, `/config/authentication`, health, demos."""

from datetime import datetime

import pytest

from app import create_app

CONFIG_FIELDS = [
    "posthog", "conceptualhq", "product_fruits", "edition", "version", "revision",
    "runtime_revision", "unstable_features", "changelog_url", "license_validity",
    "update_info", "build_info", "build_source",
]  # fmt: skip
BUILD_FIELDS = {
    "build_timestamp", "build_cpu", "build_os", "cargo_dependencies", "cargo_features",
    "cargo_debug", "cargo_opt_level", "cargo_target_triple", "rustc_version",
}  # fmt: skip
GENERIC_OIDC = {"issuer": "https://login.example", "client_id": "console"}


def make_app(tmp_path, **settings):
    return create_app(
        {
            "TESTING": True,
            "DATABASE": str(tmp_path / "p.sqlite3"),
            "SECRET_KEY": "p" * 32,
            **settings,
        }
    )


def test_config_defaults(client):
    response = client.get("/v0/config")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == set(CONFIG_FIELDS)
    assert body["edition"] == "Open source"
    assert body["version"] == "0.369.0"
    assert body["changelog_url"].endswith("/v0.369.0")
    assert (body["posthog"], body["conceptualhq"], body["product_fruits"]) == ("", "", "")
    assert body["unstable_features"] is body["license_validity"] is body["update_info"] is None
    assert set(body["build_info"]) == BUILD_FIELDS
    assert all(isinstance(v, str) for v in body["build_info"].values())
    assert body["build_source"] == "source"


def test_config_follows_settings(tmp_path):
    client = make_app(tmp_path, EDITION="enterprise", PLATFORM_VERSION="1.2.3").test_client()
    body = client.get("/v0/config").get_json()
    assert (body["edition"], body["version"]) == ("Enterprise", "1.2.3")


def test_authentication_config(client, tmp_path):
    assert client.get("/config/authentication").get_json() == {}

    provider = {"GenericOidc": GENERIC_OIDC}
    bearer = make_app(tmp_path, AUTH="bearer", OIDC_PROVIDER=provider).test_client()
    assert bearer.get("/config/authentication").get_json() == {
        "GenericOidc": {**GENERIC_OIDC, "extra_oidc_scopes": []}
    }
    cognito = {"issuer": "i", "login_url": "https://in", "logout_url": "https://out"}
    bearer = make_app(tmp_path, AUTH="bearer", OIDC_PROVIDER={"AwsCognito": cognito})
    assert bearer.test_client().get("/config/authentication").get_json() == {"AwsCognito": cognito}
    # Without auth there is no login flow, whatever the provider setting says.
    plain = make_app(tmp_path, OIDC_PROVIDER=provider).test_client()
    assert plain.get("/config/authentication").get_json() == {}


@pytest.mark.parametrize(
    "provider",
    [
        {"Okta": {}},
        {"GenericOidc": {"issuer": "x"}},
        {"GenericOidc": GENERIC_OIDC, "AwsCognito": {}},
        "GenericOidc",
    ],
)
def test_invalid_provider_is_refused(tmp_path, provider):
    with pytest.raises(ValueError, match="OIDC_PROVIDER"):
        make_app(tmp_path, OIDC_PROVIDER=provider)


def test_session_of_an_api_key(tmp_path):
    app = make_app(tmp_path, AUTH="bearer")
    key = app.test_cli_runner().invoke(args=["api-key", "create", "s", "--role", "read"]).stdout
    response = app.test_client().get(
        "/v0/config/session", headers={"Authorization": f"Bearer {key.strip()}"}
    )
    assert response.get_json() == {
        "tenant_id": "00000000-0000-0000-0000-000000000000",
        "tenant_name": "default",
        "role": "read",
        "memberships": [],
    }


def test_demos(client):
    response = client.get("/v0/config/demos")
    assert (response.status_code, response.get_json()) == (200, [])


def test_health(client, app, tmp_path):
    assert client.get("/healthz").get_json() == {"status": "healthy"}
    cluster = client.get("/v0/cluster_healthz")
    assert cluster.status_code == 200
    body = cluster.get_json()
    assert body["all_healthy"] is True
    for service in ("api", "compiler", "runner"):
        status = body[service]
        assert set(status) == {"healthy", "message", "unchanged_since", "checked_at"}
        assert status["healthy"] is True
        datetime.fromisoformat(status["checked_at"])

    # The database file becomes unreachable.
    app.config["DATABASE"] = str(tmp_path / "gone" / "p.sqlite3")
    unhealthy = client.get("/healthz")
    assert unhealthy.status_code == 500
    assert unhealthy.get_json() == {
        "status": "unhealthy: unable to reach database (see logs for further details)"
    }
    cluster = client.get("/v0/cluster_healthz")
    assert cluster.status_code == 503
    assert cluster.get_json()["all_healthy"] is False
    assert cluster.get_json()["api"]["healthy"] is False


def test_health_is_public_and_cluster_health_is_not(tmp_path):
    client = make_app(tmp_path, AUTH="bearer").test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/v0/cluster_healthz").status_code == 401


def test_openapi_declares_the_bearer_scheme(client):
    spec = client.get("/openapi.json").get_json()
    scheme = spec["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    ids = {
        op["operationId"]: op.get("security")
        for item in spec["paths"].values()
        for method, op in item.items()
        if method != "parameters"
    }
    for public in ("get_config_authentication", "get_health"):
        assert ids[public] is None
    for protected in ("get_config", "get_config_session", "list_api_keys", "post_api_key"):
        assert ids[protected] == [{"bearerAuth": []}]
