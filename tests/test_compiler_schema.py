"""program_info derived by the simulated SQL compiler: schema, stubs, connectors, SQL errors."""

import pytest

from app.compiler.program_info import ERROR_VIEW
from app.compiler.program_info import derive_program_info
from app.compiler.udf import STUBS_HEADER

VARCHAR = {"nullable": True, "precision": -1, "type": "VARCHAR"}
VARCHAR_NOT_NULL = {"nullable": False, "precision": -1, "type": "VARCHAR"}


def info(sql: str) -> dict:
    """Compile `sql`, insist that it succeeded, and return program_info."""
    result = derive_program_info(sql)
    assert result.messages == [], result.messages
    assert result.exit_code == 0
    return result.program_info


def errors(sql: str) -> list[dict]:
    """Compile `sql`, insist that it failed, and return the messages."""
    result = derive_program_info(sql)
    assert result.program_info is None
    assert result.messages
    return result.messages


def relation(program_info: dict, name: str) -> dict:
    schema = program_info["schema"]
    return next(r for r in schema["inputs"] + schema["outputs"] if r["name"] == name)


def column(program_info: dict, rel: str, name: str) -> dict:
    return next(f for f in relation(program_info, rel)["fields"] if f["name"] == name)


def test_worked_example_from_lifecycle_a4():
    got = info(
        "CREATE TABLE t1 (id INT NOT NULL PRIMARY KEY, name VARCHAR); "
        "CREATE MATERIALIZED VIEW v1 AS SELECT id FROM t1;"
    )
    assert got["schema"] == {
        "inputs": [
            {
                "name": "t1",
                "case_sensitive": False,
                "fields": [
                    {
                        "name": "id",
                        "case_sensitive": False,
                        "columntype": {"nullable": False, "type": "INTEGER"},
                        "unused": False,
                    },
                    {
                        "name": "name",
                        "case_sensitive": False,
                        "columntype": VARCHAR,
                        "unused": True,
                    },
                ],
                "primary_key": ["id"],
                "materialized": False,
                "foreign_keys": [],
            }
        ],
        "outputs": [
            ERROR_VIEW,
            {
                "name": "v1",
                "case_sensitive": False,
                "fields": [
                    {
                        "name": "id",
                        "case_sensitive": False,
                        "columntype": {"nullable": False, "type": "INTEGER"},
                        "unused": False,
                    }
                ],
                "materialized": True,
            },
        ],
    }
    assert list(got) == ["schema", "udf_stubs", "input_connectors", "output_connectors"]
    assert got["udf_stubs"] == STUBS_HEADER
    assert got["input_connectors"] == {} and got["output_connectors"] == {}


def test_relation_and_field_key_order():
    got = info(
        "CREATE TABLE t (id INT NOT NULL, ts TIMESTAMP LATENESS INTERVAL 1 HOUR, "
        "PRIMARY KEY (id)) WITH ('materialized' = 'true');"
    )
    table = relation(got, "t")
    assert list(table) == [
        "name",
        "case_sensitive",
        "fields",
        "primary_key",
        "properties",
        "materialized",
        "foreign_keys",
    ]
    assert list(table["fields"][1]) == [
        "name",
        "case_sensitive",
        "columntype",
        "lateness",
        "unused",
    ]
    assert list(table["fields"][1]["columntype"]) == ["nullable", "precision", "type"]


def test_empty_program_has_only_error_view():
    got = info("")
    assert got["schema"] == {"inputs": [], "outputs": [ERROR_VIEW]}
    assert got["udf_stubs"] == STUBS_HEADER


def test_error_view_shape():
    assert ERROR_VIEW["name"] == "error_view"
    assert [f["name"] for f in ERROR_VIEW["fields"]] == [
        "table_or_view_name",
        "message",
        "metadata",
    ]
    assert all(f["columntype"] == VARCHAR_NOT_NULL for f in ERROR_VIEW["fields"])
    assert ERROR_VIEW["materialized"] is False and "properties" not in ERROR_VIEW


