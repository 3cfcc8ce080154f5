"""Ad-hoc SQL (spec §4): run on the engine over the current version; INSERTs become an intake."""

from __future__ import annotations

import pyarrow as pa

from app.dataplane.errors import DataplaneError
from app.dataplane_service import connectors
from app.dataplane_service import gate
from app.dataplane_service import ingest
from app.dataplane_service import loading
from app.dataplane_service.errors import api_error
from app.pipelines.context import Context


def run(ctx: Context, name: str, sql: str, request_line: str = "") -> pa.Table:
    """Return the result of the request's last statement; raise the catalogue's errors."""
    record = gate.with_controller(ctx, name)
    connectors.advance(ctx, record)
    data = loading.current(ctx, record)
    try:
        result = data.snapshot().query(sql)
    except DataplaneError as err:
        raise api_error(err) from None
    if result.inserts:
        # An INSERT into a paused pipeline waits for it to resume (spec §4.2).
        record = ingest.wait_while_paused(ctx, name, record, request_line)
        ingest.insert_rows(ctx, record, result.inserts)
    return result.table
