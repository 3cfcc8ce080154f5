"""Decode a `format=csv` ingress body: no header, positional values, inserts only (spec §2.3)."""

from __future__ import annotations

import csv
import io

from app.dataplane.cells import CellError
from app.dataplane.changes import INSERT
from app.dataplane.changes import Change
from app.dataplane.parse_errors import EVENT_TAG
from app.dataplane.parse_errors import ErrorLog
from app.dataplane.parse_errors import ParseError
from app.dataplane.relations import Relation
from app.dataplane.text_values import bulk_text_converter
from app.dataplane.text_values import empty_field_cell
from app.dataplane.text_values import text_converter

_PREFIX = "failed to deserialize CSV record: "


def _empty_value(ctype: dict) -> object:
    """What an empty field becomes, or the CellError it raises (re-raised per record)."""
    try:
        return empty_field_cell(ctype)
    except CellError as err:
        return err


def _line(fields: list[str]) -> str:
    """Re-encode a record's fields as one CSV line, for `invalid_text`."""
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(fields)
    return out.getvalue()


class CsvIngress:
    """Decodes CSV bodies for one table."""

    def __init__(self, table: Relation):
        self.table = table
        self.plan = [
            (c.name, text_converter(c.ctype), _empty_value(c.ctype)) for c in table.columns
        ]
        self.bulk = [bulk_text_converter(c.ctype) for c in table.columns]

    def decode(self, text: str, changes: list[Change], log: ErrorLog) -> int:
        """Append one insert per good record, log the bad ones; return records accepted."""
        # Blank lines are skipped, as the csv crate does.
        records = [r for r in csv.reader(io.StringIO(text, newline="")) if r]
        rows = self._bulk_rows(records)
        if rows is not None:
            changes.extend([(INSERT, row) for row in rows])
            return len(rows)
        return self._one_by_one(records, changes, log)

    def _bulk_rows(self, records: list[list[str]]) -> list[tuple] | None:
        """Convert column by column; None when any record needs the per-record path."""
        width = len(self.plan)
        if not records or any(len(r) < width for r in records):
            return None
        converted = []
        for column, bulk in zip(zip(*records, strict=False), self.bulk, strict=False):
            cells = bulk(column)
            if cells is None:
                return None
            converted.append(cells)
        return list(zip(*converted, strict=True))

    def _one_by_one(self, records: list[list[str]], changes: list[Change], log: ErrorLog) -> int:
        width = len(self.plan)
        accepted = 0
        for number, fields in enumerate(records, start=1):
            if len(fields) < width:
                description = f"{_PREFIX}invalid length {len(fields)}, expected {width} fields"
                log.add(ParseError(description, number, None, None, _line(fields), None, EVENT_TAG))
                continue
            try:
                changes.append((INSERT, self._row(fields)))
                accepted += 1
            except _FieldError as err:
                description = f"{_PREFIX}error parsing field '{err.name}': {err.reason}"
                log.add(
                    ParseError(description, number, err.name, None, _line(fields), None, EVENT_TAG)
                )
        return accepted

    def _row(self, fields: list[str]) -> tuple:
        cells = []
        for (name, convert, empty), text in zip(self.plan, fields, strict=False):
            if text == "":
                if isinstance(empty, CellError):
                    raise _FieldError(name, str(empty))
                cells.append(empty)
                continue
            try:
                cells.append(convert(text))
            except CellError as err:
                raise _FieldError(name, str(err)) from None
        return tuple(cells)


class _FieldError(Exception):
    def __init__(self, name: str, reason: str):
        super().__init__(reason)
        self.name = name
        self.reason = reason
