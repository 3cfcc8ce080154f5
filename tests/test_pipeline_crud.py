"""POST/PUT/PATCH/DELETE pipelines: errors, check order, counters, normalisation (crud.md)."""

import json

import pytest

from app import create_app
from app.pipeline_config import PROGRAM_CONFIG_DEFAULTS
from app.pipeline_config import RUNTIME_CONFIG_DEFAULTS
from app.pipelines import persistence
from app.schemas.pipelines import FIELD_SETS
from app.storage import get_store
from tests.conftest import BOTH_BACKENDS

SINCE = "2025-01-01T00:00:00Z"
# Stored states set directly, as the lifecycle simulation would leave them.
STATES = {
    "running": {
        "deployment_resources_status": "Provisioned",
        "deployment_resources_desired_status": "Provisioned",
        "deployment_runtime_status": "Running",
        "deployment_runtime_status_since": SINCE,
        "deployment_runtime_desired_status": "Running",
        "deployment_runtime_desired_status_since": SINCE,
    },
    # Asked to start but not provisioning yet: not *fully* stopped.
    "starting": {"deployment_resources_desired_status": "Provisioned"},
    "in_use": {"storage_status": "InUse"},
    "clearing": {"storage_status": "Clearing"},
}
PATTERN = "^([A-Za-z0-9][-A-Za-z0-9_]*)?[A-Za-z0-9]$"
PATTERN_DESCRIPTION = (
    "be non-empty and only contain lowercase (a-z), uppercase (A-Z), number (0-9), "
    "underscore (_) or hyphen (-) characters, but cannot start or end with hyphen or underscore"
)
TAG_ALPHABET = (
    "it may contain only ASCII letters (a-z, A-Z), numbers (0-9), or one of space, '.', '_', "
    "'/', '|', '\\', ':', '=' and '-'"
)
STOP_FIRST = "Pipeline can only be updated while stopped. Stop it first by invoking '/stop'."
MUTATION_KEYS = set(FIELD_SETS["all"]) - {
    "bootstrap_policy",
    "silent_bootstrap",
    "concurrent_bootstrap",
}


@pytest.fixture
def app(database):
    """An app whose simulated lifecycle is slowed down so far that nothing moves by itself."""
    return create_app(
        {
            "TESTING": True,
            "DATABASE": database,
            "SECRET_KEY": "test",
            "SIMULATION_SCALE": 10_000,
        }
    )


def body(name="p1", **fields) -> dict:
    """A minimal POST/PUT body."""
    return {"name": name, "program_code": "CREATE TABLE t(x INT);", **fields}


def stored(app, name: str) -> dict | None:
    """The stored record of a pipeline."""
    with app.app_context():
        return get_store().pipelines.get(name)


def set_state(app, name: str, **changes) -> None:
    """Write stored columns directly (deployment/storage states the API cannot set)."""
    with app.app_context():
        store = get_store()
        persistence.save(store, store.pipelines.get(name), changes)


def prepare(app, client, setup: tuple[str, ...]) -> None:
    """Create pipelines named in `setup`; `name:state` also applies a state from STATES."""
    for item in setup:
        name, _, state = item.partition(":")
        assert client.post("/v0/pipelines", json=body(name)).status_code == 201
        for one in filter(None, state.split("+")):
            set_state(app, name, **STATES[one])


def config_invalid(field, code, value, kind, text):
    """Expected (status, code, details, message) of InvalidRuntimeConfig/InvalidProgramConfig."""
    reasons = {
        "DeserializationFailed": "could not deserialize due to: ",
        "EnterpriseFeature": "enterprise feature: ",
        "InvalidPipelineEnv": "invalid pipeline environment: ",
    }
    message = (
        f"JSON for '{field}' field:\n{json.dumps(value, indent=2)}\n\n"
        f"... is not valid due to: {reasons[kind]}{text}"
    )
    return 400, code, {"value": value, "error": {kind: text}}, message


