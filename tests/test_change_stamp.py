"""The store's change stamp (what entity tags are made of) and its read snapshots."""

import pytest

from app.storage import get_store
from app.storage import open_app_store
from app.storage.sqlite.migrations import INTERNAL_COLUMNS
from tests.conftest import BOTH_BACKENDS
from tests.simulation import Simulation


@pytest.fixture
def sim(tmp_path, database):
    """An app holding one pipeline p1."""
    simulation = Simulation(tmp_path, database, SIMULATION_SCALE=0)
    simulation.create("p1")
    return simulation


def test_the_update_trigger_watches_every_shown_column(sim):
    with sim.app.app_context():
        db = get_store().db
        columns = {row[1] for row in db.execute("PRAGMA table_info(pipelines)")}
        (trigger,) = db.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'pipeline_changes_update'"
        ).fetchone()
    # A migration adding a column must call create_change_triggers() again (or name the
    # column internal): a shown column the trigger misses would let a stale copy be confirmed.
    assert INTERNAL_COLUMNS < columns
    for column in columns - INTERNAL_COLUMNS:
        assert f"OLD.{column} IS NOT NEW.{column}" in trigger, column
    for column in INTERNAL_COLUMNS:
        assert f"OLD.{column} " not in trigger, column


@BOTH_BACKENDS
def test_only_changes_clients_can_see_move_the_stamp(sim):
    with sim.app.app_context():
        store = get_store()
        record = store.pipelines.get("p1")
        stamp = store.pipelines.change_stamp()
        with store.write():
            store.schedule.set_schedule(record["id"], 123)
            store.pipelines.update(record["id"], {"simulation": {"x": 1}, "simulated": False})
            store.pipelines.update(record["id"], {"description": record["description"]})
        assert store.pipelines.change_stamp() == stamp
        with store.write():
            store.pipelines.update(record["id"], {"description": "new"})
        moved = store.pipelines.change_stamp()
        assert moved != stamp
        with pytest.raises(RuntimeError), store.write():
            store.pipelines.update(record["id"], {"description": "rolled back"})
            raise RuntimeError("refused")
        assert store.pipelines.change_stamp() == moved


def test_a_new_database_never_repeats_a_stamp(tmp_path):
    stamps = set()
    for attempt in range(3):
        sim = Simulation(tmp_path / str(attempt), SIMULATION_SCALE=0)
        with sim.app.app_context():
            stamps.add(get_store().pipelines.change_stamp())
    # Same counter (0), different random nonces: a recreated file confirms no old copy.
    assert len(stamps) == 3
    assert {stamp.split(".")[0] for stamp in stamps} == {"0"}


@BOTH_BACKENDS
def test_a_snapshot_reads_one_state(sim):
    reader, writer = open_app_store(sim.app), open_app_store(sim.app)
    try:
        record = writer.pipelines.get("p1")
        with reader.read():
            before = reader.pipelines.change_stamp()
            with writer.write():
                writer.pipelines.update(record["id"], {"description": "meanwhile"})
            # Inside the snapshot another connection's commit is not seen, by either read.
            assert reader.pipelines.change_stamp() == before
            assert '"description":""' in reader.pipelines.render_one("p1", ("description",))
        assert reader.pipelines.change_stamp() != before
        assert "meanwhile" in reader.pipelines.render_one("p1", ("description",))
    finally:
        reader.close()
        writer.close()
