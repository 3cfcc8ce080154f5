"""compile_program outcomes: statuses per phase, failure-injection directives, Rust checks."""

import dataclasses

import pytest

import app.compiler
from app.compiler import CompileOutcome
from app.compiler import compile_program

GOOD = "CREATE TABLE t (id INT NOT NULL PRIMARY KEY);\nCREATE VIEW v AS SELECT id FROM t;\n"
RUST_OK = {"exit_code": 0, "stdout": "", "stderr": ""}


def test_success_outcome():
    out = compile_program(GOOD)
    assert out.sql_status == "SqlCompiled"
    assert out.sql_compilation == {"exit_code": 0, "messages": []}
    assert [r["name"] for r in out.program_info["schema"]["outputs"]] == ["error_view", "v"]
    assert out.final_status == "Success"
    assert out.rust_compilation == RUST_OK
    assert out.system_error is None and out.runtime_fault is None


def test_empty_program_succeeds():
    out = compile_program("")
    assert (out.sql_status, out.final_status) == ("SqlCompiled", "Success")
    assert out.program_info["schema"]["inputs"] == []
    assert [r["name"] for r in out.program_info["schema"]["outputs"]] == ["error_view"]


def test_outcome_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        compile_program("").final_status = "RustError"


def test_sql_error_outcome():
    out = compile_program("CREATE TABLE t (x INT")
    assert (out.sql_status, out.final_status) == ("SqlError", "SqlError")
    assert out.sql_compilation["exit_code"] == 1
    assert out.sql_compilation["messages"][0]["error_type"] == "Error parsing SQL"
    assert out.program_info is None and out.rust_compilation is None and out.system_error is None


def test_connector_error_is_sql_error_with_exit_code_zero():
    out = compile_program(
        "CREATE TABLE t (x INT) WITH ('connectors' = "
        '\'[{"name": "c", "transport": {"name": "datagen", "config": {"rows": 1}}}]\');'
    )
    assert out.final_status == "SqlError"
    assert out.sql_compilation["exit_code"] == 0
    assert out.sql_compilation["messages"][0]["error_type"] == "ConnectorGenerationError"


def test_connectors_that_are_not_json_stop_the_compiler():
    out = compile_program("CREATE TABLE t (x INT) WITH ('connectors' = 'nope');")
    assert out.final_status == "SqlError"
    assert out.sql_compilation["exit_code"] == 1
    [message] = out.sql_compilation["messages"]
    assert message["message"] == (
        "'connectors' is not legal JSON: Unrecognized token 'nope': was expecting "
        "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
    )


def test_program_error_helpers_follow_lifecycle_a2():
    out = compile_program(GOOD)
    assert out.program_error_after_sql() == {
        "sql_compilation": {"exit_code": 0, "messages": []},
        "rust_compilation": None,
        "system_error": None,
    }
    assert out.program_error_final()["rust_compilation"] == RUST_OK


def test_sql_error_directive_reports_its_position():
    out = compile_program(GOOD + "  -- pipeline-store: sql-error Table t is cursed\n")
    assert out.final_status == "SqlError" and out.program_info is None
    [message] = out.sql_compilation["messages"]
    assert message["message"] == "Table t is cursed"
    assert (message["start_line_number"], message["start_column"]) == (3, 3)
    assert message["error_type"] == "Error in SQL statement"
    assert out.sql_compilation["exit_code"] == 1


def test_sql_error_directive_default_message():
    out = compile_program("--pipeline-store:sql-error")
    assert out.sql_compilation["messages"][0]["message"] == "Injected SQL error"


def test_rust_error_directive():
    out = compile_program(GOOD + "-- pipeline-store: rust-error linker exploded\n")
    assert (out.sql_status, out.final_status) == ("SqlCompiled", "RustError")
    assert out.program_info is not None
    assert out.sql_compilation == {"exit_code": 0, "messages": []}
    assert out.rust_compilation == {
        "exit_code": 1,
        "stdout": "",
        "stderr": "error: linker exploded\n",
    }
    assert out.system_error is None


def test_system_error_directive_after_sql_keeps_program_info():
    out = compile_program("-- pipeline-store: system-error disk full\n" + GOOD)
    assert (out.sql_status, out.final_status) == ("SqlCompiled", "SystemError")
    assert out.system_error == "disk full"
    assert out.program_info is not None and out.rust_compilation is None
    assert out.program_error_after_sql()["system_error"] is None
    assert out.program_error_final() == {
        "sql_compilation": {"exit_code": 0, "messages": []},
        "rust_compilation": None,
        "system_error": "disk full",
    }


def test_system_error_directive_in_sql_phase_when_sql_fails():
    out = compile_program("-- pipeline-store: system-error boom\nCREATE TABLE t (x INT")
    assert (out.sql_status, out.final_status) == ("SystemError", "SystemError")
    assert out.sql_compilation is None and out.program_info is None
    assert out.program_error_after_sql() == {
        "sql_compilation": None,
        "rust_compilation": None,
        "system_error": "boom",
    }


def test_provisioning_timeout_directive():
    out = compile_program("-- pipeline-store: provisioning-timeout\n" + GOOD)
    assert out.final_status == "Success"
    assert out.runtime_fault == {"kind": "provisioning-timeout"}