@pytest.mark.parametrize(
    ("sql_type", "expected"),
    [
        ("BOOLEAN", {"nullable": True, "type": "BOOLEAN"}),
        ("TINYINT", {"nullable": True, "type": "TINYINT"}),
        ("SMALLINT", {"nullable": True, "type": "SMALLINT"}),
        ("INT", {"nullable": True, "type": "INTEGER"}),
        ("INTEGER", {"nullable": True, "type": "INTEGER"}),
        ("BIGINT", {"nullable": True, "type": "BIGINT"}),
        ("BIGINT UNSIGNED", {"nullable": True, "type": "UBIGINT"}),
        ("REAL", {"nullable": True, "type": "REAL"}),
        ("FLOAT", {"nullable": True, "type": "DOUBLE"}),
        ("DOUBLE", {"nullable": True, "type": "DOUBLE"}),
        ("DOUBLE PRECISION", {"nullable": True, "type": "DOUBLE"}),
        ("DECIMAL(10, 2)", {"nullable": True, "precision": 10, "scale": 2, "type": "DECIMAL"}),
        ("NUMERIC(5)", {"nullable": True, "precision": 5, "scale": 0, "type": "DECIMAL"}),
        ("CHAR(3)", {"nullable": True, "precision": 3, "type": "CHAR"}),
        ("CHAR", {"nullable": True, "precision": 1, "type": "CHAR"}),
        ("VARCHAR", VARCHAR),
        ("VARCHAR(20)", {"nullable": True, "precision": 20, "type": "VARCHAR"}),
        ("STRING", VARCHAR),
        ("CHARACTER VARYING(7)", {"nullable": True, "precision": 7, "type": "VARCHAR"}),
        ("BINARY(4)", {"nullable": True, "precision": 4, "type": "BINARY"}),
        ("VARBINARY", {"nullable": True, "precision": -1, "type": "VARBINARY"}),
        ("DATE", {"nullable": True, "type": "DATE"}),
        ("TIME", {"nullable": True, "precision": 9, "type": "TIME"}),
        ("TIMESTAMP", {"nullable": True, "precision": 6, "type": "TIMESTAMP"}),
        (
            "INTERVAL DAY TO SECOND",
            {"nullable": True, "precision": 2, "scale": 6, "type": "INTERVAL_DAY_SECOND"},
        ),
        (
            "INTERVAL MONTH",
            {"nullable": True, "precision": 2, "scale": 6, "type": "INTERVAL_MONTH"},
        ),
        ("UUID", {"nullable": True, "type": "UUID"}),
        ("VARIANT", {"nullable": True, "type": "VARIANT"}),
        (
            "INT ARRAY",
            {"component": {"nullable": True, "type": "INTEGER"}, "nullable": True, "type": "ARRAY"},
        ),
        (
            "VARCHAR NOT NULL ARRAY ARRAY",
            {
                "component": {
                    "component": VARCHAR_NOT_NULL,
                    "nullable": True,
                    "type": "ARRAY",
                },
                "nullable": True,
                "type": "ARRAY",
            },
        ),
        (
            "ARRAY<BIGINT>",
            {"component": {"nullable": True, "type": "BIGINT"}, "nullable": True, "type": "ARRAY"},
        ),
        (
            "MAP<VARCHAR, INT NOT NULL>",
            {
                "key": VARCHAR,
                "nullable": True,
                "type": "MAP",
                "value": {"nullable": False, "type": "INTEGER"},
            },
        ),
        (
            'ROW(a INT NOT NULL, "B" VARCHAR(5))',
            {
                "fields": [
                    {"name": "a", "case_sensitive": False, "nullable": False, "type": "INTEGER"},
                    {
                        "name": "B",
                        "case_sensitive": True,
                        "nullable": True,
                        "precision": 5,
                        "type": "VARCHAR",
                    },
                ],
                "nullable": True,
            },
        ),
    ],
)
def test_column_types(sql_type, expected):
    got = info(f"CREATE TABLE t (c {sql_type});")
    ctype = column(got, "t", "c")["columntype"]
    assert ctype == expected
    assert list(ctype) == sorted(ctype)


