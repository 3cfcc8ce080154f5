"""Serialize consolidated batches and table contents as Arrow IPC bytes, for the store.

A batch keeps its bookkeeping in extra columns: `__floor`/`__delta` (multiset), or `__op`
(1 put, -1 remove, 0 patch) and `__unchanged` (a patch's untouched columns, as "0"/"1" flags).
Contents carry `__weight`. Decoding recomputes row keys, so both sides agree on identity.
"""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.compute as pc

from app.dataplane.arrow_cells import arrow_to_rows
from app.dataplane.arrow_cells import column_array
from app.dataplane.changes import PATCH
from app.dataplane.changes import PUT
from app.dataplane.changes import REMOVE
from app.dataplane.changes import Batch
from app.dataplane.changes import Contents
from app.dataplane.changes import MultisetBatch
from app.dataplane.changes import key_function
from app.dataplane.changes import new_batch
from app.dataplane.gcpause import gc_paused
from app.dataplane.relations import Relation
from app.dataplane.rows import UNCHANGED

_OPS = {PUT: 1, REMOVE: -1, PATCH: 0}
_KINDS = {code: kind for kind, code in _OPS.items()}


def _table(relation: Relation, rows: list[tuple], extra: dict[str, pa.Array]) -> pa.Table:
    """Rows of cells plus bookkeeping columns as one Arrow table; every column nullable."""
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(relation.columns)
    arrays = [column_array(c.ctype, col) for c, col in zip(relation.columns, columns, strict=True)]
    names = [c.name for c in relation.columns]
    return pa.Table.from_arrays([*arrays, *extra.values()], names=[*names, *extra])


def table_bytes(table: pa.Table) -> bytes:
    """Arrow IPC stream bytes of a table."""
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def read_table(data: bytes) -> pa.Table:
    """The table in Arrow IPC stream bytes."""
    return pa.ipc.open_stream(data).read_all()


def _ipc(relation: Relation, rows: list[tuple], extra: dict[str, pa.Array]) -> bytes:
    return table_bytes(_table(relation, rows, extra))


def _rows(relation: Relation, table: pa.Table) -> list[tuple]:
    return arrow_to_rows(relation, table.select(list(range(len(relation.columns)))))


def _read(relation: Relation, data: bytes) -> tuple[list[tuple], pa.Table]:
    table = read_table(data)
    return _rows(relation, table), table


def encode_batch(relation: Relation, batch: Batch) -> bytes:
    """Serialize a consolidated batch of `relation`."""
    return table_bytes(batch_table(relation, batch))


def batch_table(relation: Relation, batch: Batch) -> pa.Table:
    """A consolidated batch as an Arrow table: the relation's columns plus bookkeeping."""
    with gc_paused():
        if isinstance(batch, MultisetBatch):
            entries = list(batch.entries.values())
            rows = [row for row, _, _ in entries]
            extra = {
                "__floor": pa.array([floor for _, floor, _ in entries], pa.int64()),
                "__delta": pa.array([delta for _, _, delta in entries], pa.int64()),
            }
            return _table(relation, rows, extra)
        rows, ops, masks = [], [], []
        for kind, row in batch.entries.values():
            ops.append(_OPS[kind])
            if kind == PATCH:
                masks.append("".join("1" if c is UNCHANGED else "0" for c in row))
                row = tuple(None if c is UNCHANGED else c for c in row)
            else:
                masks.append(None)
            rows.append(row)
        extra = {"__op": pa.array(ops, pa.int8()), "__unchanged": pa.array(masks, pa.string())}
        return _table(relation, rows, extra)


def decode_batch(relation: Relation, data: bytes) -> Batch:
    """Read back a batch written by encode_batch."""
    return table_batch(relation, read_table(data))


def table_batch(relation: Relation, table: pa.Table) -> Batch:
    """Read back a batch from its Arrow table (batch_table)."""
    with gc_paused():
        rows = _rows(relation, table)
        batch = new_batch(relation)
        if isinstance(batch, MultisetBatch):
            floors, deltas = table["__floor"].to_pylist(), table["__delta"].to_pylist()
            entries = zip(rows, floors, deltas, strict=True)
            batch.entries = {batch.key(row): (row, f, d) for row, f, d in entries}
            return batch
        ops, masks = table["__op"].to_pylist(), table["__unchanged"].to_pylist()
        for row, op, mask in zip(rows, ops, masks, strict=True):
            if mask is not None:
                row = tuple(UNCHANGED if m == "1" else c for c, m in zip(row, mask, strict=True))
            batch.entries[batch.key(row)] = (_KINDS[op], row)
        return batch


def appended_rows(relation: Relation, table: pa.Table, empty_target: bool) -> pa.Table | None:
    """The rows a batch only adds, as the relation's columns (one per copy); None otherwise.

    A multiset batch adds only when every entry is a pure insert (floor = delta > 0). A keyed
    batch adds only PUTs into an empty table (otherwise a PUT may replace a row).
    """
    width = len(relation.columns)
    if "__floor" in table.column_names:
        deltas = table["__delta"]
        pure = pc.and_(pc.equal(table["__floor"], deltas), pc.greater(deltas, 0))
        if pc.all(pure).as_py() is False:
            return None
        rows = table.select(list(range(width)))
        if len(table) and pc.max(deltas).as_py() > 1:
            counts = deltas.to_pylist()
            rows = rows.take(pa.array([i for i, n in enumerate(counts) for _ in range(n)]))
        return rows
    if not empty_target or pc.all(pc.equal(table["__op"], 1)).as_py() is False:
        return None
    return table.select(list(range(width)))


def encode_contents(relation: Relation, contents: Contents) -> bytes:
    """Serialize a table's contents (distinct rows and their weights)."""
    with gc_paused():
        entries = list(contents.values())
        weights = pa.array([w for _, w in entries], pa.int64())
        return _ipc(relation, [row for row, _ in entries], {"__weight": weights})


def decode_contents(relation: Relation, data: bytes) -> Contents:
    """Read back contents written by encode_contents."""
    with gc_paused():
        rows, table = _read(relation, data)
        weights = table["__weight"].to_pylist()
        keys = list(map(key_function(relation), rows))
        return dict(zip(keys, zip(rows, weights, strict=True), strict=True))