@pytest.mark.parametrize(
    ("directive", "fault"),
    [
        (
            "crash-after 2.5 out of memory",
            {"kind": "crash", "after_secs": 2.5, "message": "out of memory"},
        ),
        (
            "crash-after 0",
            {"kind": "crash", "after_secs": 0.0, "message": "Injected pipeline crash"},
        ),
        (
            "CRASH-AFTER 10",
            {"kind": "crash", "after_secs": 10.0, "message": "Injected pipeline crash"},
        ),
    ],
)
def test_crash_after_directive(directive, fault):
    out = compile_program(f"{GOOD}-- pipeline-store: {directive}")
    assert out.final_status == "Success"
    assert out.runtime_fault == fault


def test_first_runtime_fault_wins():
    out = compile_program(
        "-- pipeline-store: crash-after 1\n-- pipeline-store: provisioning-timeout\n"
    )
    assert out.runtime_fault["kind"] == "crash"


def test_runtime_fault_only_on_success():
    out = compile_program(
        "-- pipeline-store: provisioning-timeout\n-- pipeline-store: rust-error x"
    )
    assert out.final_status == "RustError" and out.runtime_fault is None


@pytest.mark.parametrize(
    ("directive", "needle"),
    [
        ("sql-eror oops", "Unknown pipeline-store directive 'sql-eror'"),
        ("", "Unknown pipeline-store directive '(nothing)'"),
        ("crash-after soon", "needs a number of seconds"),
        ("crash-after -1", "needs a number of seconds"),
    ],
)
def test_invalid_directives_are_sql_errors(directive, needle):
    out = compile_program(f"{GOOD}-- pipeline-store: {directive}\n")
    assert out.final_status == "SqlError"
    [message] = out.sql_compilation["messages"]
    assert needle in message["message"]
    assert message["start_line_number"] == 3


def test_directive_text_inside_a_string_is_not_a_directive():
    out = compile_program("CREATE VIEW v AS SELECT '-- pipeline-store: sql-error no' AS s;")
    assert out.final_status == "Success"


def test_sql_errors_and_directive_errors_are_combined():
    out = compile_program(
        "-- pipeline-store: sql-error injected\nCREATE TABLE t (c INT PRIMARY KEY);"
    )
    types = [m["error_type"] for m in out.sql_compilation["messages"]]
    assert types == [
        "PRIMARY KEY cannot be nullable",
        "Compilation error",  # "aborting."
        "Error in SQL statement",
    ]


UDF = "CREATE FUNCTION double_it(x INT) RETURNS INT;\n"


CRATE = "feldera_pipe_pipeline_00000000_0000_0000_0000_000000000000_globals"


@pytest.mark.parametrize(
    ("udf_rust", "udf_toml", "needle"),
    [
        ("", "", "error[E0425]: cannot find function `double_it` in module `udf`\n"),
        (
            "pub fn double_it(x: Option<i32>) -> Result<Option<i32>, Box<dyn std::error::Error>> "
            '{ compile_error!("not yet") }',
            "",
            f"error: not yet\n --> crates/{CRATE}/src/udf.rs:1:87\n",
        ),
        (
            "pub fn double_it(x: Option<i32>) -> Result<Option<i32>, Box<dyn std::error::Error>> "
            "{ Ok(x.map(|v| v * 2)) }",
            "regex = [",
            "error: failed to parse manifest at `",
        ),
    ],
)
def test_udf_rust_problems_are_rust_errors(udf_rust, udf_toml, needle):
    out = compile_program(UDF, udf_rust, udf_toml)
    assert (out.sql_status, out.final_status) == ("SqlCompiled", "RustError")
    # cargo's exit code and rustc's diagnostics (spec §3).
    assert out.rust_compilation["exit_code"] == 101
    assert needle in out.rust_compilation["stderr"]


def test_implemented_udf_compiles():
    rust = "pub fn double_it(x: Option<i32>) -> Result<Option<i32>, Box<dyn std::error::Error>> {}"
    out = compile_program(UDF, rust, 'regex = "1.10"\n')
    assert out.final_status == "Success"
    assert "pub fn double_it(" in out.program_info["udf_stubs"]


@pytest.mark.parametrize(
    "junk",
    [
        "CREATE",
        "CREATE TABLE",
        "CREATE TABLE t (",
        "CREATE VIEW v AS",
        "CREATE VIEW v AS SELECT CAST(x AS ARRAY) FROM",
        "'unterminated",
        '"unterminated',
        "/* unterminated",
        "CREATE TABLE t (x ROW(a INT, b MAP<INT,>))",
        "CREATE TYPE t AS",
        "CREATE FUNCTION f( RETURNS",
        "\u00a7\u00a7",
        "CREATE VIEW v AS SELECT 1 UNION SELECT",
        "CREATE VIEW v AS WITH c AS (SELECT 1) SET x",
    ],
)
def test_junk_is_a_sql_error_not_a_crash(junk):
    out = compile_program(junk)
    assert out.final_status == "SqlError"
    assert out.sql_compilation["messages"][0]["error_type"] == "Error parsing SQL"


def test_only_semicolons_is_an_empty_program():
    assert compile_program(";;\n;").final_status == "Success"


def test_simulator_bug_becomes_system_error(monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("kaput")

    monkeypatch.setattr(app.compiler, "derive_program_info", broken)
    out = compile_program(GOOD)
    assert isinstance(out, CompileOutcome)
    assert (out.sql_status, out.final_status) == ("SystemError", "SystemError")
    assert "kaput" in out.system_error
