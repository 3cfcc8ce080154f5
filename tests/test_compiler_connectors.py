# ruff: noqa: E501  (the tables quote whole compiler messages on one line each)
"""Table-driven: `'connectors'` declarations fail or warn with upstream's exact messages (§1.9, §5).

The compiler's own checks stop compilation (exit 1) or warn; then the manager turns each
relation's property into connector configs and appends a ConnectorGenerationError (exit 0)
when it cannot.
"""

import pytest

from app.compiler import compile_program
from tests.compiler_checks import check_invalid
from tests.compiler_checks import check_warned
from tests.compiler_checks import sdk_messages_text
from tests.compiler_checks import sdk_text

T = "CREATE TABLE t (id INT NOT NULL PRIMARY KEY, name VARCHAR, d DATE, b BOOLEAN, x DOUBLE);\n"
VALUE_LIST = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
UNNAMED = (
    ' does not have a name.\nIt is recommended to name all connectors using the "name" '
    "property; names will be required in the future."
)
TRANSPORT_TAGS = (
    "`file_input`, `file_output`, `nats_input`, `kafka_input`, `kafka_output`, `pub_sub_input`, "
    "`url_input`, `s3_input`, `delta_table_input`, `delta_table_output`, `dynamodb_output`, "
    "`redis_output`, `iceberg_input`, `postgres_input`, `postgres_cdc_input`, `postgres_output`, "
    "`datagen`, `nexmark`, `http_input`, `http_output`, `ad_hoc_input`, `clock_input`, "
    "`null_output`, `empty_input`"
)


def with_connectors(json_text: str, relation: str = "CREATE TABLE c (x INT)") -> str:
    """A relation whose 'connectors' property is `json_text` (quotes doubled, as SQL wants)."""
    value = json_text.replace("'", "''")
    return f"{relation} WITH ('connectors' = '{value}')"


DATAGEN = '{"name": "gen", "transport": {"name": "datagen", "config": {}}}'

# name: (program, [(error_type, message)]): the compiler stops (exit 1).
INVALID = {
    "connectors that are not JSON": (
        with_connectors("nope") + ";",
        [("Compilation error", f"'connectors' is not legal JSON: Unrecognized token 'nope': was expecting {VALUE_LIST}")],
    ),
    "connectors with an unquoted key": (
        with_connectors('[{name: "a"}]') + ";",
        [("Compilation error", "'connectors' is not legal JSON: Unexpected character ('n' (code 110)): was expecting double-quote to start field name")],
    ),
    "connectors with a trailing comma": (
        with_connectors(f"[{DATAGEN}, ]") + ";",
        [("Compilation error", "'connectors' is not legal JSON: Unexpected character (']' (code 93)): expected a value")],
    ),
    "connectors cut short": (
        with_connectors('[{"name": "a"}') + ";",
        [("Compilation error", "'connectors' is not legal JSON: Unexpected end-of-input: expected close marker for Array (start marker at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 1])")],
    ),
    "connectors that are an object": (
        with_connectors(DATAGEN) + ";",
        [("Compilation error", "Expected an array value for 'connectors'")],
    ),
    "a connector name that is not a string": (
        with_connectors('[{"name": 7, "transport": {"name": "datagen", "config": {}}}]') + ";",
        [("Compilation error", 'Expected a string value for the connector "name" property')],
    ),
    "two connectors with one name": (
        with_connectors(f"[{DATAGEN}, {DATAGEN}]") + ";",
        [("Compilation error", "Two connectors for the same table 'c' cannot have the same name: 'gen'")],
    ),
}  # fmt: skip