def bad_name(name):
    """Expected NameDoesNotMatchPattern answer."""
    details = {"name": name, "pattern": PATTERN, "pattern_description": PATTERN_DESCRIPTION}
    message = f"Name '{name}' should {PATTERN_DESCRIPTION} (pattern: '{PATTERN}')"
    return 400, "NameDoesNotMatchPattern", details, message


def invalid_tag(tag, reason):
    """Expected InvalidTag answer."""
    return 400, "InvalidTag", {"tag": tag, "reason": reason}, f"Tag '{tag}' is invalid: {reason}"


JSON = "application/json"
RESERVED_ENV = {"TOKIO_X": "1", "FELDERA_A": "2", "OK": "3", "HOSTNAME": "h"}
ERRORS = [
    # (id, setup, method, path, body, (status, error_code, details, message or None))
    ("unknown-patch", (), "patch", "nope", {}, (404, "UnknownPipelineName", {"pipeline_name": "nope"}, "Unknown pipeline name 'nope'")),  # noqa: E501
    ("unknown-delete", (), "delete", "nope", None, (404, "UnknownPipelineName", {"pipeline_name": "nope"}, None)),  # noqa: E501
    ("duplicate-post", ("p1",), "post", "", body(), (409, "DuplicateName", {}, "An entity with this name already exists")),  # noqa: E501
    ("duplicate-put-rename", ("p1", "p2"), "put", "p2", body("p1"), (409, "DuplicateName", {}, None)),  # noqa: E501
    ("duplicate-patch-rename", ("p1", "p2"), "patch", "p2", {"name": "p1"}, (409, "DuplicateName", {}, None)),  # noqa: E501
    ("empty-name", (), "post", "", body(""), (400, "EmptyName", {}, "Name cannot be be empty")),
    ("empty-name-patch", ("p1",), "patch", "p1", {"name": ""}, (400, "EmptyName", {}, None)),
    ("long-name", (), "post", "", body("a" * 64), (400, "TooLongName", {"name": "a" * 64, "length": 64, "maximum": 63}, f"Name '{'a' * 64}' is longer (64) than maximum allowed (63)")),  # noqa: E501
    # Bytes, not characters; and length is checked before the pattern.
    ("long-name-bytes", (), "put", "é" * 32, body("é" * 32), (400, "TooLongName", {"name": "é" * 32, "length": 64, "maximum": 63}, None)),  # noqa: E501
    ("pattern", (), "post", "", body("-a"), bad_name("-a")),
    ("pattern-newline", (), "post", "", body("ab\n"), bad_name("ab\n")),
    ("pattern-patch", ("p1",), "patch", "p1", {"name": "a_"}, bad_name("a_")),
    ("long-description", (), "post", "", body(description="é" * 301), (400, "TooLongDescription", {"length": 301, "maximum": 300}, "Description is longer (301) than maximum allowed (300)")),  # noqa: E501
    ("too-many-tags", (), "post", "", body(tags=["t"] * 51), (400, "TooManyTags", {"count": 51, "maximum": 50}, "Pipeline has more tags (51) than the maximum allowed (50)")),  # noqa: E501
    ("empty-tag", (), "post", "", body(tags=["ok", "", "#"]), invalid_tag("", "it cannot be empty")),  # noqa: E501
    ("long-tag", (), "post", "", body(tags=["x" * 51]), invalid_tag("x" * 51, "it is 51 characters long, but the maximum is 50")),  # noqa: E501
    ("tag-alphabet", ("p1",), "patch", "p1", {"tags": ["a#b"]}, invalid_tag("a#b", TAG_ALPHABET)),  # noqa: E501
    ("runtime-type", (), "post", "", body(runtime_config={"workers": "abc"}), config_invalid("runtime_config", "InvalidRuntimeConfig", {"workers": "abc"}, "DeserializationFailed", 'invalid type: string "abc", expected u16')),  # noqa: E501
    ("runtime-not-object", (), "post", "", body(runtime_config=5), config_invalid("runtime_config", "InvalidRuntimeConfig", 5, "DeserializationFailed", "invalid type: integer `5`, expected struct RuntimeConfig")),  # noqa: E501
    ("runtime-ft-oss", (), "put", "p1", body(runtime_config={"fault_tolerance": {}}), config_invalid("runtime_config", "InvalidRuntimeConfig", {"fault_tolerance": {}}, "EnterpriseFeature", "fault tolerance")),  # noqa: E501
    ("runtime-env", ("p1",), "patch", "p1", {"runtime_config": {"env": RESERVED_ENV}}, config_invalid("runtime_config", "InvalidRuntimeConfig", {"env": RESERVED_ENV}, "InvalidPipelineEnv", "the following environment variable(s) are reserved and cannot be overridden: FELDERA_A, HOSTNAME, TOKIO_X")),  # noqa: E501
    ("program-version", (), "post", "", body(program_config={"runtime_version": ""}), config_invalid("program_config", "InvalidProgramConfig", {"runtime_version": ""}, "DeserializationFailed", "The requested runtime version '' is neither a valid version (vX.Y.Z) nor a valid git hash.")),  # noqa: E501
    ("program-profile", ("p1",), "patch", "p1", {"program_config": {"profile": "fast"}}, config_invalid("program_config", "InvalidProgramConfig", {"profile": "fast"}, "DeserializationFailed", "unknown variant `fast`, expected one of `dev`, `unoptimized`, `optimized`, `optimized_symbols`")),  # noqa: E501
    ("cannot-rename-missing", (), "put", "nope", body("other"), (400, "CannotRenameNonExistingPipeline", {}, "The pipeline name in the request body does not match the one provided in the URL path. This is not allowed when no pipeline with the name provided in the URL path exists.")),  # noqa: E501
    ("update-running", ("p1:running",), "patch", "p1", {"program_code": "x"}, (400, "UpdateRestrictedToStopped", {}, STOP_FIRST)),  # noqa: E501
    ("update-starting-put", ("p1:starting",), "put", "p1", body(udf_rust="fn"), (400, "UpdateRestrictedToStopped", {}, None)),  # noqa: E501
    ("update-running-rename", ("p1:running",), "patch", "p1", {"name": "p9"}, (400, "UpdateRestrictedToStopped", {}, None)),  # noqa: E501
    ("storage-rename", ("p1:in_use",), "patch", "p1", {"name": "p9"}, (400, "EditRestrictedToClearedStorage", {"not_allowed": ["`name`"]}, "The following pipeline edits are not allowed while storage is not cleared: `name`")),  # noqa: E501
    ("storage-runtime", ("p1:clearing",), "patch", "p1", {"runtime_config": {"workers": 9, "clock_timezone_offset": "+01:00", "resources": {"namespace": "x"}}}, (400, "EditRestrictedToClearedStorage", {"not_allowed": ["`runtime_config.workers`", "`runtime_config.resources.namespace`", "`runtime_config.clock_timezone_offset`"]}, "The following pipeline edits are not allowed while storage is not cleared: `runtime_config.workers`, `runtime_config.resources.namespace`, `runtime_config.clock_timezone_offset`")),  # noqa: E501
    ("storage-put", ("p1:in_use",), "put", "p0", body("p0"), None),  # a fresh create is fine
    ("storage-put-rename", ("p1:in_use",), "put", "p1", body("p9", runtime_config={"hosts": 2}), (400, "EditRestrictedToClearedStorage", {"not_allowed": ["`name`", "`runtime_config.hosts`"]}, None)),  # noqa: E501
    ("delete-running", ("p1:running",), "delete", "p1", None, (400, "DeleteRestrictedToFullyStopped", {}, "Cannot delete a pipeline which is not fully stopped. Stop the pipeline first fully by invoking the '/stop' endpoint.")),  # noqa: E501
    ("delete-starting", ("p1:starting",), "delete", "p1", None, (400, "DeleteRestrictedToFullyStopped", {}, None)),  # noqa: E501
    ("delete-in-use", ("p1:in_use",), "delete", "p1", None, (400, "DeleteRestrictedToClearedStorage", {}, "Cannot delete pipeline unless its storage is cleared. Clear storage first using `/clear`.")),  # noqa: E501
    # Check order (crud.md §6: "Which validation wins").
    ("order-patch-name-before-404", (), "patch", "nope", {"name": "bad name"}, bad_name("bad name")),  # noqa: E501
    ("order-patch-config-before-404", (), "patch", "nope", {"program_config": {"cache": 1}}, config_invalid("program_config", "InvalidProgramConfig", {"cache": 1}, "DeserializationFailed", "invalid type: integer `1`, expected a boolean")),  # noqa: E501
    ("order-put-mismatch-before-validation", (), "put", "nope", body("bad name", runtime_config=1), (400, "CannotRenameNonExistingPipeline", {}, None)),  # noqa: E501
    ("order-put-create-validates", (), "put", "-x", body("-x"), bad_name("-x")),
    ("order-duplicate-after-config", ("p1",), "post", "", body(runtime_config={"workers": -1}), config_invalid("runtime_config", "InvalidRuntimeConfig", {"workers": -1}, "DeserializationFailed", "invalid value: integer `-1`, expected u16")),  # noqa: E501
    ("order-name-before-description", (), "post", "", body("", description="x" * 301), (400, "EmptyName", {}, None)),  # noqa: E501
    ("order-description-before-tags", (), "post", "", body(description="x" * 301, tags=[""]), (400, "TooLongDescription", {"length": 301, "maximum": 300}, None)),  # noqa: E501
    ("order-tags-before-runtime", (), "post", "", body(tags=[""], runtime_config=1), invalid_tag("", "it cannot be empty")),  # noqa: E501
    ("order-runtime-before-program", (), "post", "", body(runtime_config=1, program_config=1), (400, "InvalidRuntimeConfig", None, None)),  # noqa: E501
    ("order-metadata-before-stopped", ("p1:running",), "patch", "p1", {"description": "x" * 301, "program_code": "y"}, (400, "TooLongDescription", {"length": 301, "maximum": 300}, None)),  # noqa: E501
    ("order-stopped-before-storage", ("p1:running+in_use",), "patch", "p1", {"name": "p9"}, (400, "UpdateRestrictedToStopped", {}, None)),  # noqa: E501
    ("order-stopped-before-duplicate", ("p1:running", "p2"), "put", "p1", body("p2"), (400, "UpdateRestrictedToStopped", {}, None)),  # noqa: E501
    ("order-storage-before-duplicate", ("p1:in_use", "p2"), "patch", "p1", {"name": "p2"}, (400, "EditRestrictedToClearedStorage", {"not_allowed": ["`name`"]}, None)),  # noqa: E501
    ("order-delete-stopped-before-storage", ("p1:running+in_use",), "delete", "p1", None, (400, "DeleteRestrictedToFullyStopped", {}, None)),  # noqa: E501
]  # fmt: skip


