"""What each data version changed in tables and views, stored for change streams (issue 12).

The data version is the step number: version v's delta of a relation is the multiset change
from version v-1 to v (rows with signed weights, `app.dataplane.delta`). `compute` diffs two
copies of the data (views are evaluated on both), `record` stores the result under the new
version, and `read` returns them in version order, so a stream on any worker can replay every
change exactly once. Computing view deltas evaluates the views twice, so a writer records
only the relations something watches.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa

from app.dataplane.batch_codec import read_table
from app.dataplane.batch_codec import table_bytes
from app.dataplane.delta import Delta
from app.dataplane.delta import relation_delta
from app.dataplane_service.cache import PipelineData
from app.pipelines.context import Context

WEIGHT = "__weight"


def encode(delta: Delta) -> bytes:
    """A delta as Arrow IPC: the relation's columns plus a `__weight` column."""
    weights = pa.array(delta.weights, pa.int64())
    return table_bytes(delta.rows.append_column(WEIGHT, weights))


def decode(payload: bytes) -> Delta:
    """Read back a delta written by `encode`."""
    table = read_table(payload)
    weights = table[WEIGHT].to_pylist()
    return Delta(table.drop_columns([WEIGHT]), weights)


def _rows(data: PipelineData, name: str) -> pa.Table:
    if name in data.tables:
        return data.tables[name].arrow_table()
    return data.snapshot().view(name)


def compute(before: PipelineData, after: PipelineData, names: Iterable[str]) -> dict[str, Delta]:
    """The non-empty changes of the named tables and views between two copies of the data.

    A view the engine cannot evaluate has no delta (its error is reported where queries
    report it).
    """
    out = {}
    for name in names:
        try:
            delta = relation_delta(_rows(before, name), _rows(after, name))
        except Exception:  # ViewError and engine failures: nothing to stream for it
            continue
        if len(delta):
            out[name] = delta
    return out


def record(ctx: Context, version: int, pipeline_id: str, deltas: dict[str, Delta]) -> None:
    """Store the deltas of one version (inside the caller's write transaction)."""
    if deltas:
        payloads = {name: encode(delta) for name, delta in deltas.items()}
        ctx.store.data.add_deltas(pipeline_id, version, payloads)


def read(
    ctx: Context, pipeline_id: str, names: Iterable[str], after: int, upto: int
) -> list[tuple[int, str, Delta]]:
    """The stored deltas of some relations with after < version <= upto, in version order."""
    rows = ctx.store.data.deltas(pipeline_id, names, after, upto)
    return [(version, name, decode(payload)) for version, name, payload in rows]