def test_user_type_becomes_fields():
    got = info(
        "CREATE TYPE address AS (street VARCHAR NOT NULL, zip CHAR(5));\n"
        "CREATE TABLE people (home address NOT NULL, homes address ARRAY);"
    )
    home = column(got, "people", "home")["columntype"]
    assert home == {
        "fields": [
            {"name": "street", "case_sensitive": False, **VARCHAR_NOT_NULL},
            {
                "name": "zip",
                "case_sensitive": False,
                "nullable": True,
                "precision": 5,
                "type": "CHAR",
            },
        ],
        "nullable": False,
    }
    homes = column(got, "people", "homes")["columntype"]
    assert homes["type"] == "ARRAY" and homes["component"]["fields"] == home["fields"]


@pytest.mark.parametrize(
    ("declaration", "nullable"),
    [("INT", True), ("INT NULL", True), ("INT NOT NULL", False), ("INT NOT NULL DEFAULT 3", False)],
)
def test_nullability(declaration, nullable):
    got = info(f"CREATE TABLE t (c {declaration});")
    assert column(got, "t", "c")["columntype"]["nullable"] is nullable


@pytest.mark.parametrize(
    ("sql", "key"),
    [
        ("CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v INT);", ["id"]),
        ("CREATE TABLE t (id INT NOT NULL, v INT NOT NULL, PRIMARY KEY (v, id));", ["v", "id"]),
        ("CREATE TABLE t (id INT NOT NULL, CONSTRAINT pk PRIMARY KEY (id));", ["id"]),
        ('CREATE TABLE t ("Id" INT NOT NULL, PRIMARY KEY ("Id"));', ["Id"]),
    ],
)
def test_primary_keys(sql, key):
    assert relation(info(sql), "t")["primary_key"] == key


def test_no_primary_key_means_no_key_entry():
    assert "primary_key" not in relation(info("CREATE TABLE t (x INT);"), "t")


def test_quoted_identifiers_keep_case():
    got = info('CREATE TABLE "MixedCase" ("Col" INT, Other INT);')
    table = relation(got, "MixedCase")
    assert table["case_sensitive"] is True
    assert [(f["name"], f["case_sensitive"]) for f in table["fields"]] == [
        ("Col", True),
        ("other", False),
    ]


def test_unquoted_names_fold_to_lower_case():
    table = relation(info("CREATE TABLE MyTable (MyCol INT);"), "mytable")
    assert table["case_sensitive"] is False and table["fields"][0]["name"] == "mycol"


def test_table_properties_and_materialized():
    got = info(
        "CREATE TABLE t (x INT) WITH (\n  'materialized' = 'true',\n  'append_only' = 'true'\n);"
    )
    table = relation(got, "t")
    assert table["materialized"] is True
    assert table["properties"]["materialized"] == {
        "value": "true",
        "key_position": {
            "start_line_number": 2,
            "start_column": 3,
            "end_line_number": 2,
            "end_column": 16,
        },
        "value_position": {
            "start_line_number": 2,
            "start_column": 20,
            "end_line_number": 2,
            "end_column": 25,
        },
    }
    assert list(table["properties"]) == ["materialized", "append_only"]


def test_column_attributes_are_kept_as_sql_text():
    got = info(
        "CREATE TABLE t (ts TIMESTAMP NOT NULL LATENESS INTERVAL '1' HOUR,"
        " w TIMESTAMP WATERMARK INTERVAL 5 MINUTES, d INT DEFAULT 42, s VARCHAR INTERNED);"
    )
    assert column(got, "t", "ts")["lateness"] == "INTERVAL '1' HOUR"
    assert column(got, "t", "w")["watermark"] == "INTERVAL 5 MINUTES"
    assert column(got, "t", "d")["default"] == "42"
    assert column(got, "t", "s")["interned"] is True