@pytest.mark.parametrize(
    ("setup", "method", "name", "payload", "expected"),
    [case[1:] for case in ERRORS],
    ids=[case[0] for case in ERRORS],
)
def test_error_catalogue(app, client, setup, method, name, payload, expected):
    prepare(app, client, setup)
    before = client.get("/v0/pipelines").get_json()
    path = f"/v0/pipelines/{name}" if name else "/v0/pipelines"
    # Not `json=`: Flask's test client would sort the keys, and details echo them as sent.
    data = None if payload is None else json.dumps(payload)
    response = getattr(client, method)(path, data=data, content_type=JSON)
    if expected is None:
        assert response.status_code in (200, 201), response.get_json()
        return
    status, code, details, message = expected
    answer = response.get_json()
    assert (response.status_code, answer["error_code"]) == (status, code), answer
    assert list(answer) == ["message", "error_code", "details"]
    if details is not None:
        assert answer["details"] == details
    if message is not None:
        assert answer["message"] == message
    assert "Cache-Control" not in response.headers
    # A refused request changes nothing.
    assert client.get("/v0/pipelines").get_json() == before


def test_edition_enterprise_accepts_fault_tolerance(tmp_path):
    app = create_app({"DATABASE": str(tmp_path / "db.sqlite3"), "EDITION": "enterprise"})
    response = app.test_client().post(
        "/v0/pipelines", json=body(runtime_config={"fault_tolerance": {}})
    )
    assert response.status_code == 201
    assert response.get_json()["runtime_config"]["fault_tolerance"] == {
        "model": "exactly_once",
        "checkpoint_interval_secs": 60,
    }


