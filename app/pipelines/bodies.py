"""Rendered answers of one worker process, remembered by entity tag.

An entity tag names exactly one body (it is made of the store's change stamp and everything
that shapes the answer), so a body rendered once for a tag is that tag's body for good: a
worker answers the next poll of an unchanged list without rendering it again. Only small
bodies are kept, within a fixed budget per process; large lists are rendered each time, and
clients that poll them should revalidate (If-None-Match) instead.
"""

import sys
import threading
from collections import OrderedDict

# Per worker process. A list of a few dozen pipelines is a few tens of KB.
BUDGET_BYTES = 1 << 20
LARGEST_BYTES = BUDGET_BYTES // 4


class RenderedBodies:
    """A least-recently-used map from entity tag to body, bounded in bytes; thread-safe."""

    def __init__(self, budget: int = BUDGET_BYTES, largest: int = LARGEST_BYTES):
        self.budget = budget
        self.largest = largest
        self.used = 0
        self.bodies: OrderedDict[str, str] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, etag: str) -> str | None:
        """Return the body rendered for this tag, or None."""
        with self.lock:
            body = self.bodies.get(etag)
            if body is not None:
                self.bodies.move_to_end(etag)
            return body

    def put(self, etag: str, body: str) -> None:
        """Remember a body (unless it is too large), forgetting the least recently used."""
        size = sys.getsizeof(body)
        if size > self.largest:
            return
        with self.lock:
            if etag in self.bodies:
                return
            self.bodies[etag] = body
            self.used += size
            while self.used > self.budget:
                _, dropped = self.bodies.popitem(last=False)
                self.used -= sys.getsizeof(dropped)


class NoBodies(RenderedBodies):
    """Remembers nothing (commands, which read once)."""

    def __init__(self):
        super().__init__(budget=0, largest=-1)
