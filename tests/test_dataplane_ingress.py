"""Ingress (spec §2): query-string checks, JSON and CSV bodies, kept records, ParseErrors."""

import json

import pytest

from app.dataplane.changes import DELETE
from app.dataplane.changes import INSERT
from app.dataplane.changes import UPDATE
from app.dataplane.errors import DataplaneError
from app.dataplane.ingress import decode_body
from app.dataplane.ingress_config import parse_ingress_config
from app.dataplane.ingress_config import resolve_ingress_table
from app.dataplane.parse_errors import MAX_KEPT_ERRORS
from app.dataplane.rows import UNCHANGED
from tests.dataplane_helpers import catalog_of
from tests.dataplane_helpers import table_of

PROGRAM = (
    "CREATE TABLE t (id INT NOT NULL, name VARCHAR, score DOUBLE DEFAULT 1.5);"
    "CREATE TABLE k (id INT NOT NULL PRIMARY KEY, name VARCHAR, n INT);"
    'CREATE TABLE q ("Id" INT, v VARCHAR NOT NULL);'
)


def config(**args):
    return parse_ingress_config(
        "t", {k: str(v).lower() if isinstance(v, bool) else v for k, v in args.items()}
    )


def decode(body, table="t", **args):
    args.setdefault("format", "json")
    return decode_body(table_of(PROGRAM, table), config(**args), body.encode())


def refused(path="t", query=None, raw="") -> DataplaneError:
    with pytest.raises(DataplaneError) as caught:
        cfg = parse_ingress_config(path, query or {}, raw)
        resolve_ingress_table(catalog_of(PROGRAM), cfg)
    return caught.value


def test_defaults_are_csv_and_insert_delete():
    cfg = parse_ingress_config("t", {})
    assert (cfg.format, cfg.force, cfg.update_format, cfg.array) == (
        "csv",
        False,
        "insert_delete",
        False,
    )
    cfg = parse_ingress_config(
        "t", {"format": "json", "array": "true", "force": "true", "lines": "single"}
    )
    assert (cfg.array, cfg.force, cfg.lines, cfg.json_flavor) == (True, True, "single", "default")


def test_endpoint_names_hash_table_and_configuration():
    raw, csv_ = config(format="json", update_format="raw"), config(format="csv")
    assert (
        raw.endpoint_name.startswith("t.api-ingress-")
        and len(raw.endpoint_name) == len("t.api-ingress-") + 16
    )
    assert raw.endpoint_name == config(format="json", update_format="raw", force=True).endpoint_name
    assert raw.endpoint_name != csv_.endpoint_name


def test_unknown_format_is_400_with_upstream_text():
    err = refused(query={"format": "xml"})
    assert (err.status, err.error_code) == (400, "ConfigError.UnknownInputFormat")
    assert err.message == (
        "invalid controller configuration: Input endpoint 't.api-ingress-xml' "
        "specifies unknown input format 'xml'"
    )
    assert err.details == {
        "config_error": {"endpoint_name": "t.api-ingress-xml", "format_name": "xml"}
    }


def test_bad_parser_setting_is_parser_config_parse_error():
    err = refused(
        query={"format": "json", "update_format": "bogus"}, raw="format=json&update_format=bogus"
    )
    assert (err.status, err.error_code) == (400, "ConfigError.ParserConfigParseError")
    assert err.message.startswith(
        "invalid controller configuration: Error parsing format configuration for input endpoint "
        "'t.api-ingress-json': unknown variant `bogus`, expected one of `insert_delete`,"
    )
    assert err.message.endswith("\nInvalid configuration: format=json&update_format=bogus")
    assert (
        "provided string was not `true` or `false`"
        in refused(query={"format": "json", "array": "maybe"}).message
    )


def test_bad_force_is_a_query_parameter_error():
    err = refused(query={"format": "json", "force": "yes"})
    assert (err.status, err.error_code) == (400, "InvalidQueryParameter")


def test_unknown_table_is_404_naming_the_path_as_given():
    err = refused(path='"T"', query={"format": "json"})
    assert (err.status, err.error_code) == (404, "ConfigError.UnknownInputStream")
    endpoint = err.details["config_error"]["endpoint_name"]
    assert endpoint.startswith('"T".api-ingress-')
    assert err.message == (
        f"invalid controller configuration: Input endpoint '{endpoint}' "
        "specifies unknown table '\"T\"'"
    )
    assert err.details["config_error"]["stream_name"] == '"T"'


@pytest.mark.parametrize(
    ("update_format", "name"),
    [("snowflake", "Snowflake"), ("weighted", "Weighted"), ("redis", "Redis")],
)
def test_update_formats_json_input_cannot_ingest_are_refused(update_format, name):
    err = refused(path="T", query={"format": "json", "update_format": update_format})
    assert (err.status, err.error_code) == (400, "ConfigError.InputFormatNotSupported")
    assert err.message.endswith(f": {name} is not supported for JSON input streams")


