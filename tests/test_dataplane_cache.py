"""Each worker's copy is keyed by the store's version: stale copies catch up, never answer."""

import pytest

from app.dataplane_service import checkpoints
from app.dataplane_service.cache import REGISTRY
from app.storage import open_store
from tests.dataplane_api import DataApi

PROGRAM = """
CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v INT);
CREATE TABLE m (x INT) WITH ('materialized' = 'true');
CREATE MATERIALIZED VIEW total AS SELECT SUM(v) AS s, COUNT(*) AS c FROM t;
"""


@pytest.fixture
def api(tmp_path):
    api = DataApi(tmp_path)
    api.running("p", PROGRAM)
    return api


def pipeline_id(api) -> str:
    return api.client.get("/v0/pipelines/p").get_json()["id"]


def total(api) -> dict:
    (row,) = api.rows("p", "SELECT s, c FROM total")
    return row


def stale_copy(api):
    """This worker's copy now, to be put back later as if the worker had missed writes."""
    api.rows("p", "SELECT 1")
    return REGISTRY.get(pipeline_id(api))


def test_a_stale_copy_applies_only_the_newer_batches(api):
    api.push("p", "t", [{"id": 1, "v": 10}])
    old = stale_copy(api)
    api.push("p", "t", [{"id": 2, "v": 5}, {"id": 1, "v": 1}])
    api.push("p", "m", [{"x": 1}, {"x": 1}])
    REGISTRY.data[old.pipeline_id] = old  # as if another worker had written meanwhile
    assert total(api) == {"s": 6, "c": 2}
    fresh = REGISTRY.get(old.pipeline_id)
    assert fresh.version == old.version + 2
    assert (old.tables["t"].rows, fresh.tables["t"].rows, fresh.tables["m"].rows) == (1, 2, 2)
    assert api.rows("p", "SELECT COUNT(*) AS c FROM m") == [{"c": 2}]


def test_appends_touch_only_arrow_and_deletes_build_the_cells(api):
    api.push("p", "m", [{"x": 1}, {"x": 1}])
    api.push("p", "m", [{"x": 2}])
    table = REGISTRY.get(pipeline_id(api)).tables["m"]
    # Inserts were appended to the Arrow form; no Python rows were ever built for them.
    assert (table.contents, table.arrow.num_rows, table.rows) == (None, 3, 3)
    api.push("p", "m", [{"delete": {"x": 1}}], "format=json&update_format=insert_delete")
    table = REGISTRY.get(pipeline_id(api)).tables["m"]
    assert table.arrow is None and table.rows == 2  # rebuilt from the cells when queried
    assert sorted(r["x"] for r in api.rows("p", "SELECT x FROM m")) == [1, 2]


def test_compaction_writes_a_checkpoint_and_readers_reload_from_it(api):
    old = None
    for i in range(checkpoints.EVERY + 6):
        api.push("p", "t", [{"id": i % 10, "v": i}])
        if i == 3:
            old = stale_copy(api)
    store = open_store(api.database)
    try:
        state = store.data.state(pipeline_id(api))
        assert state["checkpoint_version"] == checkpoints.EVERY
        assert state["version"] == checkpoints.EVERY + 6
        assert len(store.data.batches(state["pipeline_id"], 0, state["version"])) == 6
    finally:
        store.close()
    expected = {"s": sum(range(checkpoints.EVERY - 4, checkpoints.EVERY + 6)), "c": 10}
    REGISTRY.data[old.pipeline_id] = old  # batches it misses were compacted: reload
    assert total(api) == expected
    REGISTRY.data.pop(old.pipeline_id)  # a worker with nothing cached
    assert total(api) == expected


def test_a_copy_of_an_earlier_incarnation_is_never_used(api):
    api.push("p", "t", [{"id": 1, "v": 10}])
    old = stale_copy(api)
    api.action("p", "stop", "force=true")
    api.action("p", "start")
    REGISTRY.data[old.pipeline_id] = old
    assert api.rows("p", "SELECT COUNT(*) AS c FROM t") == [{"c": 0}]
