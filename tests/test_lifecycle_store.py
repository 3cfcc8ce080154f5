"""Simulation state lives in SQLite: fixtures stay still, every app agrees, the probe is cheap."""

import json

import pytest

from app.http.context import domain
from app.pipelines.catch_up import catch_up
from app.timeutil import epoch_micros
from tests.conftest import BOTH_BACKENDS
from tests.conftest import DATA
from tests.simulation import START
from tests.simulation import Simulation
from tests.simulation import ts

pytestmark = BOTH_BACKENDS


@pytest.fixture
def sim(tmp_path, database):
    return Simulation(tmp_path, database)


def import_seed(sim: Simulation) -> None:
    """Import the seed fixtures through the CLI."""
    result = sim.app.test_cli_runner().invoke(
        args=["import", str(DATA / "seed-list-pipelines.json")]
    )
    assert result.exit_code == 0, result.output


def test_imported_fixtures_stay_still_until_touched(sim):
    import_seed(sim)
    imported = sim.client.get("/v0/pipelines").get_json()
    assert {p["program_status"] for p in imported} == {"Pending"}
    assert sim.at(3600).client.get("/v0/pipelines").get_json() == imported

    # Acting on one fixture hands it to the simulation, counting from that moment.
    sim.act("example1", "start")
    assert sim.status("example1")["program_status"] == "Pending"
    compiling = sim.at(3601).status("example1")
    assert (compiling["program_status"], compiling["program_status_since"]) == (
        "CompilingSql",
        ts(3601),
    )
    assert sim.at(7200).status("example1")["deployment_status"] == "Running"
    untouched = sim.client.get("/v0/pipelines/example2").get_json()
    assert untouched == imported[1]


def test_a_metadata_edit_of_a_fixture_is_an_action_too(sim):
    import_seed(sim)
    sim.at(100).client.patch("/v0/pipelines/example2", json={"description": "touched"})
    assert sim.at(101).status("example2")["program_status"] == "CompilingSql"


def test_two_apps_on_one_database_agree_and_a_restart_resumes(tmp_path, database):
    first = Simulation(tmp_path, database)
    second = Simulation(tmp_path, database)
    second.clock = first.clock
    second.app.config["CLOCK"] = first.clock
    first.at(0).create()
    first.at(10.5)
    assert second.act("p1", "start") == "Pipeline is starting"
    for moment in (11, 12, 13, 15, 17, 30):
        first.at(moment)
        # Alternate which "worker" answers first: the state must not depend on it.
        a, b = (first, second) if moment % 2 else (second, first)
        assert a.status() == b.status(), moment
    # A third app (a restarted server) picks up where the others left off.
    restarted = Simulation(tmp_path, database)
    restarted.at(30)
    assert restarted.status() == first.status()


def test_idle_rows_are_off_the_schedule_and_the_probe_uses_the_index(sim, backend):
    sim.at(0).create()
    with sim.app.app_context():
        ctx = domain()
        probe = ctx.store.schedule
        assert probe.anything_due(epoch_micros(START))  # planned on the next request
        later = START.replace(hour=1)
        assert catch_up(ctx, later) == 1
        assert not probe.anything_due(epoch_micros(later))
        assert catch_up(ctx, later) == 0
        if backend == "sqlite":
            plan = ctx.store.db.execute(
                "EXPLAIN QUERY PLAN SELECT 1 FROM pipelines WHERE next_transition_at <= ? LIMIT 1",
                [0],
            ).fetchall()
        else:
            # With one row a sequential scan is cheaper: ask whether the index can serve it.
            ctx.store.conn.execute("SET enable_seqscan = off")
            plan = ctx.store.conn.execute(
                "EXPLAIN SELECT 1 FROM pipelines WHERE next_transition_at <= %s LIMIT 1", [0]
            ).fetchall()
            ctx.store.conn.execute("RESET enable_seqscan")
    assert "pipelines_next_transition" in json.dumps([tuple(row) for row in plan])
