"""POST /ingress through the app (spec §2): formats, table semantics, errors, limits, pausing."""

import json
import time

import pytest

from tests.conftest import BOTH_BACKENDS
from tests.dataplane_api import DataApi
from tests.dataplane_api import error_of

pytestmark = BOTH_BACKENDS

PROGRAM = """
CREATE TABLE keyed (id INT NOT NULL PRIMARY KEY, name VARCHAR, score DOUBLE);
CREATE TABLE bag (kind VARCHAR, n INT NOT NULL) WITH ('materialized' = 'true');
CREATE TABLE "Quoted" (v INT) WITH ('materialized' = 'true');
CREATE MATERIALIZED VIEW top AS SELECT id, name FROM keyed WHERE score > 10;
"""


def running(path, database=None) -> DataApi:
    api = DataApi(
        path, database, DATA_MAX_ROWS=20, DATA_MAX_REQUEST_ROWS=8, DATA_MAX_REQUEST_BYTES=4096
    )
    api.running("p", PROGRAM)
    return api


@pytest.fixture
def api(tmp_path, database):
    """A pipeline of this test's own."""
    return running(tmp_path, database)


@pytest.fixture(scope="module")
def refusing(tmp_path_factory):
    """One pipeline shared by the tests whose requests are all refused (nothing is stored)."""
    return running(tmp_path_factory.mktemp("refusing"))


def bag(api) -> list[tuple]:
    return sorted((r["kind"] or "", r["n"]) for r in api.rows("p", "SELECT * FROM bag"))


def test_json_raw_rows_objects_and_positional(api):
    api.push("p", "keyed", [{"id": 1, "name": "a", "score": 5}, [2, "b", 20.5]])
    response = api.ingress("p", "keyed", '{"id": 3, "name": "c", "score": 30}\n{"id": 4}')
    assert response.status_code == 200, response.get_json()
    rows = api.rows("p", "SELECT id, name, score FROM keyed ORDER BY id")
    assert rows == [
        {"id": 1, "name": "a", "score": 5.0},
        {"id": 2, "name": "b", "score": 20.5},
        {"id": 3, "name": "c", "score": 30.0},
        {"id": 4, "name": None, "score": None},
    ]
    assert api.rows("p", "SELECT * FROM top ORDER BY id") == [
        {"id": 2, "name": "b"},
        {"id": 3, "name": "c"},
    ]


def test_primary_key_tables_upsert_and_delete_by_key(api):
    api.push("p", "keyed", [{"id": 1, "name": "a", "score": 1}, {"id": 2, "name": "b", "score": 2}])
    events = [
        {"insert": {"id": 1, "name": "A", "score": 11}},
        {"delete": {"id": 2}},
        {"update": {"id": 1, "score": 12}},
        {"delete": {"id": 99}},
    ]
    api.push("p", "keyed", events, "format=json&update_format=insert_delete")
    assert api.rows("p", "SELECT * FROM keyed") == [{"id": 1, "name": "A", "score": 12.0}]


def test_tables_without_key_are_multisets(api):
    api.push("p", "bag", [{"kind": "x", "n": 1}] * 3 + [{"kind": "y", "n": 2}])
    events = [{"delete": {"kind": "x", "n": 1}}, {"delete": {"kind": "z", "n": 9}}]
    api.push("p", "bag", events, "format=json&update_format=insert_delete")
    assert bag(api) == [("x", 1), ("x", 1), ("y", 2)]
    assert api.rows("p", "SELECT COUNT(*) AS c FROM bag") == [{"c": 3}]


def test_csv_has_no_header_and_positional_values(api):
    response = api.ingress("p", "bag", 'x,1\n"a,b",2\n,3\n', "format=csv")
    assert response.status_code == 200, response.get_json()
    rows = api.rows("p", "SELECT kind, n FROM bag ORDER BY n")
    assert rows == [{"kind": "x", "n": 1}, {"kind": "a,b", "n": 2}, {"kind": None, "n": 3}]


def test_table_names_follow_upstreams_case_rules(api):
    assert api.ingress("p", "KEYED", [{"id": 1}]).status_code == 200
    assert api.ingress("p", '"Quoted"', [{"v": 1}]).status_code == 200
    body = error_of(api.ingress("p", "quoted", [{"v": 1}]), 404, "ConfigError.UnknownInputStream")
    assert body["message"].startswith(
        "invalid controller configuration: Input endpoint 'quoted.api-ingress-"
    )
    assert body["message"].endswith("' specifies unknown table 'quoted'")
    assert body["details"]["config_error"]["stream_name"] == "quoted"
    error_of(api.ingress("p", "top", [{"id": 1}]), 404, "ConfigError.UnknownInputStream")


def test_bad_records_keep_the_good_ones(api):
    body = '{"id": 1, "name": "ok"}\n{"id": "two"}\n{"id": 3}'
    error = error_of(api.ingress("p", "keyed", body), 400, "ParseErrors")
    assert error["message"].startswith("Errors parsing input data (1 errors):\n    Parse error")
    assert error["details"]["num_errors"] == 1
    (parse_error,) = error["details"]["errors"]
    assert parse_error["field"] == "id" and parse_error["event_number"] == 2
    assert [r["id"] for r in api.rows("p", "SELECT id FROM keyed ORDER BY id")] == [1, 3]


def test_an_error_in_an_array_discards_the_whole_array(api):
    body = json.dumps([{"id": 1}, {"id": "bad"}]) + json.dumps([{"id": 5}])
    error_of(api.ingress("p", "keyed", body, "format=json&update_format=raw&array=true"), 400,
             "ParseErrors")  # fmt: skip
    assert api.rows("p", "SELECT id FROM keyed") == [{"id": 5}]