def test_raw_rows_objects_and_positional_arrays():
    decoded = decode(
        '{"id": 1, "NAME": "a"} {"id": 2, "score": 3}\n[3, "c", 4.5]', update_format="raw"
    )
    assert decoded.error() is None
    assert decoded.records == 3
    assert decoded.changes == [
        (INSERT, (1, "a", 1.5)),
        (INSERT, (2, None, 3.0)),
        (INSERT, (3, "c", 4.5)),
    ]


def test_raw_array_mode_inserts_each_element():
    decoded = decode('[{"id": 1}, {"id": 2}] [{"id": 3}]', update_format="raw", array=True)
    assert [row[0] for _, row in decoded.changes] == [1, 2, 3]
    assert decoded.records == 3


def test_an_array_without_array_mode_is_one_positional_row():
    decoded = decode('[{"id": 1}, {"id": 2}, {"id": 3}]', update_format="raw")
    assert decoded.changes == []
    error = decoded.error().details["errors"][0]
    assert error["description"].startswith(
        "failed to deserialize JSON record: error parsing field 'id'"
    )


def test_insert_delete_applies_delete_insert_update_in_that_order():
    body = '{"update": {"id": 1, "n": 5}, "insert": {"id": 1, "name": "b"}, "delete": {"id": 1}}'
    decoded = decode(body, table="k")
    assert decoded.changes == [
        (DELETE, (1, None, None)),
        (INSERT, (1, "b", None)),
        (UPDATE, (1, UNCHANGED, 5)),
    ]


def test_insert_delete_null_keys_count_as_absent_and_empty_events_are_fine():
    decoded = decode('{"insert": null, "delete": {"id": 1}, "table": "t"} {}')
    assert decoded.changes == [(DELETE, (1, None, 1.5))]
    assert decoded.records == 2 and decoded.error() is None


def test_update_needs_a_primary_key():
    decoded = decode('{"update": {"id": 1}}')
    error = decoded.error().details["errors"][0]
    assert "'update' requires a primary key" in error["description"]
    assert error["event_number"] == 1


def test_bad_envelope_is_an_event_error_with_the_suggestion():
    decoded = decode('{"insert": {"id": 1}} {"upsert": {"id": 2}}')
    assert decoded.changes == [(INSERT, (1, None, 1.5))]
    error = decoded.error().details["errors"][0]
    assert error == {
        "description": "error deserializing JSON string as a single-row update: unknown field "
        "`upsert`, expected one of `table`, `insert`, `delete`, `update`",
        "event_number": 2,
        "field": None,
        "invalid_bytes": None,
        "invalid_text": '{"upsert": {"id": 2}}',
        "suggestion": """Example valid JSON: '{{"insert": {{...}} }}'""",
        "tag": "text_event_err",
    }


def test_an_error_anywhere_in_an_array_discards_that_array_only():
    body = '[{"insert": {"id": 1}}, {"insert": {"id": "x"}}] [{"insert": {"id": 3}}]'
    decoded = decode(body, array=True)
    assert decoded.changes == [(INSERT, (3, None, 1.5))]
    assert decoded.records == 1
    error = decoded.error().details["errors"][0]
    assert error["event_number"] == 2 and error["field"] == "id"


def test_an_array_of_bad_envelopes_is_one_envelope_error():
    decoded = decode('[{"insert": {"id": 1}}, {"oops": 1}]', array=True)
    assert decoded.changes == []
    (error,) = decoded.error().details["errors"]
    assert error["tag"] == "text_envelope_err" and error["event_number"] is None
    assert error["description"].startswith(
        "error deserializing string as a JSON array of updates: unknown field `oops`"
    )
    assert (
        error["suggestion"]
        == """Example valid JSON: '[{{"insert": {{...}} }}, {{"delete": {{...}} }}]'"""
    )


def test_array_mode_needs_arrays():
    (error,) = decode('{"id": 1}', update_format="raw", array=True).error().details["errors"]
    assert (
        error["description"]
        == "error deserializing string as a JSON array: invalid type: map, expected a sequence"
    )
    assert error["tag"] == "text_envelope_err"


def test_invalid_json_stops_the_chunk_and_keeps_what_came_before():
    decoded = decode('{"id": 1} {"id": 2,, } {"id": 3}', update_format="raw")
    assert [row[0] for _, row in decoded.changes] == [1]
    (error,) = decoded.error().details["errors"]
    assert error["description"].startswith("failed to parse string as a JSON document: ")
    assert error["invalid_text"] == '{"id": 2,, } {"id": 3}'
    assert (error["event_number"], error["tag"]) == (None, "text_envelope_err")


def test_single_lines_are_separate_chunks():
    decoded = decode(
        '{"id": 1}\n{"id": 2,,}\n\n{"id": 3} {"id": 4}', update_format="raw", lines="single"
    )
    assert [row[0] for _, row in decoded.changes] == [1, 3, 4]


def test_debezium_deletes_before_and_inserts_after():
    body = '{"payload": {"op": "u", "before": {"id": 1}, "after": {"id": 1, "name": "x"}}}'
    assert decode(body, table="k", update_format="debezium").changes == [
        (DELETE, (1, None, None)),
        (INSERT, (1, "x", None)),
    ]