FRAMEWORK = [
    ("malformed", b'{"name":', JSON, "Json deserialize error: EOF while parsing a value at line 1 column 8"),  # noqa: E501
    ("eof-object", b'{"name":1', JSON, "Json deserialize error: EOF while parsing an object at line 1 column 9"),  # noqa: E501
    ("eof-list", b'[1', JSON, "Json deserialize error: EOF while parsing a list at line 1 column 2"),  # noqa: E501
    ("eof-string", b'{"na', JSON, "Json deserialize error: EOF while parsing a string at line 1 column 4"),  # noqa: E501
    ("syntax", b'{"name" 1}', JSON, "Json deserialize error: expected `:` at line 1 column 9"),
    ("empty", b"", JSON, "Json deserialize error: EOF while parsing a value at line 1 column 0"),
    ("trailing", b"{} x", JSON, "Json deserialize error: trailing characters at line 1 column 4"),
    ("nan", b'{"name":NaN}', JSON, None),
    ("overflow", b'{"name":"a","program_code":"","runtime_config":{"workers":1e999}}', JSON, None),  # noqa: E501
    ("lone-surrogate", b'{"name":"a","program_code":"","description":"\\ud800"}', JSON, None),  # noqa: E501
    ("invalid-utf8", b'{"name":"\xff"}', JSON, None),
    # serde_json's nesting limit: 128 levels are refused (here 2 objects + 126 arrays).
    ("too-deep", b'{"name":"a","program_code":"","runtime_config":{"init_containers":' + b"[" * 126 + b"]" * 126 + b"}}", JSON, None),  # noqa: E501
    ("not-object", b"[1]", JSON, "Json deserialize error: invalid type: sequence, expected struct PostPutPipeline at line 1 column 3"),  # noqa: E501
    ("missing-both", b"{}", JSON, "Json deserialize error: missing field `name` at line 1 column 2"),  # noqa: E501
    ("missing-code", b'{"name":"a"}', JSON, "Json deserialize error: missing field `program_code` at line 1 column 12"),  # noqa: E501
    ("misspelt-key", b'{"name":"a","program-code":""}', JSON, "Json deserialize error: missing field `program_code` at line 1 column 30"),  # noqa: E501
    ("name-type", b'{"name":1,"program_code":""}', JSON, "Json deserialize error: invalid type: integer `1`, expected a string at line 1 column 28"),  # noqa: E501
    ("tags-type", b'{"name":"a","program_code":"","tags":"x"}', JSON, "Json deserialize error: invalid type: string \"x\", expected a sequence at line 1 column 41"),  # noqa: E501
    ("tag-type", b'{"name":"a","program_code":"","tags":[true]}', JSON, None),
    ("null-description", b'{"name":"a","program_code":"","description":null}', JSON, "Json deserialize error: invalid type: null, expected a string at line 1 column 49"),  # noqa: E501
    ("null-tags", b'{"name":"a","program_code":"","tags":null}', JSON, None),
    ("null-name", b'{"name":null,"program_code":""}', JSON, None),
    ("udf-type", b'{"name":"a","program_code":"","udf_rust":1}', JSON, None),
    ("text-plain", b'{"name":"a","program_code":""}', "text/plain", "Content type error"),
    ("no-content-type", b'{"name":"a","program_code":""}', None, "Content type error"),
    ("form", b"name=a", "application/x-www-form-urlencoded", "Content type error"),
]  # fmt: skip