def test_foreign_keys():
    got = info(
        "CREATE TABLE a (id INT NOT NULL PRIMARY KEY);\n"
        "CREATE TABLE b (x INT FOREIGN KEY REFERENCES a(id), y INT, z INT,"
        " FOREIGN KEY (y, z) REFERENCES a(id, id));"
    )
    assert relation(got, "b")["foreign_keys"] == [
        {"source": "b", "columns": ["x"], "refers": "a", "tocolumns": ["id"]},
        {"source": "b", "columns": ["y", "z"], "refers": "a", "tocolumns": ["id", "id"]},
    ]


TABLE = "CREATE TABLE t (id INT NOT NULL, name VARCHAR, score DOUBLE, ts TIMESTAMP NOT NULL);\n"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("SELECT id FROM t", [("id", False, {"nullable": False, "type": "INTEGER"})]),
        ("SELECT id AS ident FROM t", [("ident", False, {"nullable": False, "type": "INTEGER"})]),
        ('SELECT name AS "Nm" FROM t', [("Nm", True, VARCHAR)]),
        ("SELECT COUNT(*) AS n FROM t", [("n", False, {"nullable": False, "type": "BIGINT"})]),
        (
            "SELECT CAST(id AS VARCHAR(8)) AS s FROM t",
            [("s", False, {"nullable": False, "precision": 8, "type": "VARCHAR"})],
        ),
        (
            "SELECT CAST(score AS DECIMAL(6, 1)) AS s FROM t",
            [("s", False, {"nullable": True, "precision": 6, "scale": 1, "type": "DECIMAL"})],
        ),
        (
            "SELECT SUM(id) AS total FROM t",
            [("total", False, {"nullable": True, "type": "INTEGER"})],
        ),
        (
            "SELECT name, MAX(id) AS m FROM t GROUP BY name",
            [("name", False, VARCHAR), ("m", False, {"nullable": False, "type": "INTEGER"})],
        ),
        (
            "SELECT 1 AS one, 'ab' AS two, TRUE AS three",
            [
                ("one", False, {"nullable": False, "type": "INTEGER"}),
                ("two", False, {"nullable": False, "precision": 2, "type": "CHAR"}),
                ("three", False, {"nullable": False, "type": "BOOLEAN"}),
            ],
        ),
        ("SELECT id + 1 FROM t", [("EXPR$0", True, {"nullable": False, "type": "INTEGER"})]),
        ("SELECT UPPER(name) AS u FROM t", [("u", False, VARCHAR)]),
        (
            "SELECT id * 2.50 AS d FROM t",
            [("d", False, {"nullable": False, "precision": 13, "scale": 2, "type": "DECIMAL"})],
        ),
        ("SELECT score + id AS f FROM t", [("f", False, {"nullable": True, "type": "DOUBLE"})]),
        (
            "SELECT ts + INTERVAL '1' HOUR AS later FROM t",
            [("later", False, {"nullable": False, "precision": 6, "type": "TIMESTAMP"})],
        ),
        (
            "SELECT COALESCE(name, 'x') AS n, CASE WHEN id > 0 THEN id END AS c FROM t",
            [
                ("n", False, VARCHAR_NOT_NULL),
                ("c", False, {"nullable": True, "type": "INTEGER"}),
            ],
        ),
        (
            "SELECT ROW_NUMBER() OVER (PARTITION BY name ORDER BY ts) AS rn FROM t",
            [("rn", False, {"nullable": False, "type": "BIGINT"})],
        ),
        (
            "SELECT n, l FROM (VALUES (1, 'ab'), (2, NULL)) AS v(n, l)",
            [
                ("n", False, {"nullable": False, "type": "INTEGER"}),
                ("l", False, {"nullable": True, "precision": 2, "type": "CHAR"}),
            ],
        ),
        (
            "WITH big AS (SELECT id AS k FROM t WHERE id > 9) SELECT k FROM big",
            [("k", False, {"nullable": False, "type": "INTEGER"})],
        ),
        (
            # Two columns named `id` would be a Duplicate column error (test_compiler_programs).
            "SELECT t.id, x.id AS xid FROM t JOIN t AS x ON t.id = x.id",
            [
                ("id", False, {"nullable": False, "type": "INTEGER"}),
                ("xid", False, {"nullable": False, "type": "INTEGER"}),
            ],
        ),
        ("SELECT MD5(name) AS f FROM t", [("f", False, VARCHAR)]),
    ],
)
def test_view_columns(query, expected):
    got = info(TABLE + f"CREATE VIEW v AS {query};")
    fields = relation(got, "v")["fields"]
    assert [(f["name"], f["case_sensitive"], f["columntype"]) for f in fields] == expected
    assert all(f["unused"] is False for f in fields)


