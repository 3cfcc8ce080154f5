# ruff: noqa: E501  (the tables quote whole compiler messages on one line each)
"""Table-driven: invalid programs fail with upstream's exact messages, valid ones compile.

The SDK's exception text is produced by the real `feldera` SDK's own code
(FelderaClient._wait_for_compilation) reading the stored record pipeline-store would serve.
"""

import pytest
from feldera.rest.feldera_client import FelderaClient
from feldera.rest.pipeline import Pipeline

from app.compiler import compile_program

T = "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, name VARCHAR, d DATE, b BOOLEAN, x DOUBLE);\n"
U = "CREATE TABLE u (id INT NOT NULL PRIMARY KEY, t_id INT, amount DECIMAL(10, 2));\n"
STOPPING = ("Compilation error", "Stopping compilation due to errors")
ABORTING = ("Compilation error", "aborting.")
PLUS_FORMS = (
    "'<NUMERIC> + <NUMERIC>'\n'<DATETIME_INTERVAL> + <DATETIME_INTERVAL>'\n"
    "'<DATETIME> + <DATETIME_INTERVAL>'\n'<DATETIME_INTERVAL> + <DATETIME>'"
)

# name: (program, [(error_type, message), ...]) -- every message, in order.
INVALID = {
    "unknown table": (
        T + "CREATE VIEW v AS SELECT * FROM nope;",
        [("Compilation error", "From line 2, column 32 to line 2, column 35: Object 'nope' not found")],
    ),
    "unknown table, case mismatch": (
        T + 'CREATE VIEW v AS SELECT * FROM "T";',
        [("Compilation error", "From line 2, column 32 to line 2, column 34: Object 'T' not found; did you mean 't'?")],
    ),
    "unknown column": (
        T + "CREATE VIEW v AS SELECT nme FROM t;\nCREATE VIEW w AS SELECT id FROM t;",
        [("Compilation error", "From line 2, column 25 to line 2, column 27: Column 'nme' not found in any table")],
    ),
    "unknown column, case mismatch": (
        T + 'CREATE VIEW v AS SELECT "NAME" FROM t;',
        [("Compilation error", "From line 2, column 25 to line 2, column 30: Column 'NAME' not found in any table; did you mean 'name'?")],
    ),
    "qualified unknown column": (
        T + "CREATE VIEW v AS SELECT t.nme FROM t;",
        [("Compilation error", "From line 2, column 27 to line 2, column 29: Column 'nme' not found in table 't'")],
    ),
    "unknown qualifier": (
        T + "CREATE VIEW v AS SELECT q.id FROM t;",
        [("Compilation error", "At line 2, column 25: Table 'q' not found")],
    ),
    "ambiguous column": (
        T + U + "CREATE VIEW v AS SELECT id FROM t JOIN u ON t.id = u.t_id;",
        [("Compilation error", "From line 3, column 25 to line 3, column 26: Column 'id' is ambiguous")],
    ),
    "unknown column in WHERE": (
        T + "CREATE VIEW v AS SELECT id FROM t WHERE nope > 1;",
        [("Compilation error", "From line 2, column 41 to line 2, column 44: Column 'nope' not found in any table")],
    ),
    "unknown column in ON": (
        T + U + "CREATE VIEW v AS SELECT t.id FROM t JOIN u ON t.id = u.tid;",
        [("Compilation error", "From line 3, column 56 to line 3, column 58: Column 'tid' not found in table 'u'")],
    ),
    "unknown column in a subquery": (
        T + U + "CREATE VIEW v AS SELECT id FROM t WHERE id IN (SELECT tid FROM u);",
        [("Compilation error", "From line 3, column 55 to line 3, column 57: Column 'tid' not found in any table")],
    ),
    "view reads itself": (
        T + "CREATE VIEW v AS SELECT * FROM v;",
        [("Compilation error", "At line 2, column 32: Object 'v' not found")],
    ),
    "view used before its CREATE": (
        T + "CREATE VIEW a AS SELECT * FROM b;\nCREATE VIEW b AS SELECT id FROM t;",
        [("Compilation error", "At line 2, column 32: Object 'b' not found")],
    ),
    "unknown table in a CTE": (
        T + "CREATE VIEW v AS WITH c AS (SELECT * FROM missing) SELECT * FROM c;",
        [("Compilation error", "From line 2, column 43 to line 2, column 49: Object 'missing' not found")],
    ),
    "duplicate table": (
        T + "CREATE TABLE t (y INT);",
        [("Duplicate declaration", "'t' already defined"), ("Duplicate declaration", "Location of previous definition"), STOPPING],
    ),
    "duplicate view": (
        T + "CREATE VIEW v AS SELECT id FROM t;\nCREATE VIEW v AS SELECT name FROM t;",
        [("Duplicate declaration", "'v' already defined"), ("Duplicate declaration", "Location of previous definition"), STOPPING],
    ),
    "view named like a table": (
        T + "CREATE VIEW t AS SELECT 1 AS one;",
        [("Duplicate declaration", "'t' already defined"), ("Duplicate declaration", "Location of previous definition"), STOPPING],
    ),
    "duplicate column": (
        "CREATE TABLE t (a INT, b INT, a VARCHAR);",
        [("Duplicate name", "Column with name 'a' already defined"), ("Duplicate name", "Previous definition"), ABORTING],
    ),
    "nullable primary key": (
        "CREATE TABLE t (id INT PRIMARY KEY, v INT);",
        [("PRIMARY KEY cannot be nullable", "PRIMARY KEY column 'id' has type INTEGER, which is nullable"), ABORTING],
    ),
    "unknown key column": (
        "CREATE TABLE t (id INT NOT NULL, PRIMARY KEY (ident));",
        [("No such column", "Key field 'ident' does not correspond to a column"), ABORTING],
    ),
    "column not grouped": (
        T + "CREATE VIEW v AS SELECT name, COUNT(*) AS c FROM t GROUP BY id;",
        [("Compilation error", "From line 2, column 25 to line 2, column 28: Expression 'name' is not being grouped")],
    ),
    "qualified column not grouped": (
        T + "CREATE VIEW v AS SELECT t.name, MAX(x) AS m FROM t GROUP BY t.id;",
        [("Compilation error", "From line 2, column 25 to line 2, column 30: Expression 't.name' is not being grouped")],
    ),
    "aggregate beside a plain column": (
        T + "CREATE VIEW v AS SELECT name, SUM(x) AS s FROM t;",
        [("Compilation error", "From line 2, column 25 to line 2, column 28: Expression 'name' is not being grouped")],
    ),
    "unknown function": (
        T + "CREATE VIEW v AS SELECT frobnicate(id, name) AS f FROM t;",
        [("Compilation error", "From line 2, column 25 to line 2, column 44: No match found for function signature frobnicate(<NUMERIC>, <CHARACTER>)")],
    ),
    "UDF called with too many arguments": (
        "CREATE FUNCTION f(a INT) RETURNS INT;\n" + T + "CREATE VIEW v AS SELECT f(id, id) AS r FROM t;",
        [("Compilation error", "From line 3, column 25 to line 3, column 33: No match found for function signature f(<NUMERIC>, <NUMERIC>)")],
    ),
    "built-in with the wrong argument count": (
        T + "CREATE VIEW v AS SELECT UPPER(name, name) AS u FROM t;",
        [("Compilation error", "From line 2, column 25 to line 2, column 41: Invalid number of arguments to function 'UPPER'. Was expecting 1 arguments")],
    ),
    "INTEGER + BOOLEAN": (
        T + "CREATE VIEW v AS SELECT id + b AS s FROM t;",
        [("Compilation error", "From line 2, column 25 to line 2, column 30: Cannot apply '+' to arguments of type '<INTEGER> + <BOOLEAN>'. Supported form(s): " + PLUS_FORMS)],
    ),
    "DATE = BOOLEAN": (
        T + "CREATE VIEW v AS SELECT id FROM t WHERE d = b;",
        [("Compilation error", "From line 2, column 41 to line 2, column 45: Cannot apply '=' to arguments of type '<DATE> = <BOOLEAN>'. Supported form(s): '<COMPARABLE_TYPE> = <COMPARABLE_TYPE>'")],
    ),
    "WHERE that is not a condition": (
        T + "CREATE VIEW v AS SELECT id FROM t WHERE id;",
        [("Compilation error", "From line 2, column 41 to line 2, column 42: WHERE clause must be a condition")],
    ),
    "unknown type": (
        "CREATE TABLE t (x NOSUCHTYPE);",
        [("Compilation error", "From line 1, column 19 to line 1, column 28: Unknown identifier 'nosuchtype'")],
    ),
    "index on an unknown view": (
        T + "CREATE INDEX ix ON nope(id);",
        [("Compilation error", "From line 2, column 20 to line 2, column 23: Object 'nope' not found")],
    ),
    "syntax error": (
        T + "CREATE VIEW v AS SELEC id FROM t;",
        [("Error parsing SQL", 'Encountered "SELEC" at line 2, column 18.\nWas expecting: SELECT, WITH, VALUES or (')],
    ),
    "warning kept beside an error": (
        "CREATE TABLE t (a DECIMAL);\nCREATE VIEW v AS SELECT b FROM t;",
        [
            ("DECIMAL precision and scale unspecified", "DECIMAL/NUMERIC type used without specifying precision and scale.\nThis is interpreted as DECIMAL(38, 0)"),
            ("Compilation error", "At line 2, column 25: Column 'b' not found in any table"),
        ],
    ),
}  # fmt: skip