@pytest.mark.parametrize("method", ["post", "put"])
@pytest.mark.parametrize(
    ("data", "content_type", "message"),
    [case[1:] for case in FRAMEWORK],
    ids=[case[0] for case in FRAMEWORK],
)
def test_framework_errors(client, method, data, content_type, message):
    path = "/v0/pipelines" if method == "post" else "/v0/pipelines/a"
    headers = {"Content-Type": content_type} if content_type else {}
    response = getattr(client, method)(path, data=data, headers=headers)
    answer = response.get_json()
    assert (response.status_code, answer["error_code"], answer["details"]) == (
        400,
        "InvalidRequestBody",
        {},
    ), answer
    if message:
        assert answer["message"] == message
    else:
        assert answer["message"].startswith("Json deserialize error: ")
    assert client.get("/v0/pipelines").get_json() == []


def test_patch_body_must_be_an_object(client):
    client.post("/v0/pipelines", json=body())
    for data, unexpected in ((b"null", "null"), (b"[]", "sequence"), (b'"x"', 'string "x"')):
        response = client.patch("/v0/pipelines/p1", data=data, content_type=JSON)
        assert response.status_code == 400
        assert response.get_json()["message"].startswith(
            f"Json deserialize error: invalid type: {unexpected}, expected struct PatchPipeline"
        )
    # `null` means "not provided" for every PATCH key; unknown keys are ignored.
    nulls = dict.fromkeys(["name", "description", "tags", "runtime_config", "program_code"])
    response = client.patch("/v0/pipelines/p1", json={**nulls, "udf_rust": None, "bogus": 1})
    assert response.status_code == 200
    assert response.get_json()["version"] == 1