def test_unnest_and_indexing_use_element_types():
    got = info(
        "CREATE TABLE a (id INT NOT NULL, xs BIGINT ARRAY, m MAP<VARCHAR, DATE>);\n"
        "CREATE VIEW u AS SELECT a.id, e.x, e.pos FROM a CROSS JOIN UNNEST(a.xs)"
        " WITH ORDINALITY AS e(x, pos);\n"
        "CREATE VIEW k AS SELECT m['day'] AS d, xs[1] AS first FROM a;"
    )
    u = [(f["name"], f["columntype"]) for f in relation(got, "u")["fields"]]
    assert u == [
        ("id", {"nullable": False, "type": "INTEGER"}),
        ("x", {"nullable": True, "type": "BIGINT"}),
        ("pos", {"nullable": False, "type": "INTEGER"}),
    ]
    k = [f["columntype"] for f in relation(got, "k")["fields"]]
    assert k == [{"nullable": True, "type": "DATE"}, {"nullable": True, "type": "BIGINT"}]


def test_view_can_read_an_earlier_view():
    got = info(
        TABLE + "CREATE VIEW a AS SELECT id, name FROM t;\nCREATE VIEW b AS SELECT * FROM a;"
    )
    assert [f["name"] for f in relation(got, "b")["fields"]] == ["id", "name"]


def test_program_info_is_a_fresh_tree_each_time():
    first = info("CREATE TABLE t (x INT);")
    first["schema"]["outputs"][0]["fields"].clear()
    assert len(info("CREATE TABLE t (x INT);")["schema"]["outputs"][0]["fields"]) == 3


def test_view_star_expands_table_columns():
    got = info(TABLE + "CREATE VIEW v AS SELECT * FROM t;")
    assert relation(got, "v")["fields"] == [
        {**f, "unused": False} for f in relation(got, "t")["fields"]
    ]


def test_view_explicit_column_names():
    got = info(TABLE + 'CREATE VIEW v (a, "B") AS SELECT id, name FROM t;')
    fields = relation(got, "v")["fields"]
    assert [(f["name"], f["case_sensitive"]) for f in fields] == [("a", False), ("B", True)]
    assert fields[0]["columntype"] == {"nullable": False, "type": "INTEGER"}


def test_outer_join_makes_columns_nullable():
    got = info(
        TABLE + "CREATE TABLE u (uid INT NOT NULL);\n"
        "CREATE VIEW v AS SELECT t.id, u.uid FROM t LEFT JOIN u ON t.id = u.uid;"
    )
    types = [f["columntype"]["nullable"] for f in relation(got, "v")["fields"]]
    assert types == [False, True]


def test_local_view_is_not_an_output_but_can_be_read():
    got = info(
        TABLE + "CREATE LOCAL VIEW l AS SELECT id FROM t;\nCREATE VIEW v AS SELECT id FROM l;"
    )
    names = [r["name"] for r in got["schema"]["outputs"]]
    assert names == ["error_view", "v"]
    assert relation(got, "v")["materialized"] is False


def test_outputs_keep_declaration_order():
    got = info(TABLE + "CREATE VIEW b AS SELECT id FROM t; CREATE VIEW a AS SELECT id FROM t;")
    assert [r["name"] for r in got["schema"]["outputs"]] == ["error_view", "b", "a"]