# name: (program, [(error_type, message)], {table: [unused columns]}): compiles, with warnings.
WARNED = {
    "named connectors, warnings silenced": (
        "SET FELDERA_IGNORE_WARNING_Unused_column = ON;\n"
        + with_connectors(f"[{DATAGEN}]", "CREATE TABLE c (x INT, y INT)") + ";\n"
        + with_connectors('[{"name": "out", "transport": {"name": "file_output", "config": {"path": "/tmp/o"}},'
                          ' "format": {"name": "csv"}}]', "CREATE VIEW v") + " AS SELECT x FROM c;",
        [],
        {"c": ["y"]},
    ),
    "unnamed connector, unknown format and transport": (
        with_connectors('[{"transport": {"name": "file_input", "config": {"path": "/tmp/x"}}, "format": {"name": "xml"}},'
                        ' {"name": "k", "transport": {"name": "kafka_input", "config": {"topic": "a"}}}]') + ";",
        [("Unnamed connector", "Connector nr. 1 for table 'c'" + UNNAMED), ("Unknown format", '"format.name" "xml" is not known')],
        {},
    ),
    "unknown configuration fields": (
        with_connectors('[{"name": "f", "transport": {"name": "file_input", "config": {"path": "/x", "folow": true}}},'
                        ' {"name": "g", "transport": {"name": "url_input", "config": {"path": "http://h/", "pause": 1}}}]') + ";",
        [("Invalid configuration", 'unknown field "folow"'), ("Invalid configuration", 'unknown field "pause"')],
        {},
    ),
}  # fmt: skip

