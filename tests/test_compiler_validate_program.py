"""validate_program_response: what POST /v0/validate_program answers (spec §4)."""

import pytest

from app.compiler.validate_program import validate_program_response

GOOD = (
    "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, d DECIMAL);\nCREATE VIEW v AS SELECT id FROM t;"
)


def test_success_has_program_info_without_rust_parts_or_warnings():
    result = validate_program_response(GOOD)
    assert result.status == 200
    assert list(result.body) == ["Success"]
    info = result.body["Success"]["program_info"]
    assert list(info) == ["schema", "output_connectors", "input_connectors", "dataflow"]
    assert info["dataflow"] is None
    assert [r["name"] for r in info["schema"]["outputs"]] == ["error_view", "v"]


def test_ir_asks_for_the_dataflow_object():
    info = validate_program_response(GOOD, ir=True).body["Success"]["program_info"]
    assert info["dataflow"] == {"calcite_plan": {}, "mir": {}}


def test_sql_error_carries_the_compilation_info_with_warnings():
    result = validate_program_response(GOOD + "\nCREATE VIEW w AS SELECT nope FROM t;")
    assert result.status == 200
    info = result.body["SqlError"]["info"]
    assert info["exit_code"] == 1
    warning, error = info["messages"]
    assert warning["error_type"] == "DECIMAL precision and scale unspecified"
    assert warning["warning"] is True
    assert error["message"] == (
        "From line 3, column 25 to line 3, column 28: Column 'nope' not found in any table"
    )


@pytest.mark.parametrize("version", ["v0.1.2", "0123456789abcdef0123456789abcdef01234567"])
def test_a_well_formed_runtime_version_is_a_system_error(version):
    result = validate_program_response(GOOD, runtime_version=version)
    assert result.status == 200
    assert result.body == {
        "SystemError": {
            "error": "A custom runtime version was requested, but this Feldera instance does "
            "not have the 'runtime_version' feature enabled."
        }
    }


@pytest.mark.parametrize(
    "version", ["1.2.3", "v1.2", "latest", "0123456789ABCDEF" * 2 + "01234567"]
)
def test_a_malformed_runtime_version_is_refused(version):
    result = validate_program_response(GOOD, runtime_version=version)
    error = (
        f"The requested runtime version '{version}' is neither a valid version (vX.Y.Z) "
        "nor a valid git hash."
    )
    assert (result.status, result.body) == (
        400,
        {
            "message": f"Invalid runtime version: {error}",
            "error_code": "InvalidRuntimeVersion",
            "details": {"error": error},
        },
    )


def test_over_the_deadline_is_a_compiler_timeout():
    code = "CREATE TABLE t (a INT);\nCREATE VIEW v AS SELECT " + "+".join(["a"] * 5000) + " FROM t;"
    result = validate_program_response(code, deadline_seconds=0.0)
    assert result.status == 504
    assert result.body["error_code"] == "CompilerTimeout"
    assert (
        result.body["message"] == "The compiler did not respond within the configured 0s timeout."
    )


def test_too_deep_is_a_system_error():
    code = (
        "CREATE TABLE t (a INT);\nCREATE VIEW v AS SELECT " + "(" * 40 + "a" + ")" * 40 + " FROM t;"
    )
    result = validate_program_response(code)
    assert result.status == 200
    assert result.body["SystemError"]["error"].startswith("The program nests expressions")
