"""Ad-hoc `format=json`: one JSON object per row, explicit nulls (spec §4.3)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pyarrow as pa

from app.dataplane.render import JSON
from app.dataplane.render import RenderError
from app.dataplane.render import render_column


def json_batch(batch: pa.Table | pa.RecordBatch) -> str:
    """Render rows as NDJSON (`{...}\\n` each); raise RenderError for unencodable values."""
    keys = [json.dumps(name, ensure_ascii=False) + ":" for name in batch.column_names]
    columns = [render_column(column, JSON) for column in batch.columns]
    lines = []
    for row in zip(*columns, strict=True):
        fields = ",".join(k + ("null" if v is None else v) for k, v in zip(keys, row, strict=True))
        lines.append("{" + fields + "}\n")
    return "".join(lines)


def json_stream(table: pa.Table) -> Iterator[str]:
    """Yield a result's NDJSON batch by batch; an encoding failure ends it with the error."""
    for batch in table.to_batches():
        try:
            yield json_batch(batch)
        except RenderError as err:
            # Upstream has already sent 200; the error is appended without a newline.
            yield json.dumps({"error": str(err)}, ensure_ascii=False)
            return


__all__ = ["RenderError", "json_batch", "json_stream"]