# name: (program, [(error_type, message)]): the compiler succeeds (exit 0), its warnings are
# kept, and the manager appends a ConnectorGenerationError (spec §1.9, §5).
CONNECTOR_ERRORS = {
    "upstream's invalid_connector": (
        with_connectors('["These are not valid connectors."]', "CREATE TABLE t1 (c1 INTEGER)") + ";",
        [
            ("Unnamed connector", "Connector nr. 1 for table 't1'" + UNNAMED),
            ("ConnectorGenerationError", "relation 't1': property 'connectors' has value '[\"These are not valid connectors.\"]' which is invalid: deserialization failed: invalid type: string \"These are not valid connectors.\", expected struct ConnectorConfig at line 1 column 34 (position is within the string itself)"),
        ],
    ),
    "unknown transport": (
        with_connectors('[{"name": "a", "transport": {"name": "foo_input", "config": {}}}]') + ";",
        [
            ("Unknown format", '"transport.name" "foo_input" is not known'),
            ("ConnectorGenerationError", "relation 'c': property 'connectors' has value '[{\"name\": \"a\", \"transport\": {\"name\": \"foo_input\", \"config\": {}}}]' which is invalid: deserialization failed: unknown variant `foo_input`, expected one of " + TRANSPORT_TAGS + " at line 1 column 48 (position is within the string itself)"),
        ],
    ),
    "unknown datagen field": (
        with_connectors('[{"name": "a", "transport": {"name": "datagen", "config": {"plan": [{"limit": 5, "rows": 3}]}}}]') + ";",
        [("ConnectorGenerationError", "relation 'c': property 'connectors' has value '[{\"name\": \"a\", \"transport\": {\"name\": \"datagen\", \"config\": {\"plan\": [{\"limit\": 5, \"rows\": 3}]}}}]' which is invalid: deserialization failed: unknown field `rows`, expected one of `rate`, `limit`, `worker_chunk_size`, `fields` at line 1 column 87 (position is within the string itself)")],
    ),
    "output transport on a table": (
        with_connectors('[{"name": "a", "transport": {"name": "kafka_output", "config": {}}}]', 'CREATE TABLE "Src" (x INT)') + ";",
        [
            ("Unknown format", '"transport.name" "kafka_output" is not known'),
            ("ConnectorGenerationError", "relation '\"Src\"': expected an input variant but got an output variant for connector 'a'"),
        ],
    ),
    "input transport on a view": (
        T + with_connectors('[{"transport": {"name": "datagen", "config": {}}}]', "CREATE VIEW v") + " AS SELECT * FROM t;",
        [
            ("Unnamed connector", "Connector nr. 1 for view 'v'" + UNNAMED),
            ("Unknown format", '"transport.name" "datagen" is not known'),
            ("ConnectorGenerationError", "relation 'v': expected an output variant but got an input variant for connector '<unnamed>'"),
        ],
    ),
    "generated name taken": (
        with_connectors('[{"name": "unnamed-1", "transport": {"name": "datagen", "config": {}}}, {"transport": {"name": "datagen", "config": {}}}]') + ";",
        [
            ("Unnamed connector", "Connector nr. 2 for table 'c'" + UNNAMED),
            ("ConnectorGenerationError", "relation 'c': encountered collision when using {relation}.{connector_name} as unique name: 'c.unnamed-1' is not unique"),
        ],
    ),
    "format that is not an object": (
        with_connectors('[{"name": "f", "format": "json", "transport": {"name": "datagen", "config": {}}}]') + ";",
        [
            ("Invalid connector", '"format" must be a JSON object'),
            ("ConnectorGenerationError", "relation 'c': property 'connectors' has value '[{\"name\": \"f\", \"format\": \"json\", \"transport\": {\"name\": \"datagen\", \"config\": {}}}]' which is invalid: deserialization failed: invalid type: string \"json\", expected struct FormatConfig at line 1 column 31 (position is within the string itself)"),
        ],
    ),
    "transport without its config": (
        with_connectors('[{"name": "a", "transport": {"name": "datagen"}}]') + ";",
        [("ConnectorGenerationError", "relation 'c': property 'connectors' has value '[{\"name\": \"a\", \"transport\": {\"name\": \"datagen\"}}]' which is invalid: deserialization failed: missing field `config` at line 1 column 47 (position is within the string itself)")],
    ),
    "unknown datagen strategy": (
        with_connectors('[{"name": "a", "transport": {"name": "datagen", "config": {"plan": [{"fields": {"x": {"strategy": "fib"}}}]}}}]') + ";",
        [("ConnectorGenerationError", "relation 'c': property 'connectors' has value '[{\"name\": \"a\", \"transport\": {\"name\": \"datagen\", \"config\": {\"plan\": [{\"fields\": {\"x\": {\"strategy\": \"fib\"}}}]}}}]' which is invalid: deserialization failed: unknown variant `fib`, expected one of `increment`, `uniform`, `zipf`, `word`, `words`, `sentence`, `sentences`, `paragraph`, `paragraphs`, `first_name`, `last_name`, `title`, `suffix`, `name`, `name_with_title`, `domain_suffix`, `email`, `username`, `password`, `field`, `position`, `seniority`, `job_title`, `ipv4`, `ipv6`, `ip`, `mac_address`, `user_agent`, `rfc_status_code`, `valid_status_code`, `company_suffix`, `company_name`, `buzzword`, `buzzword_middle`, `buzzword_tail`, `catch_phrase`, `bs_verb`, `bs_adj`, `bs_noun`, `bs`, `profession`, `industry`, `currency_code`, `currency_name`, `currency_symbol`, `credit_card_number`, `city_prefix`, `city_suffix`, `city_name`, `country_name`, `country_code`, `street_suffix`, `street_name`, `time_zone`, `state_name`, `state_abbr`, `secondary_address_type`, `secondary_address`, `zip_code`, `post_code`, `building_number`, `latitude`, `longitude`, `isbn`, `isbn13`, `isbn10`, `phone_number`, `cell_number`, `file_path`, `file_name`, `file_extension`, `dir_path` at line 1 column 103 (position is within the string itself)")],
    ),
    "text after the array": (
        with_connectors(f"[{DATAGEN}] x") + ";",
        [("ConnectorGenerationError", f"relation 'c': property 'connectors' has value '[{DATAGEN}] x' which is invalid: deserialization failed: trailing characters at line 1 column 67 (position is within the string itself)")],
    ),
}  # fmt: skip


@pytest.mark.parametrize(("code", "expected"), INVALID.values(), ids=INVALID.keys())
def test_bad_declaration_stops_the_compiler(code, expected):
    check_invalid(code, expected)


