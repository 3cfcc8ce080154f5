"""Change-stream chunks (spec §5.2): `json_data` insert/delete events or CSV `text_data`."""

from __future__ import annotations

import csv
import io
import json

from app.dataplane.delta import Delta
from app.dataplane.relations import Relation
from app.dataplane.render import CSV
from app.dataplane.render import EGRESS
from app.dataplane.render import render_column

# Upstream splits one step's output into chunks of at most this many events.
MAX_CHUNK_RECORDS = 10_000


def _column_types(delta: Delta, relation: Relation | None) -> list[dict | None]:
    if relation is None or len(relation.columns) != delta.rows.num_columns:
        return [None] * delta.rows.num_columns
    return [c.ctype for c in relation.columns]


def _order(delta: Delta) -> list[int]:
    """Row positions with all deletions before all insertions."""
    deletions = [i for i, w in enumerate(delta.weights) if w < 0]
    return deletions + [i for i, w in enumerate(delta.weights) if w > 0]


def _batches(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def json_data_chunks(
    delta: Delta, relation: Relation | None = None, max_records: int = MAX_CHUNK_RECORDS
) -> list[str]:
    """Return `json_data` array texts: a row of weight w is |w| insert or delete events."""
    types = _column_types(delta, relation)
    columns = [
        render_column(column, EGRESS, ctype)
        for column, ctype in zip(delta.rows.columns, types, strict=True)
    ]
    keys = [json.dumps(name, ensure_ascii=False) + ":" for name in delta.rows.column_names]
    events = []
    for i in _order(delta):
        fields = ",".join(
            k + ("null" if c[i] is None else c[i]) for k, c in zip(keys, columns, strict=True)
        )
        weight = delta.weights[i]
        event = ('{"insert":{' if weight > 0 else '{"delete":{') + fields + "}}"
        events.extend([event] * abs(weight))
    return ["[" + ",".join(batch) + "]" for batch in _batches(events, max_records)]


def csv_text_chunks(
    delta: Delta, relation: Relation | None = None, max_records: int = MAX_CHUNK_RECORDS
) -> list[str]:
    """Return `text_data` strings: one CSV line per distinct row, its weight last."""
    types = _column_types(delta, relation)
    columns = [
        render_column(column, CSV, ctype)
        for column, ctype in zip(delta.rows.columns, types, strict=True)
    ]
    lines = []
    for i in _order(delta):
        out = io.StringIO()
        fields = ["" if c[i] is None else c[i] for c in columns]
        csv.writer(out, lineterminator="\n").writerow([*fields, str(delta.weights[i])])
        lines.append(out.getvalue())
    return ["".join(batch) for batch in _batches(lines, max_records)]


def chunk_line(
    sequence_number: int,
    snapshot: bool = False,
    json_data: str | None = None,
    text_data: str | None = None,
    processed_steps: int | None = None,
) -> str:
    """One chunk of the stream, `\\r\\n`-terminated; without data it is a keep-alive.

    `processed_steps` (read by SDK 0.369's `OutputHandler.wait_for_token`) marks that the
    stream holds every change of the steps up to that count.
    """
    parts = [
        f'"sequence_number":{sequence_number}',
        f'"snapshot":{"true" if snapshot else "false"}',
    ]
    if json_data is not None:
        parts.append(f'"json_data":{json_data}')
    if text_data is not None:
        parts.append(f'"text_data":{json.dumps(text_data, ensure_ascii=False)}')
    if processed_steps is not None:
        parts.append(f'"processed_steps":{processed_steps}')
    return "{" + ",".join(parts) + "}\r\n"
