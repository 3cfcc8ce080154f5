"""Each worker's decoded copy of pipelines' data, keyed by the version read from the store.

A `PipelineData` is one version of one process incarnation's tables; it never changes once
built (lazily filled Arrow tables and the engine snapshot aside), so threads share it freely.
The registry below is the only mutable module state of the data plane, as the house rules
allow: every entry is identified by (pipeline, incarnation, version) from the store, and a
reader that finds another version loads what changed (see `loading`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field

import pyarrow as pa

from app.dataplane.arrow_cells import contents_to_arrow
from app.dataplane.arrow_cells import rows_to_arrow
from app.dataplane.changes import Applied
from app.dataplane.changes import Batch
from app.dataplane.changes import Contents
from app.dataplane.changes import apply_batch
from app.dataplane.engine import Snapshot
from app.dataplane.program_views import Program
from app.dataplane.relations import Relation

# Appends leave a table in many chunks; past this many they are merged (DataFusion scans
# one partition per chunk).
MAX_CHUNKS = 32


@dataclass
class TableData:
    """One table: contents (rows and weights), total weight, and its Arrow form once built."""

    relation: Relation
    contents: Contents
    rows: int
    arrow: pa.Table | None = None

    def arrow_table(self) -> pa.Table:
        """Return the Arrow form, building it from the contents the first time."""
        if self.arrow is None:
            self.arrow = contents_to_arrow(self.relation, self.contents)
        return self.arrow


def _appended(old: TableData, delta: list[tuple[tuple, int]]) -> pa.Table | None:
    """The new Arrow form when a batch only added rows (no rebuild), else None."""
    if old.arrow is None or any(weight <= 0 for _, weight in delta):
        return None
    rows = [row for row, weight in delta for _ in range(weight)]
    table = pa.concat_tables([old.arrow, rows_to_arrow(old.relation, rows)])
    return table.combine_chunks() if table.column(0).num_chunks > MAX_CHUNKS else table


@dataclass
class PipelineData:
    """The tables of one pipeline at one data version of one process incarnation."""

    pipeline_id: str
    incarnation: str
    version: int
    program: Program
    tables: Mapping[str, TableData]
    _snapshot: Snapshot | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def rows(self) -> int:
        """Rows held by all tables together."""
        return sum(table.rows for table in self.tables.values())

    def snapshot(self) -> Snapshot:
        """Return the engine over this version (built once, then shared)."""
        with self._lock:
            if self._snapshot is None:
                arrow = {name: table.arrow_table() for name, table in self.tables.items()}
                self._snapshot = Snapshot(self.program, arrow)
            return self._snapshot

    def advanced(
        self, version: int, batches: Mapping[str, Batch]
    ) -> tuple[PipelineData, dict[str, Applied]]:
        """Return the data after `batches` (as `version`) and what each changed."""
        tables = dict(self.tables)
        applied = {}
        for name, batch in batches.items():
            old = tables.get(name)
            if old is None:
                continue  # a relation the program no longer has
            result = apply_batch(old.contents, batch)
            applied[name] = result
            rows = old.rows + sum(weight for _, weight in result.delta)
            tables[name] = TableData(
                old.relation, result.contents, rows, _appended(old, result.delta)
            )
        data = PipelineData(self.pipeline_id, self.incarnation, version, self.program, tables)
        return data, applied


def empty(pipeline_id: str, incarnation: str, version: int, program: Program) -> PipelineData:
    """Data whose tables are all empty."""
    tables = {t.name: TableData(t, {}, 0) for t in program.catalog.tables}
    return PipelineData(pipeline_id, incarnation, version, program, tables)


class _Registry:
    """Bounded, least-recently-used maps of decoded data and prepared programs."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.data: OrderedDict[str, PipelineData] = OrderedDict()
        self.programs: OrderedDict[tuple[str, int], Program] = OrderedDict()
        self.loading: dict[str, threading.Lock] = {}

    def get(self, pipeline_id: str) -> PipelineData | None:
        with self.lock:
            data = self.data.get(pipeline_id)
            if data is not None:
                self.data.move_to_end(pipeline_id)
            return data

    def put(self, data: PipelineData, capacity: int) -> None:
        with self.lock:
            current = self.data.get(data.pipeline_id)
            if (
                current is not None
                and current.incarnation == data.incarnation
                and current.version > data.version
            ):
                return  # another thread got further
            self.data[data.pipeline_id] = data
            self.data.move_to_end(data.pipeline_id)
            while len(self.data) > capacity:
                self.data.popitem(last=False)

    def program(self, key: tuple[str, int], build, capacity: int) -> Program:
        with self.lock:
            program = self.programs.get(key)
            if program is not None:
                self.programs.move_to_end(key)
                return program
        program = build()
        with self.lock:
            self.programs[key] = program
            while len(self.programs) > capacity:
                self.programs.popitem(last=False)
        return program

    def loading_lock(self, pipeline_id: str) -> threading.Lock:
        with self.lock:
            return self.loading.setdefault(pipeline_id, threading.Lock())


# The per-worker cache (see the module docstring).
REGISTRY = _Registry()