UDF_RUST = (
    "pub fn double_it(x: Option<i32>) -> Result<Option<i32>, Box<dyn std::error::Error>> {\n"
    "    Ok(x.map(|v| v * 2))\n}\n"
)
# name: (program, udf_rust, {relation: [column, ...]} of the outputs after error_view)
VALID = {
    "join, aggregate, HAVING, ORDER BY": (
        "CREATE TABLE customers (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR NOT NULL, region VARCHAR);\n"
        "CREATE TABLE orders (id BIGINT NOT NULL PRIMARY KEY, customer_id BIGINT NOT NULL,"
        " amount DECIMAL(12, 2), ts TIMESTAMP NOT NULL LATENESS INTERVAL 1 HOUR);\n"
        "CREATE MATERIALIZED VIEW revenue AS SELECT c.region, COUNT(*) AS n, SUM(o.amount) AS total"
        " FROM orders o JOIN customers c ON o.customer_id = c.id GROUP BY c.region"
        " HAVING SUM(o.amount) > 100;\n"
        "CREATE VIEW top AS SELECT region, total FROM revenue WHERE total > 1000 ORDER BY total DESC;",
        "",
        {"revenue": ["region", "n", "total"], "top": ["region", "total"]},
    ),
    "TUMBLE and HOP windows": (
        "CREATE TABLE ev (id INT NOT NULL, ts TIMESTAMP NOT NULL LATENESS INTERVAL '5' MINUTE, v DOUBLE);\n"
        "CREATE VIEW w AS SELECT window_start, window_end, COUNT(*) AS c, AVG(v) AS a FROM"
        " TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '1' HOUR)) GROUP BY window_start, window_end;\n"
        "CREATE VIEW h AS SELECT * FROM TABLE(HOP(TABLE ev, DESCRIPTOR(ts), INTERVAL '1' MINUTE,"
        " INTERVAL '5' MINUTE));",
        "",
        {"w": ["window_start", "window_end", "c", "a"], "h": ["id", "ts", "v", "window_start", "window_end"]},
    ),
    "arrays, maps, VARIANT, UNNEST": (
        "CREATE TABLE docs (id INT NOT NULL PRIMARY KEY, tags VARCHAR ARRAY, attrs MAP<VARCHAR, INT>,"
        " body VARIANT);\n"
        "CREATE VIEW d AS SELECT id, tags[1] AS first_tag, attrs['k'] AS k, CARDINALITY(tags) AS n,"
        " body['x'] AS bx, ARRAY_CONTAINS(tags, 'a') AS has_a FROM docs;\n"
        "CREATE VIEW e AS SELECT d.id, tag FROM docs AS d CROSS JOIN UNNEST(d.tags) AS x(tag);",
        "",
        {"d": ["id", "first_tag", "k", "n", "bx", "has_a"], "e": ["id", "tag"]},
    ),
    "Rust and SQL UDFs": (
        "CREATE FUNCTION double_it(x INT) RETURNS INT;\n"
        "CREATE FUNCTION plus(x INT, y INT) RETURNS INT AS x + y;\n"
        "CREATE TABLE t (a INT, b INT);\n"
        "CREATE VIEW v AS SELECT double_it(a) AS d, plus(a, b) AS p FROM t;",
        UDF_RUST,
        {"v": ["d", "p"]},
    ),
    "window functions": (
        "CREATE TABLE s (k VARCHAR, ts TIMESTAMP NOT NULL, v INT);\n"
        "CREATE VIEW r AS SELECT k, v, ROW_NUMBER() OVER (PARTITION BY k ORDER BY ts) AS rn,"
        " SUM(v) OVER (PARTITION BY k ORDER BY ts RANGE BETWEEN INTERVAL '1' HOUR PRECEDING"
        " AND CURRENT ROW) AS rolling FROM s;",
        "",
        {"r": ["k", "v", "rn", "rolling"]},
    ),
    "correlated subqueries": (
        "CREATE TABLE t (id INT, g INT);\nCREATE TABLE u (id INT, t_id INT);\n"
        "CREATE VIEW v AS SELECT id FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.t_id = t.id)"
        " AND g IN (SELECT id FROM u);",
        "",
        {"v": ["id"]},
    ),
    "CTE over a UNION": (
        "CREATE TABLE a (x INT, y VARCHAR);\nCREATE TABLE b (x INT, y VARCHAR);\n"
        "CREATE VIEW v AS WITH both_ AS (SELECT x, y FROM a UNION ALL SELECT x, y FROM b)"
        " SELECT y, MAX(x) AS mx FROM both_ GROUP BY y;",
        "",
        {"v": ["y", "mx"]},
    ),
    "JOIN USING": (
        "CREATE TABLE a (id INT, p INT);\nCREATE TABLE b (id INT, q INT);\n"
        "CREATE VIEW v AS SELECT id, p, q FROM a JOIN b USING (id);",
        "",
        {"v": ["id", "p", "q"]},
    ),
    "scalar functions and time units": (
        "CREATE TABLE t (ts TIMESTAMP, s VARCHAR, n INT);\n"
        "CREATE VIEW v AS SELECT TIMESTAMPADD(MINUTE, 5, ts) AS later, DATE_TRUNC(ts, DAY) AS day_,"
        " EXTRACT(HOUR FROM ts) AS h, COALESCE(n, 0) AS n0,"
        " CASE WHEN n > 1 THEN 'big' ELSE 'small' END AS size_, CAST(n AS BIGINT) AS nb,"
        " UPPER(TRIM(s)) AS u, ROUND(n / 3.0, 2) AS r, s LIKE 'a%' AS starts, NOW() AS now_ FROM t;",
        "",
        {"v": ["later", "day_", "h", "n0", "size_", "nb", "u", "r", "starts", "now_"]},
    ),
    "GROUP BY an expression": (
        "CREATE TABLE t (a INT, b INT);\n"
        "CREATE VIEW v AS SELECT a + 1 AS a1, COUNT(*) AS c FROM t GROUP BY a + 1;",
        "",
        {"v": ["a1", "c"]},
    ),
    "recursive view": (
        "CREATE TABLE e (s INT NOT NULL, d INT NOT NULL);\n"
        "DECLARE RECURSIVE VIEW r (s INT NOT NULL, d INT NOT NULL);\n"
        "CREATE VIEW r AS SELECT s, d FROM e UNION SELECT r.s, e.d FROM r JOIN e ON r.d = e.s;",
        "",
        {"r": ["s", "d"]},
    ),
    "ROW fields": (
        "CREATE TYPE addr AS (street VARCHAR, zip INT);\nCREATE TABLE p (id INT, a addr);\n"
        "CREATE VIEW v AS SELECT p.a.zip AS z, a.street AS st FROM p;",
        "",
        {"v": ["z", "st"]},
    ),
    "LATENESS statement and index": (
        "CREATE TABLE t (id INT NOT NULL, ts TIMESTAMP NOT NULL);\n"
        "CREATE VIEW v AS SELECT id, ts FROM t;\nLATENESS v.ts INTERVAL 1 HOUR;\n"
        "CREATE INDEX ix ON v(id);",
        "",
        {"v": ["id", "ts"]},
    ),
    "ASOF join": (
        "CREATE TABLE a (id INT, ts TIMESTAMP); CREATE TABLE b (id INT, ts TIMESTAMP, p INT);\n"
        "CREATE VIEW v AS SELECT a.id, b.p FROM a LEFT ASOF JOIN b MATCH_CONDITION (a.ts >= b.ts)"
        " ON a.id = b.id;",
        "",
        {"v": ["id", "p"]},
    ),
    "lambda and ORDER BY an alias": (
        "CREATE TABLE t (a INT, xs INT ARRAY);\n"
        "CREATE VIEW v AS SELECT TRANSFORM(xs, x -> x + 1) AS ys FROM t;\n"
        "CREATE VIEW w AS SELECT a AS first_, COUNT(*) AS total FROM t GROUP BY a ORDER BY total;",
        "",
        {"v": ["ys"], "w": ["first_", "total"]},
    ),
}  # fmt: skip