def test_body_size_limit(client):
    limit = 2 * 1024 * 1024
    envelope = b'{"name":"big","program_code":"' + b'"}'
    exact = envelope[:-2] + b"x" * (limit - len(envelope)) + b'"}'
    assert len(exact) == limit
    assert client.post("/v0/pipelines", data=exact, content_type=JSON).status_code == 201
    over = exact[:-2] + b'x"}'
    response = client.put("/v0/pipelines/big", data=over, content_type=JSON)
    assert response.status_code == 413
    assert response.get_json() == {
        "message": f"JSON payload ({limit + 1} bytes) is larger than allowed (limit: {limit} bytes).",  # noqa: E501
        "error_code": "PayloadTooLarge",
        "details": {},
    }


def test_action_post_with_empty_json_body_is_not_parsed(client):
    # The SDK's body-less POSTs carry a JSON content type; only body routes parse.
    response = client.post("/v0/pipelines/p1/start", data=b"", content_type=JSON)
    assert response.status_code != 400 or response.get_json()["error_code"] != (
        "InvalidRequestBody"
    )


@BOTH_BACKENDS
def test_create_response(app, client):
    response = client.post("/v0/pipelines", json=body(description="d", tags=["b", "a", "b"]))
    assert stored(app, "p1")["simulated"] == 1
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-cache"
    assert "Location" not in response.headers
    created = response.get_json()
    assert list(created) == list(FIELD_SETS["mutation"])
    assert set(created) == MUTATION_KEYS and len(created) == 37
    assert (created["version"], created["program_version"], created["refresh_version"]) == (1, 1, 1)
    assert created["tags"] == ["b", "a", "b"]
    assert (created["udf_rust"], created["udf_toml"]) == ("", "")
    assert created["runtime_config"] == RUNTIME_CONFIG_DEFAULTS
    assert created["program_config"] == PROGRAM_CONFIG_DEFAULTS
    assert created["program_status"] == "Pending"
    assert created["platform_version"] == "0.369.0"
    moments = {created[key] for key in FIELD_SETS["mutation"] if key.endswith("_since")} - {None}
    assert moments == {created["created_at"]}
    fetched = client.get("/v0/pipelines/p1").get_json()
    assert {key: fetched[key] for key in created} == created