@pytest.mark.parametrize(("code", "expected", "unused"), WARNED.values(), ids=WARNED.keys())
def test_declaration_compiles_with_upstreams_warnings(code, expected, unused):
    check_warned(code, expected, unused)


@pytest.mark.parametrize(
    ("code", "expected"), CONNECTOR_ERRORS.values(), ids=CONNECTOR_ERRORS.keys()
)
def test_connector_generation_error_is_a_sql_error_with_exit_code_zero(code, expected):
    outcome = compile_program(code)
    assert (outcome.sql_status, outcome.final_status) == ("SqlError", "SqlError")
    assert outcome.program_info is None
    compilation = outcome.sql_compilation
    assert compilation["exit_code"] == 0
    messages = compilation["messages"]
    assert [(m["error_type"], m["message"]) for m in messages] == expected
    *warnings, generated = messages
    assert all(m["warning"] for m in warnings)
    assert generated["warning"] is False and generated["snippet"] is None
    # The manager's message covers the whole 'connectors' value, quotes included.
    value_start = code.index("'connectors' = '") + len("'connectors' = ")
    line = code.count("\n", 0, value_start) + 1
    column = value_start - (code.rfind("\n", 0, value_start) + 1) + 1
    assert (generated["start_line_number"], generated["start_column"]) == (line, column)
    assert sdk_text(outcome) == sdk_messages_text(messages)
    assert sdk_text(outcome).endswith("Code snippet:\nNone")


def test_connector_json_positions_map_onto_the_sql():
    code = 'CREATE TABLE c (x INT) WITH (\'connectors\' = \'[\n  {"name": "a" "b"}\n]\');'
    [message] = compile_program(code).sql_compilation["messages"]
    # The offending quote is JSON line 2, column 16; Jackson points one past it.
    assert (message["start_line_number"], message["start_column"]) == (2, 17)
    assert message["end_column"] == 17
    assert message["snippet"] == ('    2|  {"name": "a" "b"}\n' + " " * 22 + "^\n    3|]');\n")
    assert message["message"] == (
        "'connectors' is not legal JSON: Unexpected character ('\"' (code 34)): was "
        "expecting comma to separate Object entries"
    )


def test_connectors_in_program_info_are_upstreams_shape():
    code = with_connectors(
        '[{"name": "gen", "transport": {"name": "datagen", "config": {"seed": 7, "plan":'
        ' [{"limit": 3, "fields": {"x": {"range": [1, 5]}}}]}}}, {"transport": {"name":'
        ' "file_input", "config": {"path": "/x"}}, "format": {"name": "csv"}, "paused": true}]',
        'CREATE TABLE "Src" (x INT)',
    )
    outcome = compile_program(code + ";")
    assert outcome.final_status == "Success"
    connectors = outcome.program_info["input_connectors"]
    assert list(connectors) == ["Src.gen", "Src.unnamed-1"]
    gen = connectors["Src.gen"]
    assert gen["stream"] == '"Src"'
    assert gen["transport"] == {
        "name": "datagen",
        "config": {
            "plan": [
                {
                    "rate": None,
                    "limit": 3,
                    "worker_chunk_size": None,
                    "fields": {
                        "x": {
                            "null_percentage": None,
                            "values": None,
                            "range": [1, 5],
                            "strategy": "increment",
                            "e": 1,
                            "scale": 1,
                            "fields": None,
                            "key": None,
                            "value": None,
                        }
                    },
                }
            ],
            "workers": 1,
            "seed": 7,
            "transaction_size": None,
        },
    }
    assert (gen["format"], gen["paused"], gen["max_queued_records"]) == (None, False, 1000000)
    assert "name" not in gen
    file_input = connectors["Src.unnamed-1"]
    assert file_input["transport"] == {"name": "file_input", "config": {"path": "/x"}}
    assert file_input["format"] == {"name": "csv", "config": None}
    assert file_input["paused"] is True
    assert outcome.program_info["output_connectors"] == {}


def test_counts():
    assert len(INVALID) + len(CONNECTOR_ERRORS) + len(WARNED) >= 20