class _StoredPipeline(FelderaClient):
    """The SDK's client reading one stored record instead of a server."""

    def __init__(self, record: dict):  # no HTTP client: only get_pipeline is used
        self.record = record

    def get_pipeline(self, pipeline_name, field_selector=None):
        return Pipeline.from_dict(dict(self.record))


def sdk_text(outcome) -> str:
    """The RuntimeError text `create_pipeline(..., wait=True)` raises for this outcome."""
    record = {
        "name": "p",
        "program_status": outcome.final_status,
        "program_error": outcome.program_error_final(),
        "program_info": outcome.program_info,
        "program_version": 1,
    }
    with pytest.raises(RuntimeError) as raised:
        _StoredPipeline(record)._wait_for_compilation("p")
    return str(raised.value)


@pytest.mark.parametrize(("code", "expected"), INVALID.values(), ids=INVALID.keys())
def test_invalid_program_fails_with_upstreams_messages(code, expected):
    outcome = compile_program(code)
    assert (outcome.sql_status, outcome.final_status) == ("SqlError", "SqlError")
    messages = outcome.sql_compilation["messages"]
    assert [(m["error_type"], m["message"]) for m in messages] == expected
    assert outcome.sql_compilation["exit_code"] == 1
    text = "".join(
        f"{m['error_type']}\n{m['message']}\nCode snippet:\n{m['snippet']}" for m in messages
    )
    assert sdk_text(outcome) == "Pipeline p failed to compile:\n" + text


