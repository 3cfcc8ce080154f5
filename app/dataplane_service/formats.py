"""Ad-hoc results encoded as upstream sends them (spec §4.3): HTTP bodies and WebSocket frames."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field

import pyarrow as pa

from app import timeutil
from app.dataplane.output_binary import parquet_bytes
from app.dataplane.output_binary import parquet_filename
from app.dataplane.output_binary import result_hash
from app.dataplane.output_json import json_stream
from app.dataplane.output_text import text_table

FORMATS = ("text", "json", "parquet", "arrow_ipc", "hash")
# Pieces larger than this are split: upstream's WebSocket relay takes frames up to 2 MiB.
MAX_PIECE = 1024 * 1024
# Rows per Arrow record batch in `arrow_ipc` output.
BATCH_ROWS = 65_536


@dataclass
class Encoded:
    """A result ready to send: media type, extra headers, pieces (text or bytes)."""

    mimetype: str
    pieces: Iterator[str | bytes]
    headers: dict = field(default_factory=dict)
    binary: bool = False


def _split(data: bytes) -> Iterator[bytes]:
    for start in range(0, len(data), MAX_PIECE):
        yield data[start : start + MAX_PIECE]


def _split_text(text: str) -> Iterator[str]:
    """Pieces of at most MAX_PIECE bytes (a character is at most 4 bytes of UTF-8)."""
    size = MAX_PIECE // 4
    for start in range(0, len(text), size):
        yield text[start : start + size]


def arrow_ipc_pieces(table: pa.Table) -> Iterator[bytes]:
    """The IPC stream in pieces: schema, each record batch, then the end marker."""
    sink = io.BytesIO()
    writer = pa.ipc.new_stream(sink, table.schema)

    def flush() -> Iterator[bytes]:
        data = sink.getvalue()
        sink.seek(0)
        sink.truncate()
        yield from _split(data)

    yield from flush()
    for batch in table.to_batches(max_chunksize=BATCH_ROWS):
        writer.write_batch(batch)
        yield from flush()
    writer.close()
    yield from flush()


def encode(table: pa.Table, fmt: str) -> Encoded:
    """Encode a result in one of FORMATS (hash errors are raised before anything is sent)."""
    if fmt == "json":
        return Encoded("application/json", json_stream(table))
    if fmt == "arrow_ipc":
        return Encoded("application/octet-stream", arrow_ipc_pieces(table), binary=True)
    if fmt == "parquet":
        name = parquet_filename(timeutil.now())
        headers = {"Content-Disposition": f'attachment; filename="{name}"'}
        return Encoded("application/octet-stream", _split(parquet_bytes(table)), headers, True)
    if fmt == "hash":
        return Encoded("text/plain", iter([result_hash(table)]))
    return Encoded("text/plain", _split_text(text_table(table)))
