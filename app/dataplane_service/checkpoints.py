"""Compaction of the batch log: whole contents written as a checkpoint every so many versions.

A worker that just committed encodes its copy outside the lock, then stores it in a short
transaction only if the checkpoint is still news (same incarnation, not already newer).
Readers far behind then load the checkpoint instead of replaying every batch.
"""

from __future__ import annotations

from app.dataplane.batch_codec import table_bytes
from app.dataplane_service.cache import PipelineData
from app.pipelines.catch_up import write
from app.pipelines.context import Context

# Versions of batches between checkpoints.
EVERY = 64
# Deltas older than this many versions are dropped at each checkpoint: a stream polls every
# 0.25 s, so none is that far behind (one that is misses them, as upstream drops chunks for a
# client that does not keep up).
DELTA_VERSIONS_KEPT = 16 * EVERY


def maybe_compact(ctx: Context, data: PipelineData, state: dict) -> bool:
    """Write a checkpoint of `data` when enough batches piled up since the last; say if done."""
    if data.version - state["checkpoint_version"] < EVERY:
        return False
    # Each table's rows in Arrow, one per copy: a reader loads them without touching cells.
    payloads = {name: table_bytes(table.arrow_table()) for name, table in data.tables.items()}
    with write(ctx):
        head = ctx.store.data.state(data.pipeline_id)
        if (
            head is None
            or head["incarnation_uuid"] != data.incarnation
            or head["checkpoint_version"] >= data.version
            or head["version"] < data.version
        ):
            return False
        ctx.store.data.put_checkpoint(data.pipeline_id, data.version, payloads)
        ctx.store.data.prune_deltas(data.pipeline_id, data.version - DELTA_VERSIONS_KEPT)
        ctx.store.data.update_state(data.pipeline_id, {"checkpoint_version": data.version})
    return True
