"""Ad-hoc `format=arrow_ipc`, `parquet` and `hash` (spec §4.3)."""

from __future__ import annotations

import datetime
import hashlib
import io

import pyarrow as pa
import pyarrow.parquet as pq

from app.dataplane.render import EGRESS
from app.dataplane.render import render_column

_MASK = (1 << 128) - 1


def arrow_ipc_bytes(table: pa.Table) -> bytes:
    """Encode a result as an Arrow IPC stream (schema, batches, end marker)."""
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def parquet_bytes(table: pa.Table) -> bytes:
    """Encode a result as one Snappy-compressed Parquet file."""
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="snappy")
    return sink.getvalue()


def parquet_filename(now: datetime.datetime) -> str:
    """The attachment name upstream gives a Parquet result."""
    return f"results_{now:%Y%m%d_%H%M%S}.parquet"


def result_hash(table: pa.Table) -> str:
    """SHA-256 of schema, row count and two order-independent sums of row hashes (64 hex).

    Equal multisets of rows with equal schemas hash equally whatever the row order; any
    other difference changes the hash. Upstream's exact value cannot be reproduced.
    """
    digest = hashlib.sha256(table.schema.remove_metadata().serialize().to_pybytes())
    digest.update(table.num_rows.to_bytes(8, "little"))
    columns = [render_column(column, EGRESS) for column in table.columns]
    first = second = 0
    for row in zip(*columns, strict=True):
        text = "\x1f".join("\x00" if v is None else v for v in row).encode()
        first = (first + int.from_bytes(hashlib.blake2b(text, digest_size=16).digest())) & _MASK
        keyed = hashlib.blake2b(text, digest_size=16, key=b"pipeline-store")
        second = (second + int.from_bytes(keyed.digest())) & _MASK
    digest.update(first.to_bytes(16, "little") + second.to_bytes(16, "little"))
    return digest.hexdigest().upper()
