"""List Pipelines and Get Pipeline: field sets, seed fidelity, errors (crud.md §2–3)."""

import json

import pytest

from app.pipelines import persistence
from app.schemas.pipelines import FIELD_SETS
from app.schemas.pipelines import PipelineSchema
from app.storage import get_store
from app.storage.sqlite.pipelines import SqlitePipelineRows
from tests.conftest import BOTH_BACKENDS
from tests.test_crud_fuzz import load_schema

STATUS_KEYS = {
    "id", "name", "description", "tags", "created_at", "version", "platform_version",
    "program_config", "program_version", "program_status", "program_status_since",
    "deployment_error", "refresh_version", "storage_status", "storage_status_details",
    "deployment_id", "deployment_initial", "deployment_status", "deployment_status_since",
    "deployment_desired_status", "deployment_desired_status_since",
    "deployment_resources_status", "deployment_resources_status_since",
    "deployment_resources_desired_status", "deployment_resources_desired_status_since",
    "deployment_runtime_status", "deployment_runtime_status_details",
    "deployment_runtime_status_since", "deployment_runtime_desired_status",
    "deployment_runtime_desired_status_since", "bootstrap_policy", "silent_bootstrap",
    "concurrent_bootstrap",
}  # fmt: skip
ALL_KEYS = STATUS_KEYS | {
    "runtime_config", "program_code", "udf_rust", "udf_toml", "program_error",
    "program_info", "deployment_resources_status_details",
}  # fmt: skip
EXPECTED_KEYS = {"all": ALL_KEYS, "status": STATUS_KEYS, "status_with_connectors": STATUS_KEYS}


