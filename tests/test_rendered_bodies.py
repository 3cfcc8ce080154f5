"""A worker's rendered bodies by entity tag: bounded in bytes, least recently used first out."""

import sys

from app.pipelines.bodies import NoBodies
from app.pipelines.bodies import RenderedBodies


def test_bodies_are_kept_by_tag_within_the_budget():
    body = "x" * 1000
    size = sys.getsizeof(body)
    bodies = RenderedBodies(budget=3 * size, largest=size)
    for tag in ("a", "b", "c"):
        bodies.put(tag, body)
    assert bodies.get("a") == body  # now the most recently used
    bodies.put("d", body)
    assert bodies.get("b") is None  # the least recently used made room
    assert [bodies.get(tag) for tag in ("a", "c", "d")] == [body] * 3
    assert bodies.used == 3 * size


def test_large_bodies_and_commands_keep_nothing():
    bodies = RenderedBodies(budget=10_000, largest=100)
    bodies.put("big", "x" * 1000)
    assert bodies.get("big") is None and bodies.used == 0
    none = NoBodies()
    none.put("t", "{}")
    assert none.get("t") is None
