# ruff: noqa: E501  (the tables quote whole compiler messages on one line each)
"""Table-driven: invalid programs fail with upstream's exact messages, valid ones compile.

`tests/test_compiler_connectors.py` holds the same tables for `'connectors'` declarations.
"""

import pytest

from app.compiler import compile_program
from tests.compiler_checks import STOPPING
from tests.compiler_checks import check_invalid
from tests.compiler_checks import check_warned
from tests.compiler_checks import sdk_text

T = "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, name VARCHAR, d DATE, b BOOLEAN, x DOUBLE);\n"
U = "CREATE TABLE u (id INT NOT NULL PRIMARY KEY, t_id INT, amount DECIMAL(10, 2));\n"
LENIENT = "\nYou can allow this behavior using the --lenient compiler flag"
RAW_SELECT = "Raw 'SELECT' statements are not supported; did you forget to CREATE VIEW?: "
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
    "two view columns named alike (a join)": (
        T + U + "CREATE VIEW v AS SELECT t.id, u.id FROM t JOIN u ON t.id = u.t_id;",
        [("Duplicate column", "View 'v' contains two columns with the same name 'id'" + LENIENT), STOPPING],
    ),
    "two view columns named alike (aliases)": (
        T + "CREATE VIEW v AS SELECT id AS k, name AS k FROM t;",
        [("Duplicate column", "View 'v' contains two columns with the same name 'k'" + LENIENT), STOPPING],
    ),
    "raw SELECT": (
        T + "SELECT id, name FROM t WHERE id > 1;",
        [("Not supported", RAW_SELECT + "SELECT `id`, `name`\nFROM `t`\nWHERE `id` > 1")],
    ),
    "raw SELECT with a join, grouping and a limit": (
        T + U + "select t.id as k, count(*) from t join u on t.id = u.t_id where not (x > 1 or b)"
        " group by t.id order by k desc limit 5;",
        [("Not supported", RAW_SELECT + "SELECT `t`.`id` AS `k`, COUNT(*)\nFROM `t`\nINNER JOIN `u` ON `t`.`id` = `u`.`t_id`"
          "\nWHERE NOT (`x` > 1 OR `b`)\nGROUP BY `t`.`id`\nORDER BY `k` DESC\nFETCH NEXT 5 ROWS ONLY")],
    ),
    "raw SELECT stops before later errors": (
        T + "SELECT * FROM t;\nCREATE VIEW v AS SELECT * FROM nope;",
        [("Not supported", RAW_SELECT + "SELECT *\nFROM `t`")],
    ),
    "CREATE OR REPLACE VIEW": (
        T + "CREATE OR REPLACE VIEW v AS SELECT id FROM t;",
        [("Not supported", "OR REPLACE not supported")],
    ),
    "CREATE TABLE IF NOT EXISTS": (
        "CREATE TABLE IF NOT EXISTS t (x INT);",
        [("Not supported", "IF NOT EXISTS not supported")],
    ),
    "CREATE VIEW IF NOT EXISTS": (
        T + "CREATE VIEW IF NOT EXISTS v AS SELECT id FROM t;",
        [("Not supported", "IF NOT EXISTS not supported")],
    ),
    "unknown table property": (
        "CREATE TABLE t (x INT) WITH ('connector' = '[]');",
        [("Compilation error", "Unknown table property 'connector'")],
    ),
    "unknown view property": (
        T + "CREATE VIEW v WITH ('emit' = 'id') AS SELECT id FROM t;",
        [("Compilation error", "Unknown view property 'emit'")],
    ),
    "materialized that is not a boolean": (
        "CREATE TABLE t (x INT) WITH ('materialized' = 'yes');",
        [("Compilation error", "Expected a boolean value for property 'materialized'")],
    ),
    "warnings made errors": (
        "SET FELDERA_WARNINGS_ARE_ERRORS = ON;\nCREATE TABLE t (x INT, y INT);\nCREATE VIEW v AS SELECT x FROM t;",
        [("Unused column", "Column 'y' of table 't' is unused"), STOPPING],
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
    "unused columns with two consumers": (
        "CREATE TABLE t (x INT, y INT);\nCREATE VIEW v AS SELECT x FROM t;\nCREATE VIEW w AS SELECT x FROM t;",
        "",
        {"v": ["x"], "w": ["x"]},
    ),
    "unused columns of a self-join": (
        "CREATE TABLE t (x INT, y INT);\nCREATE VIEW v AS SELECT a.x FROM t a JOIN t b ON a.x = b.x;",
        "",
        {"v": ["x"]},
    ),
    "unused columns of a CTE used twice": (
        "CREATE TABLE t (x INT, y INT);\n"
        "CREATE VIEW v AS WITH c AS (SELECT x FROM t) SELECT a.x FROM c a JOIN c b ON a.x = b.x;",
        "",
        {"v": ["x"]},
    ),
    "unused columns of a materialized table": (
        "CREATE TABLE t (x INT, y INT) WITH ('materialized' = 'true');\nCREATE VIEW v AS SELECT x FROM t;",
        "",
        {"v": ["x"]},
    ),
    "unused columns of an indexed table": (
        "CREATE TABLE t (x INT NOT NULL, y INT);\nCREATE INDEX ix ON t(x);\nCREATE VIEW v AS SELECT x FROM t;",
        "",
        {"v": ["x"]},
    ),
    "tables no view reads, a local view nothing reads": (
        "CREATE TABLE s (x INT, y INT);\nCREATE TABLE t (x INT, y INT);\n"
        "CREATE LOCAL VIEW l AS SELECT x FROM t;\nCREATE VIEW v AS SELECT 1 AS one;",
        "",
        {"v": ["one"]},
    ),
    "SELECT * over a join renames the second id": (
        "CREATE TABLE a (id INT, p INT);\nCREATE TABLE b (id INT, q INT);\n"
        "CREATE VIEW v AS SELECT * FROM a JOIN b ON a.p = b.q;",
        "",
        {"v": ["id", "p", "id0", "q"]},
    ),
}  # fmt: skip
# Valid programs upstream compiles with warnings: name: [(error_type, message)].
VALID_WARNINGS = {
    "join, aggregate, HAVING, ORDER BY": [("Unused column", "Column 'name' of table 'customers' is unused")],
    "GROUP BY an expression": [("Unused column", "Column 'b' of table 't' is unused")],
    "ROW fields": [("Unused column", "Column 'id' of table 'p' is unused")],
}  # fmt: skip