def test_unused_marks_columns_no_view_reads():
    got = info(TABLE + "CREATE VIEW v AS SELECT name FROM t WHERE score > 1;")
    unused = {f["name"]: f["unused"] for f in relation(got, "t")["fields"]}
    assert unused == {"id": True, "name": False, "score": False, "ts": True}


def test_tumble_window_adds_bounds():
    got = info(
        TABLE + "CREATE VIEW w AS SELECT * FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), "
        "INTERVAL '1' HOUR));"
    )
    fields = relation(got, "w")["fields"]
    assert [f["name"] for f in fields] == [
        "id",
        "name",
        "score",
        "ts",
        "window_start",
        "window_end",
    ]
    assert fields[-1]["columntype"] == {"nullable": False, "precision": 6, "type": "TIMESTAMP"}


FELDERA_ONLY = {
    "lateness": "CREATE TABLE t (ts TIMESTAMP NOT NULL LATENESS INTERVAL 1 HOUR);",
    "watermark": "CREATE TABLE t (ts TIMESTAMP WATERMARK INTERVAL '1' MINUTE);",
    "lateness statement": TABLE
    + "CREATE VIEW v AS SELECT ts FROM t; LATENESS v.ts INTERVAL 1 HOUR;",
    "udf": "CREATE FUNCTION f(x INT NOT NULL) RETURNS INT;",
    "sql udf": "CREATE FUNCTION plus(x INT, y INT) RETURNS INT AS x + y;",
    "create type": "CREATE TYPE p AS (a INT, b VARCHAR ARRAY);",
    "recursive view": (
        "CREATE TABLE e (s INT NOT NULL, d INT NOT NULL);\n"
        "DECLARE RECURSIVE VIEW r (s INT NOT NULL, d INT NOT NULL);\n"
        "CREATE VIEW r AS SELECT s, d FROM e UNION SELECT r.s, e.d FROM r JOIN e ON r.d = e.s;"
    ),
    "materialized property": "CREATE TABLE t (x INT) WITH ('materialized' = 'true');",
    "index": "CREATE TABLE t (x INT NOT NULL);\nCREATE INDEX ix ON t(x);",
    "connector property": (
        "CREATE TABLE t (x INT) WITH ('connectors' = "
        '\'[{"name": "g", "transport": {"name": "datagen", "config": {}}}]\');'
    ),
    "view with": TABLE + "CREATE VIEW v WITH ('emit_final' = 'id') AS SELECT id FROM t;",
    "asof join": (
        "CREATE TABLE a (id INT, ts TIMESTAMP); CREATE TABLE b (id INT, ts TIMESTAMP, p INT);\n"
        "CREATE VIEW v AS SELECT a.id, b.p FROM a LEFT ASOF JOIN b "
        "MATCH_CONDITION (a.ts >= b.ts) ON a.id = b.id;"
    ),
    "hop": TABLE + "CREATE VIEW h AS SELECT * FROM TABLE(HOP(TABLE t, DESCRIPTOR(ts), "
    "INTERVAL '1' MINUTE, INTERVAL '5' MINUTE));",
    "insert": "CREATE TABLE t (x INT);\nINSERT INTO t VALUES (1), (2);",
    "block comment": "/* a comment; with a semicolon */ CREATE TABLE t (x INT);",
    "interval type column": "CREATE TABLE t (d INTERVAL HOUR TO MINUTE);",
}


@pytest.mark.parametrize("sql", FELDERA_ONLY.values(), ids=FELDERA_ONLY.keys())
def test_feldera_only_syntax_compiles(sql):
    got = info(sql)
    assert got["schema"]["outputs"][0]["name"] == "error_view"


def test_recursive_view_uses_declared_types():
    got = info(FELDERA_ONLY["recursive view"])
    fields = relation(got, "r")["fields"]
    assert [(f["name"], f["columntype"]["nullable"]) for f in fields] == [
        ("s", False),
        ("d", False),
    ]


