"""The unit of work's catch-up: compiles outside the lock, one per request, claims that expire."""

import sqlite3

import pytest

from app.http.context import domain
from app.pipelines import catch_up
from app.simulator import settle as settle_module
from tests.simulation import PROGRAM
from tests.simulation import Simulation
from tests.simulation import ts

EDITED = PROGRAM + "\nCREATE VIEW v2 AS SELECT id FROM t1;"


@pytest.fixture
def sim(tmp_path):
    return Simulation(tmp_path)


@pytest.fixture
def compiles(monkeypatch, sim):
    """Record each compile, and check that no write lock is held while it runs."""
    seen = []
    real = catch_up.compile_record
    path = sim.app.config["DATABASE"]

    def spy(record, config):
        probe = sqlite3.connect(path, timeout=0.05, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")  # fails if the compiling request holds the lock
            probe.execute("ROLLBACK")
        finally:
            probe.close()
        seen.append(record["name"])
        return real(record, config)

    monkeypatch.setattr(catch_up, "compile_record", spy)
    return seen


def test_compiles_run_outside_the_write_lock_one_per_request(sim, compiles):
    for name in ("p1", "p2", "p3"):
        sim.at(0).create(name)
    sim.at(3).client.get("/v0/pipelines")
    assert len(compiles) == 1
    sim.client.get("/v0/pipelines")
    sim.client.get("/v0/pipelines")
    assert sorted(compiles) == ["p1", "p2", "p3"]
    # Stamps are the scheduled times, whichever request compiled.
    for name in ("p1", "p2", "p3"):
        assert sim.at(8).get(name)["program_status_since"] == ts(8)


def test_an_edit_during_another_workers_compile_discards_its_outcome(sim):
    sim.at(0).create("p1")
    sim.at(3)
    with sim.app.app_context():
        ctx = domain()
        record = ctx.store.pipelines.get("p1")
        claimed = catch_up.claim_one(ctx, [record["id"]], sim.clock.moment)  # worker A
        assert claimed is not None
        outcome = catch_up.compile_record(claimed, ctx.settings.simulation)
    # Worker B: the program changes while A compiles the old one.
    assert sim.client.patch("/v0/pipelines/p1", json={"program_code": EDITED}).status_code == 200
    with sim.app.app_context():
        catch_up.store_outcome(domain(), record["id"], outcome)  # A's result is stale
    body = sim.at(11).get("p1")  # the edit at 3 compiles on its own timeline: 3 + 8
    assert body["program_status"] == "Success"
    assert body["program_version"] == 2
    assert [v["name"] for v in body["program_info"]["schema"]["outputs"]][-1] == "v2"


def test_a_claim_of_a_worker_that_died_expires(sim, compiles):
    sim.at(0).create("p1")
    sim.at(3)
    with sim.app.app_context():
        # A worker settles what is due, claims the compile the row waits for, and dies.
        ctx = domain()
        with ctx.store.write():
            waiting = catch_up.settle_due(ctx, sim.clock.moment).waiting
        assert catch_up.claim_one(ctx, waiting, sim.clock.moment) is not None
        until = catch_up.claim_duration(ctx).total_seconds()
    # The claiming worker is gone: others leave the row alone until the claim expires...
    assert sim.at(3 + until - 1).get("p1")["program_status"] == "CompilingSql"
    assert compiles == []
    # ...then one of them compiles it, and the row shows the times it was scheduled for.
    body = sim.at(3 + until + 1).get("p1")
    assert compiles == ["p1"]
    assert (body["program_status"], body["program_status_since"]) == ("Success", ts(8))


def test_a_row_the_simulator_cannot_handle_does_not_stop_the_others(sim, monkeypatch):
    sim.at(0).create("p1")
    sim.at(0).create("p2")
    real = settle_module.settle

    def broken(record, config, now):
        if record["name"] == "p1":
            raise RuntimeError("a simulator bug")
        return real(record, config, now)

    monkeypatch.setattr(catch_up, "settle", broken)
    assert sim.at(8).client.get("/v0/pipelines").status_code == 200
    assert sim.get("p2")["program_status"] == "Success"
    assert sim.get("p1")["program_status"] == "Pending"
