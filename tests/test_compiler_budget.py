"""The compiler is linear in the program's size and bounded by a budget (issue 10, item 1)."""

import statistics
import time

import pytest

from app.compiler import compile_program
from app.compiler.budget import MAX_NESTING
from app.compiler.budget import MAX_TOKENS

TABLE = "CREATE TABLE t (a INT);\n"


def sum_view(terms: int) -> str:
    return TABLE + "CREATE VIEW v AS SELECT " + "+".join(["a"] * terms) + " FROM t;"


def seconds(code: str) -> float:
    started = time.perf_counter()
    outcome = compile_program(code)
    elapsed = time.perf_counter() - started
    assert outcome.final_status in ("Success", "SystemError")
    return elapsed


def test_80_kb_program_costs_a_bounded_multiple_of_a_1_kb_one():
    small, big = sum_view(480), sum_view(40_000)
    assert 900 < len(small) < 1100 and 79_000 < len(big) < 81_000
    small_time = statistics.median(seconds(small) for _ in range(5))
    started = time.perf_counter()
    outcome = compile_program(big)
    big_time = time.perf_counter() - started
    # Linear: about 80 times the work. A quadratic compiler (the old one) was ~6,000 times.
    assert big_time / small_time < 80 * 4, (small_time, big_time)
    assert outcome.final_status == "Success"
    [view] = outcome.program_info["schema"]["outputs"][1:]
    assert view["fields"][0]["columntype"] == {"nullable": True, "type": "INTEGER"}


@pytest.mark.parametrize(
    "expression",
    [
        "(" * (MAX_NESTING + 1) + "a" + ")" * (MAX_NESTING + 1),
        "CASE WHEN a > 0 THEN " * (MAX_NESTING + 1) + "a" + " END" * (MAX_NESTING + 1),
        "- " * 3000 + "a",
        "ABS(" * 5000 + "a" + ")" * 5000,
    ],
    ids=["parentheses", "case", "prefix operators", "calls"],
)
def test_nesting_over_the_budget_is_a_system_error(expression):
    outcome = compile_program(TABLE + f"CREATE VIEW v AS SELECT {expression} FROM t;")
    assert (outcome.sql_status, outcome.final_status) == ("SystemError", "SystemError")
    assert outcome.program_info is None and outcome.sql_compilation is None
    assert outcome.system_error.startswith("The program nests expressions deeper than")


def test_nesting_within_the_budget_compiles_even_called_from_deep_in_the_stack():
    depth = MAX_NESTING - 1
    code = TABLE + "CREATE VIEW v AS SELECT " + "(" * depth + "a" + ")" * depth + " FROM t;"

    def call_from(frames: int):
        return call_from(frames - 1) if frames else compile_program(code)

    assert call_from(200).final_status == "Success"


def test_long_union_chains_do_not_recurse():
    code = TABLE + "CREATE VIEW v AS " + " UNION ALL ".join(["SELECT a FROM t"] * 3000) + ";"
    assert compile_program(code).final_status == "Success"


def test_programs_over_the_token_limit_are_a_system_error():
    code = TABLE + "CREATE VIEW v AS SELECT " + ", ".join(["a"] * (MAX_TOKENS // 2)) + " FROM t;"
    outcome = compile_program(code)
    assert outcome.final_status == "SystemError"
    assert f"accepts at most {MAX_TOKENS}" in outcome.system_error


def test_a_deadline_stops_compilation():
    outcome = compile_program(sum_view(20_000), deadline_seconds=0.0)
    assert (outcome.sql_status, outcome.final_status) == ("SystemError", "SystemError")
    assert "compiler budget of 0 s" in outcome.system_error