def contains(actual, expected) -> bool:
    """True if `actual` has every value of `expected` (objects may have extra keys)."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and contains(actual[key], value) for key, value in expected.items()
        )
    return actual == expected and type(actual) is type(expected)


@BOTH_BACKENDS
def test_seed_is_reproduced(seeded_app, seed):
    response = seeded_app.test_client().get("/v0/pipelines")
    assert response.status_code == 200
    listed = response.get_json()
    assert [p["name"] for p in listed] == ["example1", "example2"]
    for expected, actual in zip(seed, listed, strict=True):
        for key, value in expected.items():
            assert contains(actual[key], value), key
        # Newer upstream fields arrive with their defaults.
        assert actual["tags"] == []
        assert actual["bootstrap_policy"] is None
        assert actual["silent_bootstrap"] is False
        assert actual["concurrent_bootstrap"] is False
        assert actual["program_config"]["use_platform_compiler"] is False


@BOTH_BACKENDS
def test_key_order_follows_upstream(seeded_app):
    listed = seeded_app.test_client().get("/v0/pipelines").get_json()
    assert tuple(listed[0]) == FIELD_SETS["all"]


@BOTH_BACKENDS
@pytest.mark.parametrize("selector", ["all", "status", "status_with_connectors"])
def test_exact_key_sets(seeded_app, selector):
    client = seeded_app.test_client()
    listed = client.get(f"/v0/pipelines?selector={selector}").get_json()
    one = client.get(f"/v0/pipelines/example1?selector={selector}").get_json()
    for pipeline in [*listed, one]:
        assert set(pipeline) == EXPECTED_KEYS[selector]
    assert len(EXPECTED_KEYS[selector]) == {"all": 40}.get(selector, 33)


def test_default_selector_is_all(seeded_app):
    client = seeded_app.test_client()
    assert (
        client.get("/v0/pipelines").get_json()
        == client.get("/v0/pipelines?selector=all").get_json()
    )
    assert set(client.get("/v0/pipelines/example2").get_json()) == ALL_KEYS


@pytest.mark.parametrize(
    "query", ["selector=Status", "selector=", "selector=bogus", "selector=ALL"]
)
@pytest.mark.parametrize("path", ["/v0/pipelines", "/v0/pipelines/example1", "/v0/pipelines/nope"])
def test_bad_selector_is_a_400_envelope(seeded_app, path, query):
    response = seeded_app.test_client().get(f"{path}?{query}")
    assert response.status_code == 400
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert list(body) == ["message", "error_code", "details"]
    assert body["error_code"] == "InvalidQueryParameter"
    value = query.split("=", 1)[1]
    assert body["message"] == (
        f"Query deserialize error: unknown variant `{value}`, expected one of "
        "`all`, `status`, `status_with_connectors`"
    )


def test_unknown_query_parameters_are_ignored(seeded_app):
    response = seeded_app.test_client().get("/v0/pipelines?foo=bar&selector=status")
    assert response.status_code == 200
    assert set(response.get_json()[0]) == STATUS_KEYS


def test_unknown_pipeline_is_404(client):
    response = client.get("/v0/pipelines/missing")
    assert response.status_code == 404
    assert response.get_json() == {
        "message": "Unknown pipeline name 'missing'",
        "error_code": "UnknownPipelineName",
        "details": {"pipeline_name": "missing"},
    }
    assert "Cache-Control" not in response.headers


def test_success_headers(seeded_app):
    client = seeded_app.test_client()
    for path in ("/v0/pipelines", "/v0/pipelines/example1"):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "no-cache"
        assert response.mimetype == "application/json"


@BOTH_BACKENDS
def test_empty_store_lists_nothing(client):
    assert client.get("/v0/pipelines").get_json() == []


def test_names_are_case_sensitive(seeded_app):
    assert seeded_app.test_client().get("/v0/pipelines/EXAMPLE1").status_code == 404


@BOTH_BACKENDS
def test_order_is_by_id_not_name(app, runner, tmp_path, seed):
    # Reverse the names so name order and id order disagree.
    seed[0]["name"], seed[1]["name"] = "zzz", "aaa"
    path = tmp_path / "reversed.json"
    path.write_text(json.dumps(seed))
    assert runner.invoke(args=["import", str(path)]).exit_code == 0
    listed = app.test_client().get("/v0/pipelines?selector=status").get_json()
    assert [p["name"] for p in listed] == ["zzz", "aaa"]
    assert [p["id"] for p in listed] == sorted(p["id"] for p in listed)


@BOTH_BACKENDS
@pytest.mark.parametrize("selector", ["all", "status", "status_with_connectors", "mutation"])
def test_sql_rendering_matches_schema_dump(seeded_app, selector):
    """The lean SQL renderer returns exactly what the marshmallow schema documents."""
    with seeded_app.app_context():
        rows = get_store().pipelines
        stored = rows.get_many([pipeline_id for _, pipeline_id in rows.names_and_ids()])
        rendered = json.loads(rows.render_list(FIELD_SETS[selector]))
    schema = PipelineSchema(only=FIELD_SETS[selector])
    assert rendered == [schema.dump(record) for record in stored]
    assert [tuple(r) for r in rendered] == [
        tuple(k for k in FIELD_SETS[selector] if k != "connectors")
    ] * len(stored)


@BOTH_BACKENDS
def test_connectors_appear_only_with_runtime_stats(seeded_app):
    with seeded_app.app_context():
        store = get_store()
        record = store.pipelines.get("example1")
        details = {"connector_stats": {"num_errors": 3}}
        persistence.save(store, record, {"deployment_runtime_status_details": details})
    client = seeded_app.test_client()
    listed = client.get("/v0/pipelines?selector=status_with_connectors").get_json()
    assert listed[0]["connectors"] == {"num_errors": 3}
    assert "connectors" not in listed[1]
    assert "connectors" not in client.get("/v0/pipelines/example1?selector=status").get_json()


@BOTH_BACKENDS
@pytest.mark.parametrize("selector", ["all", "status", "status_with_connectors"])
def test_every_selector_answers_what_the_generated_spec_documents(seeded_app, selector):
    with seeded_app.app_context():
        store = get_store()
        record = store.pipelines.get("example1")
        details = {"connector_stats": {"num_errors": 1}}
        persistence.save(store, record, {"deployment_runtime_status_details": details})
    schema = load_schema(seeded_app)
    client = seeded_app.test_client()
    listed = client.get(f"/v0/pipelines?selector={selector}")
    one = client.get(f"/v0/pipelines/example1?selector={selector}")
    assert ("connectors" in listed.get_json()[0]) is (selector == "status_with_connectors")
    # Raises if a response has a field the spec does not declare (additionalProperties).
    schema["/v0/pipelines"]["GET"].validate_response(listed)
    schema["/v0/pipelines/{pipeline_name}"]["GET"].validate_response(one)


def test_unexpected_failure_is_a_500_envelope(app, client, monkeypatch):
    def explode(self, fields):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(SqlitePipelineRows, "render_list", explode)
    response = client.get("/v0/pipelines")
    assert response.status_code == 500
    body = response.get_json()
    assert body["error_code"] == "InternalServerError"
    assert "secret" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "method, path, status, code",
    [
        ("GET", "/v0/no-such-route", 404, "UnknownEndpoint"),
        ("DELETE", "/v0/pipelines", 405, "MethodNotAllowed"),
        ("GET", "/elsewhere", 404, "UnknownEndpoint"),
    ],
)
def test_framework_errors_are_envelopes(client, method, path, status, code):
    response = client.open(path, method=method)
    assert response.status_code == status
    assert response.get_json()["error_code"] == code
    assert response.get_json()["details"] == {}