@pytest.mark.parametrize(
    ("body", "query"),
    [
        ("{not json", "format=json&update_format=raw"),
        ("x,notanumber\n", "format=csv"),
        ('{"kind": "x"}', "format=json&update_format=raw"),  # n is NOT NULL
        (
            '{"insert": {"kind": "x", "n": 1}, "upsert": 1}',
            "format=json&update_format=insert_delete",
        ),
        ('{"kind": [1], "n": 1}', "format=json&update_format=raw"),
    ],
)
def test_malformed_input_is_refused_and_changes_nothing(refusing, body, query):
    error = error_of(refusing.ingress("p", "bag", body, query), 400, "ParseErrors")
    assert error["details"]["num_errors"] >= 1
    assert bag(refusing) == []


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("format=xml", "ConfigError.UnknownInputFormat"),
        ("format=avro", "ConfigError.InputFormatNotSupported"),
        ("format=json&update_format=bogus", "ConfigError.ParserConfigParseError"),
        ("format=json&array=maybe", "ConfigError.ParserConfigParseError"),
        ("format=json&update_format=snowflake", "ConfigError.InputFormatNotSupported"),
        ("format=json&force=yes", "InvalidQueryParameter"),
    ],
)
def test_bad_parser_settings(refusing, query, code):
    error_of(refusing.ingress("p", "bag", "{}", query), 400, code)


def test_unknown_input_format_message(refusing):
    body = error_of(
        refusing.ingress("p", "bag", "", "format=xml"), 400, "ConfigError.UnknownInputFormat"
    )
    assert body["message"] == (
        "invalid controller configuration: Input endpoint 'bag.api-ingress-xml' specifies "
        "unknown input format 'xml'"
    )


def test_rows_per_request_limit_ingests_nothing(api):
    rows = [{"kind": "x", "n": i} for i in range(9)]
    body = error_of(api.ingress("p", "bag", rows), 413, "IngressRowLimitExceeded")
    assert body["details"] == {"rows": 9, "limit": 8}
    assert bag(api) == []


def test_body_size_limit(api):
    body = error_of(api.ingress("p", "bag", "x" * 5000, "format=csv"), 413, "IngressBodyTooLarge")
    assert body["details"]["limit"] == 4096


def test_rows_per_pipeline_limit_is_atomic(api):
    for start in (0, 8):
        api.push("p", "bag", [{"kind": "x", "n": i} for i in range(start, start + 8)])
    body = error_of(api.ingress("p", "bag", [{"kind": "y", "n": i} for i in range(5)]), 507,
                    "PipelineRowLimitExceeded")  # fmt: skip
    assert body["details"] == {"pipeline_name": "p", "rows": 21, "limit": 20}
    assert len(bag(api)) == 16
    # Upserts that do not grow the pipeline stay allowed at the limit.
    api.push("p", "bag", [{"kind": "y", "n": i} for i in range(4)])
    api.push(
        "p", "bag", [{"delete": {"kind": "y", "n": 0}}], "format=json&update_format=insert_delete"
    )
    assert len(bag(api)) == 19


def test_empty_body_ingests_nothing_and_completes(api):
    response = api.ingress("p", "bag", "", "format=json")
    assert response.status_code == 200
    token = response.get_json()["token"]
    status = api.client.get("/v0/pipelines/p/completion_status", query_string={"token": token})
    assert status.get_json()["status"] == "complete"


def test_unforced_ingress_into_a_paused_pipeline_waits_then_gives_up(api):
    api.action("p", "pause")
    assert api.status("p") == "Paused"
    started = time.monotonic()
    body = error_of(api.ingress("p", "bag", [{"kind": "x", "n": 1}]), 503,
                    "PipelineInteractionUnreachable")  # fmt: skip
    assert time.monotonic() - started >= 0.3
    assert "timeout (0.3s) was reached" in body["message"]
    assert body["message"].endswith('pipeline-id=N/A pipeline-name="p"')
    assert bag(api) == []
    forced = api.ingress(
        "p", "bag", [{"kind": "x", "n": 1}], "format=json&update_format=raw&force=true"
    )
    assert forced.status_code == 200
    assert bag(api) == [("x", 1)]


def test_not_deployed_answers_from_the_manager(api):
    api.create("stopped", PROGRAM)
    response = api.ingress("stopped", "bag", [{"kind": "x", "n": 1}])
    body = error_of(response, 503, "PipelineInteractionNotDeployed")
    assert response.headers["Retry-After"] == "5"
    assert body["message"] == (
        "Unable to interact with pipeline because the deployment status (stopped) indicates it "
        'is not (yet) fully provisioned pipeline-id=N/A pipeline-name="stopped"'
    )
    assert body["details"] == {
        "pipeline_name": "stopped",
        "status": "Stopped",
        "desired_status": "Stopped",
    }
    error_of(api.ingress("nope", "bag", []), 404, "UnknownPipelineName")


def test_unknown_columns_are_ignored_and_miscased_quoted_ones_refused(tmp_path):
    api = DataApi(tmp_path)
    api.running(
        "q", "CREATE TABLE t (id INT NOT NULL, \"Name\" VARCHAR) WITH ('materialized' = 'true');"
    )
    assert api.ingress("q", "t", [{"ID": 1, "Name": "a", "extra": [1, 2]}]).status_code == 200
    body = error_of(api.ingress("q", "t", [{"id": 2, "name": "b"}]), 400, "ParseErrors")
    (error,) = body["details"]["errors"]
    assert (
        "incorrect case-sensitive field name: expected: Name, found: name" in error["description"]
    )
    assert api.rows("q", 'SELECT id, "Name" FROM t') == [{"id": 1, "Name": "a"}]