@BOTH_BACKENDS
def test_put_create_then_update_then_delete(client):
    response = client.put("/v0/pipelines/p1", json=body(udf_rust=None, runtime_config=None))
    assert (response.status_code, response.headers["Cache-Control"]) == (201, "no-cache")
    again = client.put("/v0/pipelines/p1", json=body())
    assert (again.status_code, again.headers["Cache-Control"]) == (200, "no-cache")
    assert again.get_json() == response.get_json()
    deleted = client.delete("/v0/pipelines/p1")
    assert (deleted.status_code, deleted.data) == (200, b"")
    assert "Cache-Control" not in deleted.headers and "Content-Type" not in deleted.headers
    assert client.get("/v0/pipelines/p1").status_code == 404


def counters(pipeline: dict) -> tuple[int, int, int]:
    """(version, program_version, refresh_version)."""
    return pipeline["version"], pipeline["program_version"], pipeline["refresh_version"]


@BOTH_BACKENDS
@pytest.mark.parametrize(
    ("patch", "delta"),
    [
        ({}, (0, 0, 0)),
        ({"description": "new", "tags": ["x"]}, (0, 0, 0)),
        ({"description": "", "tags": []}, (0, 0, 0)),  # equal to stored: a no-op
        ({"runtime_config": {}}, (0, 0, 0)),  # equal after normalisation
        ({"program_config": {"cache": True}}, (0, 0, 0)),
        ({"runtime_config": {"workers": 2}}, (1, 0, 1)),
        ({"name": "renamed"}, (1, 0, 1)),
        ({"program_code": "CREATE TABLE u(y INT);"}, (1, 1, 1)),
        ({"udf_rust": "fn f() {}"}, (1, 1, 1)),
        ({"udf_toml": "[dependencies]"}, (1, 1, 1)),
        ({"program_config": {"profile": "dev"}}, (1, 1, 1)),
        ({"program_code": "x", "udf_rust": "y", "runtime_config": {"workers": 3}}, (1, 1, 1)),
    ],
)
def test_version_counters(app, client, patch, delta):
    client.post("/v0/pipelines", json=body())
    set_state(app, "p1", program_status="Success", program_info={"schema": {}}, simulated=0)
    before = client.get("/v0/pipelines/p1").get_json()
    response = client.patch("/v0/pipelines/p1", json=patch)
    assert response.status_code == 200
    after = response.get_json()
    assert counters(after) == tuple(b + d for b, d in zip(counters(before), delta, strict=True))
    assert after["id"] == before["id"]
    assert after["name"] == patch.get("name", "p1")
    program_changed = delta[1] == 1
    assert after["program_status"] == ("Pending" if program_changed else "Success")
    assert (after["program_info"] is None) == program_changed
    changed = any(after[key] != before[key] for key in after)
    assert stored(app, after["name"])["simulated"] == int(changed)
    if "name" in patch:
        assert client.get("/v0/pipelines/p1").status_code == 404
        assert client.get("/v0/pipelines/renamed").get_json()["id"] == before["id"]
    if program_changed:
        assert after["program_status_since"] > before["program_status_since"]
        assert after["program_error"] == {
            "sql_compilation": None,
            "rust_compilation": None,
            "system_error": None,
        }
    untouched = [key for key in after if "deployment" in key or key.startswith("storage")]
    assert {key: after[key] for key in untouched} == {key: before[key] for key in untouched}


@BOTH_BACKENDS
def test_program_edit_takes_current_platform_version(app, client):
    client.post("/v0/pipelines", json=body())
    set_state(app, "p1", platform_version="0.1.0")
    # PATCH without a change leaves the old platform version alone...
    assert client.patch("/v0/pipelines/p1", json=body()).get_json()["platform_version"] == "0.1.0"
    # ...while an identical PUT counts as a program change because of it.
    after = client.put("/v0/pipelines/p1", json=body()).get_json()
    assert (after["platform_version"], counters(after)) == ("0.369.0", (2, 2, 2))
    assert counters(client.put("/v0/pipelines/p1", json=body()).get_json()) == (2, 2, 2)


