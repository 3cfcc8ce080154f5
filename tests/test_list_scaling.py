"""List Pipelines grows linearly with N (a ratio in one run, never a wall-clock limit)."""

import time

from app.pipelines import persistence
from app.pipelines.records import fresh_record
from app.storage import get_store
from app.timeutil import uuid7


def add_pipelines(app, start: int, count: int, runtime_config: dict) -> None:
    """Insert `count` pipelines with realistic program code."""
    with app.app_context():
        store = get_store()
        with store.write():
            for index in range(start, start + count):
                persistence.insert(
                    store,
                    fresh_record(
                        pipeline_id=uuid7(),
                        name=f"p{index}",
                        now="2025-01-01T00:00:00Z",
                        platform_version="0.369.0",
                        runtime_config=runtime_config,
                        program_config={"profile": None, "cache": True},
                        program_code="CREATE TABLE t (x INT);\n" * 80,
                    ),
                    simulated=False,
                )


def fastest(client, url: str, repeats: int = 7) -> float:
    """Return the fastest of several timings of one GET."""
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        assert client.get(url).status_code == 200
        timings.append(time.perf_counter() - start)
    return min(timings)


def test_list_cost_is_linear(app, seed):
    runtime_config = seed[0]["runtime_config"]
    client = app.test_client()
    add_pipelines(app, 0, 200, runtime_config)
    small = fastest(client, "/v0/pipelines?selector=all")
    add_pipelines(app, 200, 1800, runtime_config)
    large = fastest(client, "/v0/pipelines?selector=all")
    # 10x the pipelines: linear is ~10x (less, with fixed costs); quadratic would be ~100x.
    assert large / small < 30, (small, large)