def test_column_name_rules():
    decoded = decode('{"id": 1, "V": "x"} {"Id": 2, "v": "y"}', table="q", update_format="raw")
    assert decoded.changes == [(INSERT, (2, "y"))]
    (error,) = decoded.error().details["errors"]
    assert error["description"] == (
        "failed to deserialize JSON record: "
        "incorrect case-sensitive field name: expected: Id, found: id"
    )
    assert error["event_number"] == 1
    missing = decode('{"Id": 1}', table="q", update_format="raw").error().details["errors"][0]
    assert missing["description"] == "failed to deserialize JSON record: missing field `v`"


def test_parse_errors_message_lists_every_error():
    err = decode('{"id": "a"}\n{"id": 1}', update_format="raw").error()
    assert (err.status, err.error_code) == (400, "ParseErrors")
    assert err.message == (
        "Errors parsing input data (1 errors):\n"
        "    Parse error (event #1): failed to deserialize JSON record: error parsing field 'id': "
        'invalid type: string "a", expected i32\n'
        """Invalid fragment: '{"id": "a"}'"""
    )
    assert err.details["num_errors"] == 1


def test_only_the_last_thousand_errors_are_kept():
    body = "\n".join(json.dumps({"id": f"bad {i}"}) for i in range(MAX_KEPT_ERRORS + 5))
    err = decode(body + '\n{"id": 7}', update_format="raw").error()
    assert err.details["num_errors"] == MAX_KEPT_ERRORS + 5
    assert len(err.details["errors"]) == MAX_KEPT_ERRORS
    assert err.details["errors"][0]["event_number"] == 6
    head = f"reporting {MAX_KEPT_ERRORS} out of {MAX_KEPT_ERRORS + 5} total errors"
    assert err.message.startswith(f"Errors parsing input data ({head}):")


def test_empty_body_ingests_nothing():
    for fmt in ("json", "csv"):
        decoded = decode("", format=fmt)
        assert (decoded.changes, decoded.records, decoded.error()) == ([], 0, None)


def test_csv_rows_are_positional_without_header():
    decoded = decode('1,"a, b",2.5\n2,,\r\n\n3,"say ""hi""\nthere",4,extra', format="csv")
    assert decoded.error() is None
    assert decoded.changes == [
        (INSERT, (1, "a, b", 2.5)),
        (INSERT, (2, None, None)),
        (INSERT, (3, 'say "hi"\nthere', 4.0)),
    ]


def test_csv_header_and_short_rows_are_errors_and_good_rows_stay():
    decoded = decode("id,name,score\n1,a,1\n2,b", format="csv")
    assert decoded.changes == [(INSERT, (1, "a", 1.0))]
    first, second = decoded.error().details["errors"]
    assert first["description"] == (
        "failed to deserialize CSV record: error parsing field 'id': invalid digit found in string"
    )
    assert (first["event_number"], first["field"], first["invalid_text"]) == (
        1,
        "id",
        "id,name,score",
    )
    assert (
        second["description"]
        == "failed to deserialize CSV record: invalid length 2, expected 3 fields"
    )
    assert second["event_number"] == 3


def test_csv_empty_field_rules():
    decoded = decode(",x\n1,", table="q", format="csv")
    assert decoded.changes == [(INSERT, (None, "x")), (INSERT, (1, ""))]
    err = decode(",a,1", format="csv").error()
    assert "error parsing field 'id'" in err.details["errors"][0]["description"]


def test_bulk_and_row_by_row_decoding_agree():
    rows = [{"id": i, "name": f"n{i}", "score": i / 2} for i in range(50)]
    fast = decode(json.dumps(rows), update_format="raw", array=True)
    slow = decode(json.dumps([*rows, {"ID": 99}]), update_format="raw", array=True)
    assert slow.changes == [*fast.changes, (INSERT, (99, None, 1.5))]


def test_bad_utf8_is_reported_with_its_bytes():
    decoded = decode_body(table_of(PROGRAM), config(format="json"), b'{"id": 1, "name": "\xff"}')
    (error,) = decoded.error().details["errors"]
    assert error["invalid_bytes"] == [255]


@pytest.mark.parametrize(
    ("body", "fmt", "description"),
    [
        (b'{"id": ' + b"9" * 5000 + b"}", "json", "failed to parse string as a JSON document: "),
        (b"[" * 100_000, "json", "failed to parse string as a JSON document: recursion limit"),
        (
            b"9" * 5000 + b",x,1",
            "csv",
            "failed to deserialize CSV record: error parsing field 'id'",
        ),
    ],
)
def test_hostile_bodies_are_parse_errors_not_crashes(body, fmt, description):
    decoded = decode_body(table_of(PROGRAM), config(format=fmt, update_format="raw"), body)
    assert decoded.changes == []
    assert decoded.error().details["errors"][0]["description"].startswith(description)
