"""`GET /v0/pipelines?tag=&name=`: filters applied inside the store query, on indexes."""

import sqlite3

import pytest

from app import create_app
from app.storage import get_store
from app.storage.interface import PipelineFilter
from app.storage.sqlite.migrations import MIGRATIONS
from app.storage.sqlite.migrations import add_change_stamp
from app.storage.sqlite.pipelines import list_query
from tests.conftest import BOTH_BACKENDS
from tests.simulation import Simulation

PIPELINES = {
    "orders-eu": ["team-a", "prod"],
    "orders-us": ["team-a", "prod", "prod"],
    "orders": ["team-b"],
    "users": ["team-a", "staging"],
    "Orders-x": [],
}


@pytest.fixture
def sim(tmp_path, database):
    """An app holding PIPELINES, created in that order and compiled (nothing moves any more)."""
    simulation = Simulation(tmp_path, database, SIMULATION_SCALE=0)
    for name, tags in PIPELINES.items():
        simulation.create(name, tags=tags)
    # A request compiles at most one program: list until every one is done.
    for _ in range(2 * len(PIPELINES)):
        listed = simulation.client.get("/v0/pipelines?selector=status").get_json()
        if all(p["program_status"] == "Success" for p in listed):
            return simulation
    raise AssertionError(f"still compiling: {listed}")


def names(sim, query: str) -> list[str]:
    """The names List Pipelines answers for a query string."""
    response = sim.client.get(f"/v0/pipelines?{query}")
    assert response.status_code == 200, response.get_json()
    return [p["name"] for p in response.get_json()]


@BOTH_BACKENDS
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", list(PIPELINES)),
        ("tag=team-a", ["orders-eu", "orders-us", "users"]),
        ("tag=team-a&tag=prod", ["orders-eu", "orders-us"]),
        ("tag=prod&tag=prod", ["orders-eu", "orders-us"]),
        ("tag=team-a&tag=team-b", []),
        ("tag=Team-A", []),
        ("tag=", []),
        ("name=orders", ["orders-eu", "orders-us", "orders"]),
        ("name=orders-", ["orders-eu", "orders-us"]),
        ("name=orders-eu", ["orders-eu"]),
        ("name=Orders", ["Orders-x"]),
        ("name=ders", []),  # a prefix, not a substring
        ("name=", list(PIPELINES)),
        ("name=orders&tag=prod", ["orders-eu", "orders-us"]),
        ("name=users&tag=prod", []),
        ("selector=status&tag=staging", ["users"]),
        ("selector=status_with_connectors&name=orders-u&tag=prod", ["orders-us"]),
        ("unknown=1", list(PIPELINES)),
    ],
)
def test_filters_select_in_creation_order(sim, query, expected):
    assert names(sim, query) == expected


@BOTH_BACKENDS
def test_filters_combine_with_selectors(sim):
    for selector in ("all", "status", "status_with_connectors"):
        everything = sim.client.get(f"/v0/pipelines?selector={selector}").get_json()
        filtered = sim.client.get(f"/v0/pipelines?selector={selector}&tag=prod").get_json()
        # The very objects of the unfiltered list, field set included.
        assert filtered == [p for p in everything if "prod" in p["tags"]]


@BOTH_BACKENDS
def test_absent_filters_change_nothing(sim):
    plain = sim.client.get("/v0/pipelines?selector=status")
    for query in ("selector=status&name=", "selector=status&other=x"):
        same = sim.client.get(f"/v0/pipelines?{query}")
        assert same.data == plain.data
        assert same.headers["ETag"] == plain.headers["ETag"]


