"""Simulated compilation (lifecycle.md A.2, A.3) with a controllable clock."""

import pytest

from tests.conftest import BOTH_BACKENDS
from tests.simulation import PROGRAM
from tests.simulation import Simulation
from tests.simulation import ts

EMPTY_ERROR = {"sql_compilation": None, "rust_compilation": None, "system_error": None}
UNUSED_NAME = {
    "start_line_number": 1,
    "start_column": 47,
    "end_line_number": 1,
    "end_column": 58,
    "warning": True,
    "error_type": "Unused column",
    "message": "Column 'name' of table 't1' is unused",
    "snippet": "    1|CREATE TABLE t1 (id INT NOT NULL PRIMARY KEY, name VARCHAR);\n"
    + " " * 52
    + "^" * 12
    + "\n    2|CREATE MATERIALIZED VIEW v1 AS SELECT id FROM t1;\n",
}

pytestmark = BOTH_BACKENDS


@pytest.fixture
def sim(tmp_path, database):
    return Simulation(tmp_path, database)


def compile_fields(body: dict) -> tuple:
    """Return (program_status, program_status_since, refresh_version)."""
    return body["program_status"], body["program_status_since"], body["refresh_version"]


def test_happy_path_walks_every_status_stamped_at_its_scheduled_time(sim):
    sim.at(0).create()
    expected = [
        (0, ("Pending", ts(0), 1)),
        (0.999, ("Pending", ts(0), 1)),
        (1, ("CompilingSql", ts(1), 1)),
        (2.5, ("CompilingSql", ts(1), 1)),
        (3, ("SqlCompiled", ts(3), 2)),
        (4, ("CompilingRust", ts(4), 2)),
        (7.9, ("CompilingRust", ts(4), 2)),
        (8, ("Success", ts(8), 3)),
        (100, ("Success", ts(8), 3)),
    ]
    for moment, fields in expected:
        assert compile_fields(sim.at(moment).get()) == fields, moment


def test_program_error_and_info_at_each_step(sim):
    sim.at(0).create()
    pending = sim.get()
    assert (pending["program_error"], pending["program_info"]) == (EMPTY_ERROR, None)
    sql = sim.at(1).get()
    assert (sql["program_error"], sql["program_info"]) == (EMPTY_ERROR, None)

    compiled = sim.at(3).get()
    # PROGRAM's view reads only t1's key, so upstream's compiler warns about `name`.
    assert compiled["program_error"] == {
        "sql_compilation": {"exit_code": 0, "messages": [UNUSED_NAME]},
        "rust_compilation": None,
        "system_error": None,
    }
    info = compiled["program_info"]
    assert set(info) == {"schema", "udf_stubs", "input_connectors", "output_connectors"}
    assert [r["name"] for r in info["schema"]["inputs"]] == ["t1"]
    assert "v1" in [r["name"] for r in info["schema"]["outputs"]]

    rust = sim.at(4).get()
    assert rust["program_info"] == info
    assert rust["program_error"] == compiled["program_error"]

    done = sim.at(8).get()
    assert done["program_info"] == info
    assert done["program_error"] == {
        "sql_compilation": {"exit_code": 0, "messages": [UNUSED_NAME]},
        "rust_compilation": {"exit_code": 0, "stdout": "", "stderr": ""},
        "system_error": None,
    }


def test_one_late_request_materialises_every_step_with_its_own_stamp(sim):
    sim.at(0).create()
    assert compile_fields(sim.at(3600).get()) == ("Success", ts(8), 3)


def test_edit_after_success_gives_refresh_versions_4_then_6(sim):
    sim.at(0).create()
    sim.at(20)
    response = sim.client.patch("/v0/pipelines/p1", json={"program_code": PROGRAM + "\n-- v2"})
    assert response.status_code == 200
    assert compile_fields(sim.get()) == ("Pending", ts(20), 4)
    assert sim.get()["program_version"] == 2
    assert compile_fields(sim.at(23.5).get()) == ("SqlCompiled", ts(23), 5)
    assert compile_fields(sim.at(28).get()) == ("Success", ts(28), 6)


def test_edit_mid_compilation_restarts_and_the_old_result_never_appears(sim):
    sim.at(0).create(program="CREATE TABLE old_t (x INT);")
    sim.at(1.5)
    assert sim.get()["program_status"] == "CompilingSql"
    new_program = "CREATE TABLE new_t (y BIGINT);"
    assert (
        sim.client.patch("/v0/pipelines/p1", json={"program_code": new_program}).status_code == 200
    )
    assert compile_fields(sim.get()) == ("Pending", ts(1.5), 2)
    # Version 1 would have finished its SQL phase at 3; version 2 is still compiling.
    assert compile_fields(sim.at(3).get()) == ("CompilingSql", ts(2.5), 2)
    compiled = sim.at(4.5).get()
    assert compile_fields(compiled) == ("SqlCompiled", ts(4.5), 3)
    assert [r["name"] for r in compiled["program_info"]["schema"]["inputs"]] == ["new_t"]
    assert compile_fields(sim.at(9.5).get()) == ("Success", ts(9.5), 4)


@pytest.mark.parametrize(
    ("directive", "sql_status", "final", "refresh"),
    [
        ("-- pipeline-store: sql-error broken on purpose", "SqlError", "SqlError", 2),
        ("-- pipeline-store: rust-error cargo failed", "SqlCompiled", "RustError", 3),
        ("-- pipeline-store: system-error disk full", "SqlCompiled", "SystemError", 3),
    ],
)
def test_injected_compile_failures(sim, directive, sql_status, final, refresh):
    sim.at(0).create(program=PROGRAM + "\n" + directive)
    assert sim.at(3).get()["program_status"] == sql_status
    body = sim.at(100).get()
    assert (body["program_status"], body["refresh_version"]) == (final, refresh)
    error = body["program_error"]
    if final == "SqlError":
        assert body["program_status_since"] == ts(3)
        assert body["program_info"] is None
        message = error["sql_compilation"]["messages"][-1]
        assert message["message"] == "broken on purpose"
        assert {"start_line_number", "start_column", "error_type", "snippet"} <= set(message)
        assert (error["rust_compilation"], error["system_error"]) == (None, None)
    elif final == "RustError":
        assert body["program_info"] is not None
        assert error["rust_compilation"]["exit_code"] != 0
        assert "cargo failed" in error["rust_compilation"]["stderr"]
    else:
        assert error["system_error"] == "disk full"
        assert error["sql_compilation"]["exit_code"] == 0


def test_syntax_error_is_a_sql_error_with_position(sim):
    sim.at(0).create(program="CREATE TABLE t (id INT NOT NULL PRIMARY KEY;")
    body = sim.at(100).get()
    assert body["program_status"] == "SqlError"
    message = body["program_error"]["sql_compilation"]["messages"][0]
    assert message["start_line_number"] == 1
    assert message["warning"] is False


def test_empty_program_compiles(sim):
    sim.at(0).create(program="")
    body = sim.at(100).get()
    assert body["program_status"] == "Success"
    assert body["program_info"]["schema"]["inputs"] == []