def test_udf_stubs_list_functions_without_body():
    got = info(FELDERA_ONLY["udf"] + "\n" + FELDERA_ONLY["sql udf"])
    stubs = got["udf_stubs"]
    assert stubs.startswith(STUBS_HEADER)
    assert "#![allow(non_snake_case)]" in stubs and stubs.count("\nuse ") == 2
    assert "pub fn f(x: i32) -> Result<Option<i32>, Box<dyn std::error::Error>>" in stubs
    assert "plus" not in stubs


@pytest.mark.parametrize(
    ("sql", "line", "column", "error_type"),
    [
        ("CREATE TABLE t (x INT", 1, 19, "Error parsing SQL"),
        ("CREATE TABLE t (x INT);\nSELEC 1;", 2, 1, "Error parsing SQL"),
        ("CREATE TABLE t (x FOO BAR BAZ);", 1, 23, "Error parsing SQL"),
        ("CREATE TABLE t (x INT);\nCREATE VIEW v AS SELEC x FROM t;", 2, 18, "Error parsing SQL"),
        (
            "CREATE TABLE t (x INT);\nCREATE VIEW v AS\n  SELECT x FROM t WHERE;",
            3,
            19,
            "Error parsing SQL",
        ),
        ("CREATE TABLE t (x VARCHAR(abc));", 1, 27, "Error parsing SQL"),
        ("CREATE TABLE t (s VARCHAR DEFAULT 'oops);", 1, 35, "Error parsing SQL"),
        ("CREATE TABLE t (x INT) WITH ('k' = 1);", 1, 36, "Error parsing SQL"),
        (
            "CREATE TABLE t (x INT);\nCREATE VIEW v AS SELECT * FROM missing;",
            2,
            32,
            "Compilation error",
        ),
        ("CREATE TABLE t (x NOSUCHTYPE);", 1, 19, "Compilation error"),
        ("CREATE TABLE t (x INT NOT NULL PRIMARY KEY (y));", 1, 44, "Error parsing SQL"),
        ("CREATE TABLE t (x INT NOT NULL, PRIMARY KEY (y));", 1, 46, "No such column"),
        ("CREATE TABLE t (x INT); CREATE TABLE T (y INT);", 1, 25, "Duplicate declaration"),
        ("CREATE TABLE t (a INT, a INT);", 1, 24, "Duplicate name"),
    ],
)
def test_sql_errors_with_position(sql, line, column, error_type):
    result = derive_program_info(sql)
    assert result.exit_code == 1
    # Errors reported without stopping are followed by more entries (spec §1.5).
    message = errors(sql)[0]
    assert (message["start_line_number"], message["start_column"]) == (line, column)
    assert message["error_type"] == error_type
    assert message["warning"] is False
    assert message["end_line_number"] >= line
    # An error on the last line also shows the line above it (spec §1.3).
    assert f"{line:5}|" in message["snippet"]


def test_syntax_error_message_and_snippet():
    [message] = errors("CREATE TABLE t (x FOO BAR BAZ);")
    assert message["message"].startswith('Encountered "BAR" at line 1, column 23.')
    assert message["end_column"] == 25
    assert message["snippet"] == "    1|CREATE TABLE t (x FOO BAR BAZ);\n" + " " * 28 + "^^^\n"


def test_syntax_error_wins_over_semantic_errors():
    [message] = errors("CREATE TABLE t (c INT PRIMARY KEY);\nCREATE TABLE u (x INT")
    assert message["error_type"] == "Error parsing SQL"
    assert (
        message["message"] == 'Encountered "<EOF>" at line 2, column 21.\nWas expecting: "," or ")"'
    )


def test_nullable_primary_key_is_an_error():
    message, aborting = errors("CREATE TABLE t (\n  c INT PRIMARY KEY\n);")
    assert message == {
        "start_line_number": 2,
        "start_column": 5,
        "end_line_number": 2,
        "end_column": 7,
        "warning": False,
        "error_type": "PRIMARY KEY cannot be nullable",
        "message": "PRIMARY KEY column 'c' has type INTEGER, which is nullable",
        "snippet": "    2|  c INT PRIMARY KEY\n          ^^^\n    3|);\n",
    }
    assert (aborting["error_type"], aborting["message"]) == ("Compilation error", "aborting.")


