"""validate_program: what POST /v0/validate_program answers (spec §4), pure and over HTTP."""

import pytest

from app.compiler.validate_program import validate_program
from app.errors import CompilerTimeout
from app.errors import InvalidRuntimeVersion

GOOD = (
    "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, d DECIMAL);\nCREATE VIEW v AS SELECT id FROM t;"
)


def test_success_has_program_info_without_rust_parts_or_warnings():
    body = validate_program(GOOD)
    assert list(body) == ["Success"]
    info = body["Success"]["program_info"]
    assert list(info) == ["schema", "output_connectors", "input_connectors", "dataflow"]
    assert info["dataflow"] is None
    assert [r["name"] for r in info["schema"]["outputs"]] == ["error_view", "v"]


def test_ir_asks_for_the_dataflow_object():
    info = validate_program(GOOD, ir=True)["Success"]["program_info"]
    assert info["dataflow"] == {"calcite_plan": {}, "mir": {}}


def test_sql_error_carries_the_compilation_info_with_warnings():
    body = validate_program(GOOD + "\nCREATE VIEW w AS SELECT nope FROM t;")
    info = body["SqlError"]["info"]
    assert info["exit_code"] == 1
    warning, error = info["messages"]
    assert warning["error_type"] == "DECIMAL precision and scale unspecified"
    assert warning["warning"] is True
    assert error["message"] == (
        "From line 3, column 25 to line 3, column 28: Column 'nope' not found in any table"
    )


@pytest.mark.parametrize("version", ["v0.1.2", "0123456789abcdef0123456789abcdef01234567"])
def test_a_well_formed_runtime_version_is_a_system_error(version):
    assert validate_program(GOOD, runtime_version=version) == {
        "SystemError": {
            "error": "A custom runtime version was requested, but this Feldera instance does "
            "not have the 'runtime_version' feature enabled."
        }
    }


@pytest.mark.parametrize(
    "version", ["1.2.3", "v1.2", "latest", "0123456789ABCDEF" * 2 + "01234567"]
)
def test_a_malformed_runtime_version_is_refused(version):
    with pytest.raises(InvalidRuntimeVersion) as refused:
        validate_program(GOOD, runtime_version=version)
    error = (
        f"The requested runtime version '{version}' is neither a valid version (vX.Y.Z) "
        "nor a valid git hash."
    )
    assert (refused.value.status, refused.value.body()) == (
        400,
        {
            "message": f"Invalid runtime version: {error}",
            "error_code": "InvalidRuntimeVersion",
            "details": {"error": error},
        },
    )


def test_over_the_deadline_is_a_compiler_timeout():
    code = "CREATE TABLE t (a INT);\nCREATE VIEW v AS SELECT " + "+".join(["a"] * 5000) + " FROM t;"
    with pytest.raises(CompilerTimeout) as refused:
        validate_program(code, deadline_seconds=0.0)
    assert refused.value.status == 504
    assert refused.value.body()["error_code"] == "CompilerTimeout"
    assert refused.value.message == (
        "The compiler did not respond within the configured 0s timeout."
    )


def test_too_deep_is_a_system_error():
    code = (
        "CREATE TABLE t (a INT);\nCREATE VIEW v AS SELECT " + "(" * 40 + "a" + ")" * 40 + " FROM t;"
    )
    body = validate_program(code)
    assert body["SystemError"]["error"].startswith("The program nests expressions")


def test_the_endpoint_answers_each_variant(client):
    ok = client.post("/v0/validate_program", json={"program_code": GOOD, "extra": 1})
    assert ok.status_code == 200
    assert ok.headers["Cache-Control"] == "no-cache"
    assert ok.get_json() == validate_program(GOOD)
    bad = client.post("/v0/validate_program", json={"program_code": GOOD + "\nCREATE VIEW"})
    assert list(bad.get_json()) == ["SqlError"]
    refused = client.post(
        "/v0/validate_program", json={"program_code": GOOD, "runtime_version": "latest"}
    )
    assert refused.status_code == 400
    assert refused.get_json()["error_code"] == "InvalidRuntimeVersion"
    missing = client.post("/v0/validate_program", json={})
    assert missing.status_code == 400
    assert missing.get_json()["message"] == (
        "Json deserialize error: missing field `program_code` at line 1 column 2"
    )
