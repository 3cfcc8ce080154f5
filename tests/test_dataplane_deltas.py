"""Version deltas of tables and views, stored and read back in order (for change streams)."""

import pytest

from app.dataplane_service import deltas
from app.dataplane_service import loading
from app.http.context import domain
from tests.conftest import BOTH_BACKENDS
from tests.dataplane_api import DataApi

pytestmark = BOTH_BACKENDS

PROGRAM = """
CREATE TABLE t (id INT NOT NULL PRIMARY KEY, v INT);
CREATE MATERIALIZED VIEW big AS SELECT id FROM t WHERE v > 10;
CREATE MATERIALIZED VIEW total AS SELECT SUM(v) AS s FROM t;
"""


@pytest.fixture
def api(tmp_path, database):
    api = DataApi(tmp_path, database)
    api.running("p", PROGRAM)
    return api


def current(api):
    with api.app.test_request_context():
        ctx = domain()
        return loading.current(ctx, ctx.store.pipelines.get("p"))


def changes(delta) -> list[tuple]:
    return sorted(
        (tuple(row.values()), weight)
        for row, weight in zip(delta.rows.to_pylist(), delta.weights, strict=True)
    )


def test_deltas_of_tables_and_views_round_trip_through_the_store(api):
    api.push("p", "t", [{"id": 1, "v": 5}, {"id": 2, "v": 20}])
    first = current(api)
    api.push("p", "t", [{"id": 1, "v": 50}, {"id": 3, "v": 1}])
    second = current(api)
    found = deltas.compute(first, second, ["t", "big", "total"])
    assert changes(found["t"]) == [((1, 5), -1), ((1, 50), 1), ((3, 1), 1)]
    assert changes(found["big"]) == [((1,), 1)]
    assert changes(found["total"]) == [((25,), -1), ((71,), 1)]
    unchanged = deltas.compute(second, second, ["t", "big"])
    assert unchanged == {}
    with api.app.test_request_context():
        ctx = domain()
        with ctx.store.write():
            deltas.record(ctx, second.version, second.pipeline_id, found)
        stored = deltas.read(ctx, second.pipeline_id, ["big", "total"], 0, second.version)
    assert [(version, name) for version, name, _ in stored] == [
        (second.version, "big"),
        (second.version, "total"),
    ]
    assert changes(stored[1][2]) == changes(found["total"])