def test_errors_in_a_column_list_abort_compilation():
    messages = errors("CREATE TABLE t (a INT PRIMARY KEY);\nCREATE TABLE u (b INT PRIMARY KEY);")
    assert [m["start_line_number"] for m in messages] == [1, 0]


CONNECTORS_TABLE = (
    "CREATE TABLE \"Src\" (x INT) WITH ('connectors' = '[\n"
    '  {"name": "kafka", "transport": {"name": "kafka_input", "config": {"topic": "t"}},'
    ' "format": {"name": "json"}},\n'
    '  {"transport": {"name": "datagen", "config": {}}}\n'
    "]');\n"
)


def test_named_and_unnamed_input_connectors():
    got = info(CONNECTORS_TABLE)
    connectors = got["input_connectors"]
    assert list(connectors) == ["Src.kafka", "Src.unnamed-1"]
    kafka = connectors["Src.kafka"]
    assert kafka["stream"] == '"Src"'
    assert kafka["transport"] == {"name": "kafka_input", "config": {"topic": "t"}}
    assert kafka["format"] == {"name": "json", "config": None}
    assert kafka["max_queued_records"] == 1000000 and kafka["paused"] is False
    assert "name" not in kafka
    assert connectors["Src.unnamed-1"]["format"] is None
    assert got["output_connectors"] == {}


def test_output_connectors_on_views():
    got = info(
        "CREATE TABLE t (x INT);\nCREATE VIEW v WITH ('connectors' = "
        '\'[{"name": "out", "transport": {"name": "kafka_output", "config": {}}}]\')'
        " AS SELECT x FROM t;"
    )
    assert list(got["output_connectors"]) == ["v.out"]
    assert got["output_connectors"]["v.out"]["stream"] == "v"


@pytest.mark.parametrize(
    ("connectors", "reason"),
    [
        (
            "[42]",
            "deserialization failed: invalid type: integer `42`, expected struct ConnectorConfig"
            " at line 1 column 3 (position is within the string itself)",
        ),
        (
            '[{"name": "a"}]',
            "deserialization failed: missing field `transport` at line 1 column 14"
            " (position is within the string itself)",
        ),
        (
            '[{"name": "a", "transport": {"name": "datagen"}}]',
            "deserialization failed: missing field `config` at line 1 column 47"
            " (position is within the string itself)",
        ),
        (
            '[{"name": "a", "transport": {"name": "datagen", "config": {"seed": -1}}}]',
            "deserialization failed: invalid value: integer `-1`, expected u64 at line 1 column"
            " 69 (position is within the string itself)",
        ),
        (
            '[{"name": "a", "transport": {"name": "datagen", "config": {}}, "labels": "x"}]',
            'deserialization failed: invalid type: string "x", expected a sequence at line 1'
            " column 76 (position is within the string itself)",
        ),
        (
            '[{"name": "a", "transport": {"name": "datagen", "config": {}},'
            ' "enable_output_buffer": 1}]',
            # A flattened OutputBufferConfig field: serde buffered it, so it points at the end.
            "deserialization failed: invalid type: integer `1`, expected a boolean at line 1"
            " column 89 (position is within the string itself)",
        ),
    ],
)
def test_bad_connectors_are_connector_generation_errors(connectors, reason):
    sql = f"CREATE TABLE t (x INT) WITH (\n'connectors' = '{connectors}');"
    result = derive_program_info(sql)
    assert result.program_info is None
    assert result.exit_code == 0
    [message] = result.messages
    assert message["error_type"] == "ConnectorGenerationError"
    prefix = f"relation 't': property 'connectors' has value '{connectors}' which is invalid: "
    assert message["message"] == prefix + reason
    assert message["snippet"] is None
    assert (message["start_line_number"], message["start_column"]) == (2, 16)