# name: (program, [(error_type, message)], {table: [unused columns]}): compiles, with warnings.
WARNED = {
    "unused column": (
        "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, name VARCHAR, n INT);\nCREATE VIEW v AS SELECT id, n FROM t;",
        [("Unused column", "Column 'name' of table 't' is unused")],
        {"t": ["name"]},
    ),
    "key columns are never unused": (
        "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, a INT, b INT);\nCREATE VIEW v AS SELECT COUNT(*) AS n FROM t;",
        [("Unused column", "Column 'a' of table 't' is unused"), ("Unused column", "Column 'b' of table 't' is unused")],
        {"t": ["a", "b"]},
    ),
    "unused through a local view": (
        "CREATE TABLE t (x INT, y INT);\nCREATE LOCAL VIEW l AS SELECT x FROM t;\nCREATE VIEW v AS SELECT * FROM l;",
        [("Unused column", "Column 'y' of table 't' is unused")],
        {"t": ["y"]},
    ),
    "one warning silenced, another kept": (
        "SET FELDERA_IGNORE_WARNING_DECIMAL_precision_and_scale_unspecified = ON;\n"
        "CREATE TABLE t (a DECIMAL, b INT);\nCREATE VIEW v AS SELECT a FROM t;",
        [("Unused column", "Column 'b' of table 't' is unused")],
        {"t": ["b"]},
    ),
    "materialized property on a view": (
        T + "CREATE VIEW v WITH ('materialized' = 'true') AS SELECT * FROM t;",
        [("Materialized property not used", "The 'materialized' property for views is not used, please use 'CREATE MATERIALIZED VIEW' instead")],
        {},
    ),
    "FOREIGN KEY to an undeclared table": (
        "CREATE TABLE o (id INT NOT NULL PRIMARY KEY, c INT FOREIGN KEY REFERENCES cust(id));\nCREATE VIEW v AS SELECT * FROM o;",
        [("Table not found", "Table 'cust', referred in FOREIGN KEY constraint of table 'o', does not exist")],
        {},
    ),
    "LATENESS on an undeclared view": (
        T + "CREATE VIEW v AS SELECT * FROM t;\nLATENESS w.d INTERVAL 1 DAY;",
        [("No such view", "View 'w' used in LATENESS statement not found")],
        {},
    ),
}  # fmt: skip


@pytest.mark.parametrize(("code", "expected"), INVALID.values(), ids=INVALID.keys())
def test_invalid_program_fails_with_upstreams_messages(code, expected):
    check_invalid(code, expected)


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


@pytest.mark.parametrize("name", VALID)
def test_valid_program_compiles_with_its_schema(name):
    code, udf_rust, columns = VALID[name]
    outcome = compile_program(code, udf_rust)
    assert outcome.final_status == "Success", outcome.sql_compilation
    messages = outcome.sql_compilation["messages"]
    assert outcome.sql_compilation["exit_code"] == 0
    assert [(m["error_type"], m["message"]) for m in messages] == VALID_WARNINGS.get(name, [])
    assert all(m["warning"] for m in messages)
    outputs = outcome.program_info["schema"]["outputs"]
    assert outputs[0]["name"] == "error_view"
    assert {r["name"]: [f["name"] for f in r["fields"]] for r in outputs[1:]} == columns


@pytest.mark.parametrize(("code", "expected", "unused"), WARNED.values(), ids=WARNED.keys())
def test_program_compiles_with_upstreams_warnings(code, expected, unused):
    check_warned(code, expected, unused)


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
    assert len(INVALID) >= 40
    assert len(VALID) + len(WARNED) >= 25