def test_worked_example_a_exactly():
    code = (
        "CREATE TABLE t (id INT NOT NULL, name VARCHAR);\n"
        "CREATE VIEW v AS SELECT nme FROM t;\nCREATE VIEW w AS SELECT id FROM t;\n"
    )
    outcome = compile_program(code)
    assert outcome.sql_compilation["messages"] == [
        {
            "start_line_number": 2,
            "start_column": 25,
            "end_line_number": 2,
            "end_column": 27,
            "warning": False,
            "error_type": "Compilation error",
            "message": "From line 2, column 25 to line 2, column 27: Column 'nme' not found in any table",
            "snippet": "    2|CREATE VIEW v AS SELECT nme FROM t;\n" + " " * 30 + "^^^\n"
            "    3|CREATE VIEW w AS SELECT id FROM t;\n",
        }
    ]
    assert sdk_text(outcome) == (
        "Pipeline p failed to compile:\nCompilation error\n"
        "From line 2, column 25 to line 2, column 27: Column 'nme' not found in any table\n"
        "Code snippet:\n    2|CREATE VIEW v AS SELECT nme FROM t;\n" + " " * 30 + "^^^\n"
        "    3|CREATE VIEW w AS SELECT id FROM t;\n"
    )


def test_worked_example_b_exactly():
    [message] = compile_program(
        "CREATE TABLE t (x INT);\nCREATE VIEW v AS SELECT * FROM u;"
    ).sql_compilation["messages"]
    assert message["message"] == "At line 2, column 32: Object 'u' not found"
    assert message["snippet"] == (
        "    1|CREATE TABLE t (x INT);\n    2|CREATE VIEW v AS SELECT * FROM u;\n"
        + " " * 37
        + "^\n"
    )


