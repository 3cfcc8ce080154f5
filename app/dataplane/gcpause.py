"""Pause Python's cyclic garbage collector while bulk work builds many small containers."""

from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def gc_paused():
    """Run the block with the cyclic GC off, restoring it after.

    Decoding 100,000 rows creates hundreds of thousands of tuples and lists; each creation
    wave triggers collections that rescan every live row, which doubles the cost. Rows hold
    no reference cycles, so nothing is lost by collecting later. Nested and concurrent uses
    are safe: only the block that found the collector on turns it back on.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