@BOTH_BACKENDS
def test_metadata_edits_allowed_in_any_state(app, client):
    client.post("/v0/pipelines", json=body())
    set_state(app, "p1", **STATES["running"], **STATES["in_use"])
    response = client.patch("/v0/pipelines/p1", json={"description": "busy", "tags": ["t"]})
    assert response.status_code == 200
    assert counters(response.get_json()) == (1, 1, 1)
    # An identical PUT while running is a no-op, not an error.
    same = {**body(), "description": "busy", "tags": ["t"]}
    assert client.put("/v0/pipelines/p1", json=same).status_code == 200


def test_core_edit_allowed_with_storage_in_use_when_unrestricted(app, client):
    client.post("/v0/pipelines", json=body(runtime_config={"workers": 4}))
    set_state(app, "p1", **STATES["in_use"])
    edit = {"program_code": "x", "runtime_config": {"workers": 4, "tracing": True}}
    response = client.patch("/v0/pipelines/p1", json=edit)
    assert response.status_code == 200
    assert counters(response.get_json()) == (2, 2, 2)


def test_unchanged_legacy_metadata_is_not_revalidated(app, client):
    client.post("/v0/pipelines", json=body())
    set_state(app, "p1", description="x" * 400, tags=[""])
    legacy = {"description": "x" * 400, "tags": [""]}
    assert client.patch("/v0/pipelines/p1", json=legacy).status_code == 200
    assert client.put("/v0/pipelines/p1", json={**body(), **legacy}).status_code == 200
    assert client.patch("/v0/pipelines/p1", json={"tags": ["", ""]}).status_code == 400


@BOTH_BACKENDS
def test_put_resets_omitted_fields(client):
    full = body(description="d", tags=["t"], udf_rust="r", runtime_config={"workers": 2})
    client.post("/v0/pipelines", json=full)
    after = client.put("/v0/pipelines/p1", json=body()).get_json()
    assert (after["description"], after["tags"], after["udf_rust"]) == ("", [], "")
    assert after["runtime_config"] == RUNTIME_CONFIG_DEFAULTS
    assert counters(after) == (2, 2, 2)


def test_runtime_config_normalisation(client):
    created = client.post("/v0/pipelines", json=body(runtime_config={"workers": 123})).get_json()
    assert created["runtime_config"] == {**RUNTIME_CONFIG_DEFAULTS, "workers": 123}
    assert list(created["runtime_config"]) == list(RUNTIME_CONFIG_DEFAULTS)
    config = {"clock_resolution_usecs": None, "bogus": 1, "dev_tweaks": {"mine": [1]}}
    after = client.patch("/v0/pipelines/p1", json={"runtime_config": config}).get_json()
    # Wholesale replacement: workers falls back to its default.
    assert after["runtime_config"]["workers"] == 8
    assert after["runtime_config"]["clock_resolution_usecs"] is None
    assert "bogus" not in after["runtime_config"]
    assert after["runtime_config"]["dev_tweaks"] == {"mine": [1]}
    # Re-sending what GET returned is no change.
    resent = client.patch("/v0/pipelines/p1", json={"runtime_config": after["runtime_config"]})
    assert counters(resent.get_json()) == counters(after)


@BOTH_BACKENDS
def test_seed_runtime_config_round_trip(seeded_app):
    client = seeded_app.test_client()
    seeded = client.get("/v0/pipelines/example1").get_json()
    editable = ["name", "description", "tags", "runtime_config", "program_code", "udf_rust"]
    editable += ["udf_toml", "program_config"]
    resent = {key: seeded[key] for key in editable}
    patched = client.patch("/v0/pipelines/example1", json=resent).get_json()
    assert counters(patched) == counters(seeded)
    assert stored(seeded_app, "example1")["simulated"] == 0  # nothing changed: still a fixture
    # The seed's platform_version ("v0") differs from ours, so PUT recompiles...
    put = client.put("/v0/pipelines/example1", json=resent).get_json()
    assert counters(put) == (5, 3, 5)
    # ...but keeps the runtime_config exactly.
    assert put["runtime_config"] == seeded["runtime_config"]
    assert stored(seeded_app, "example1")["simulated"] == 1