def test_duplicate_declaration_ranges_cover_whole_statements():
    messages = compile_program(T + "CREATE TABLE t (y INT);").sql_compilation["messages"]
    spans = [
        (m["start_line_number"], m["start_column"], m["end_line_number"], m["end_column"])
        for m in messages
    ]
    assert spans == [(2, 1, 2, 22), (1, 1, 1, 87), (0, 0, 0, 0)]
    assert messages[2]["snippet"] == ""


def test_missing_rust_udf_is_a_rust_error_quoting_the_stub():
    outcome = compile_program(
        "CREATE FUNCTION base64(s VARCHAR) RETURNS VARCHAR;", pipeline_id="p-1"
    )
    assert (outcome.sql_status, outcome.final_status) == ("SqlCompiled", "RustError")
    stderr = outcome.rust_compilation["stderr"]
    assert outcome.rust_compilation["exit_code"] == 101
    assert stderr.splitlines()[1:] == [
        "error[E0425]: cannot find function `base64` in module `udf`",
        "  --> crates/feldera_pipe_pipeline_p_1_globals/src/stubs.rs:12:10",
        "   |",
        "12 |     udf::base64(",
        "   |          ^^^^^^ not found in `udf`",
        "",
        "For more information about this error, try `rustc --explain E0425`.",
        "error: could not compile `feldera_pipe_pipeline_p_1_globals` (lib) due to 1 previous error",
    ]
    assert sdk_text(outcome) == (
        f"The program failed to compile: RustError\nRust Error: {outcome.rust_compilation}\n"
    )