def test_the_tag_index_follows_every_write(sim):
    assert sim.client.patch("/v0/pipelines/users", json={"tags": ["prod"]}).status_code == 200
    assert names(sim, "tag=prod") == ["orders-eu", "orders-us", "users"]
    assert names(sim, "tag=staging") == []
    renamed = {"name": "people", "program_code": "", "tags": ["prod", "x"]}
    assert sim.client.put("/v0/pipelines/users", json=renamed).status_code == 200
    assert names(sim, "tag=x") == ["people"]
    assert sim.client.delete("/v0/pipelines/people").status_code == 200
    assert names(sim, "tag=x") == []
    with sim.app.app_context():
        db = get_store().db
        indexed = {tuple(row) for row in db.execute("SELECT tag, pipeline_id FROM pipeline_tags")}
        stored = db.execute("SELECT t.value, p.id FROM pipelines AS p, json_each(p.tags) AS t")
        stored = [tuple(row) for row in stored]
    assert indexed == set(stored)
    assert len(stored) == 6 and len(indexed) == 5  # a tag repeated in one pipeline: one row


def test_too_many_tags_is_a_query_error(sim):
    query = "&".join(f"tag=t{index}" for index in range(51))
    refused = sim.client.get(f"/v0/pipelines?{query}")
    assert refused.status_code == 400
    assert refused.get_json() == {
        "message": "Query deserialize error: at most 50 `tag` parameters may be given",
        "error_code": "InvalidQueryParameter",
        "details": {},
    }


def test_the_filters_use_indexes(sim):
    with sim.app.app_context():
        db = get_store().db
        for where in (
            PipelineFilter(name_prefix="orders"),
            PipelineFilter(tags=("prod",)),
            PipelineFilter(tags=("prod", "team-a"), name_prefix="orders"),
        ):
            sql, parameters = list_query(("id", "name"), where)
            plan = [row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}", parameters)]
            assert not any(step.startswith("SCAN") for step in plan), plan
            searches = " ".join(step for step in plan if step.startswith("SEARCH"))
            if where.name_prefix and not where.tags:
                assert "USING INDEX pipelines_name (name>? AND name<?)" in searches, plan
            for _ in where.tags:
                assert "SEARCH pipeline_tags USING PRIMARY KEY (tag=?)" in searches, plan


def test_upgrading_indexes_the_tags_already_stored(tmp_path):
    sim = Simulation(tmp_path, SIMULATION_SCALE=0)
    sim.create("p1", tags=["a", "b"])
    sim.create("p2", tags=["b"])
    # Turn the file back into the version before the change stamp, holding those rows.
    with sqlite3.connect(tmp_path / "pipelines.sqlite3") as conn:
        triggers = conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        for (trigger,) in triggers.fetchall():
            conn.execute(f"DROP TRIGGER {trigger}")
        conn.execute("DROP TABLE pipeline_tags")
        conn.execute("DROP TABLE pipeline_changes")
        # And without the tables of the migrations after it (the admin API's, the events).
        admin = ("admin_journal", "admin_faults", "admin_state")
        for table in (*admin, "pipeline_events", "cluster_events"):
            conn.execute(f"DROP TABLE {table}")
        conn.execute(f"PRAGMA user_version = {MIGRATIONS.index(add_change_stamp)}")
    upgraded = create_app({**sim.app.config}).test_client()
    assert [p["name"] for p in upgraded.get("/v0/pipelines?tag=b").get_json()] == ["p1", "p2"]
    assert [p["name"] for p in upgraded.get("/v0/pipelines?tag=a").get_json()] == ["p1"]
    assert upgraded.get("/v0/pipelines").headers["ETag"]


def test_the_openapi_document_describes_the_filters_and_the_304(sim):
    spec = sim.client.get("/openapi.json").get_json()
    listing = spec["paths"]["/v0/pipelines"]["get"]
    parameters = {p["name"]: p for p in listing["parameters"]}
    assert parameters["tag"]["schema"]["type"] == "array"
    assert parameters["tag"]["explode"] is True  # `?tag=a&tag=b`
    assert "must be present" in parameters["tag"]["description"]
    assert "prefix" in parameters["name"]["description"]
    assert not parameters["tag"]["required"] and not parameters["name"]["required"]
    one = spec["paths"]["/v0/pipelines/{pipeline_name}"]["get"]
    assert "tag" not in {p["name"] for p in one["parameters"] if p["in"] == "query"}
    for operation in (listing, one):
        assert "content" not in operation["responses"]["304"]
        assert "ETag" in operation["responses"]["200"]["description"]
