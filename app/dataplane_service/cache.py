"""Each worker's decoded copy of pipelines' data, keyed by the version read from the store.

A `PipelineData` is one version of one process incarnation's tables; it never changes once
built (lazily filled Arrow tables and the engine snapshot aside), so threads share it freely.
The registry below is the only mutable module state of the data plane, as the house rules
allow: every entry is identified by (pipeline, incarnation, version) from the store, and a
reader that finds another version loads what changed (see `loading`).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field

import pyarrow as pa

from app.dataplane.arrow_cells import arrow_to_rows
from app.dataplane.arrow_cells import contents_to_arrow
from app.dataplane.arrow_cells import rows_to_arrow
from app.dataplane.arrow_types import arrow_schema
from app.dataplane.batch_codec import appended_rows
from app.dataplane.batch_codec import batch_table
from app.dataplane.batch_codec import read_table
from app.dataplane.batch_codec import table_batch
from app.dataplane.batch_codec import table_bytes
from app.dataplane.changes import Batch
from app.dataplane.changes import Contents
from app.dataplane.changes import apply_batch
from app.dataplane.changes import key_function
from app.dataplane.engine import Snapshot
from app.dataplane.gcpause import gc_paused
from app.dataplane.program_views import Program
from app.dataplane.relations import Relation

# Appends leave a table in many chunks; past this many they are merged (DataFusion scans
# one partition per chunk).
MAX_CHUNKS = 32


@dataclass
class StoredBatch:
    """One table's batch of one version: its Arrow form (as stored) and, when needed, cells."""

    relation: Relation
    table: pa.Table
    _batch: Batch | None = None

    @classmethod
    def of(cls, relation: Relation, batch: Batch) -> StoredBatch:
        """A batch this worker consolidated."""
        return cls(relation, batch_table(relation, batch), batch)

    @classmethod
    def read(cls, relation: Relation, payload: bytes) -> StoredBatch:
        """A batch read from the store."""
        return cls(relation, read_table(payload))

    def payload(self) -> bytes:
        """The bytes the store keeps."""
        return table_bytes(self.table)

    def batch(self) -> Batch:
        """The consolidated changes as cells (decoded the first time)."""
        if self._batch is None:
            self._batch = table_batch(self.relation, self.table)
        return self._batch


def contents_from_arrow(relation: Relation, table: pa.Table) -> Contents:
    """A table's contents (distinct rows and weights) from its Arrow rows."""
    with gc_paused():
        rows = arrow_to_rows(relation, table)
        key = key_function(relation)
        if relation.primary_key:
            return {key(row): (row, 1) for row in rows}
        keys = list(map(key, rows))
        firsts = dict(zip(keys, rows, strict=True))
        return {k: (firsts[k], n) for k, n in Counter(keys).items()}


@dataclass
class TableData:
    """One table: its row count, and its contents and/or Arrow form (each built on demand).

    Appends touch only the Arrow form, so a worker that only ingests and queries inserts never
    builds the cells; upserts and deletes need the contents, built from Arrow the first time.
    """

    relation: Relation
    rows: int
    contents: Contents | None = None
    arrow: pa.Table | None = None

    def cells(self) -> Contents:
        """Return the contents, building them from the Arrow form the first time."""
        if self.contents is None:
            self.contents = contents_from_arrow(self.relation, self.arrow)
        return self.contents

    def arrow_table(self) -> pa.Table:
        """Return the Arrow form, building it from the contents the first time."""
        if self.arrow is None:
            self.arrow = contents_to_arrow(self.relation, self.contents)
        return self.arrow

    def advanced(self, stored: StoredBatch) -> tuple[TableData, int]:
        """The table after a batch, and its change in rows."""
        relation = self.relation
        base = self.arrow if self.arrow is not None or self.rows else empty_arrow(relation)
        added = appended_rows(relation, stored.table, empty_target=self.rows == 0)
        if added is not None and base is not None:
            arrow = _concat(base, added.cast(base.schema))
            contents = None
            if self.contents is not None:
                contents = apply_batch(self.contents, stored.batch()).contents
            return TableData(relation, self.rows + added.num_rows, contents, arrow), added.num_rows
        result = apply_batch(self.cells(), stored.batch())
        change = sum(weight for _, weight in result.delta)
        arrow = None
        if self.arrow is not None and all(weight > 0 for _, weight in result.delta):
            rows = [row for row, weight in result.delta for _ in range(weight)]
            arrow = _concat(self.arrow, rows_to_arrow(relation, rows))
        return TableData(relation, self.rows + change, result.contents, arrow), change


def empty_arrow(relation: Relation) -> pa.Table:
    """A relation's empty Arrow table."""
    return arrow_schema(relation).empty_table()


def _concat(base: pa.Table, added: pa.Table) -> pa.Table:
    table = pa.concat_tables([base, added])
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
        self, version: int, batches: Mapping[str, StoredBatch]
    ) -> tuple[PipelineData, dict[str, int]]:
        """Return the data after `batches` (as `version`) and each table's change in rows."""
        tables = dict(self.tables)
        changes = {}
        for name, stored in batches.items():
            old = tables.get(name)
            if old is None:
                continue  # a relation the program no longer has
            tables[name], changes[name] = old.advanced(stored)
        data = PipelineData(self.pipeline_id, self.incarnation, version, self.program, tables)
        return data, changes


def empty(pipeline_id: str, incarnation: str, version: int, program: Program) -> PipelineData:
    """Data whose tables are all empty."""
    tables = {t.name: TableData(t, 0, None, empty_arrow(t)) for t in program.catalog.tables}
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