def test_rust_syntax_error_quotes_the_users_line():
    outcome = compile_program(
        "CREATE FUNCTION f(x INT) RETURNS INT;", "pub fn f(x: Option<i32>) {\n    let y = ;\n}\n"
    )
    stderr = outcome.rust_compilation["stderr"]
    assert "/src/udf.rs:2:" in stderr and "2 |     let y = ;\n" in stderr


@pytest.mark.parametrize(("code", "udf_rust", "columns"), VALID.values(), ids=VALID.keys())
def test_valid_program_compiles_with_its_schema(code, udf_rust, columns):
    outcome = compile_program(code, udf_rust)
    assert outcome.final_status == "Success", outcome.sql_compilation
    assert outcome.sql_compilation == {"exit_code": 0, "messages": []}
    outputs = outcome.program_info["schema"]["outputs"]
    assert outputs[0]["name"] == "error_view"
    assert {r["name"]: [f["name"] for f in r["fields"]] for r in outputs[1:]} == columns


def test_warnings_sit_beside_a_success():
    outcome = compile_program(
        "CREATE TABLE t (a DECIMAL, b INT);\nCREATE VIEW v AS SELECT a, b FROM t;"
    )
    assert outcome.final_status == "Success"
    [warning] = outcome.sql_compilation["messages"]
    assert warning["warning"] is True
    assert warning["error_type"] == "DECIMAL precision and scale unspecified"
    assert (warning["start_line_number"], warning["start_column"], warning["end_column"]) == (
        1,
        19,
        25,
    )


def test_counts():
    assert len(INVALID) + len(VALID) >= 40
