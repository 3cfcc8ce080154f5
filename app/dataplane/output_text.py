"""Ad-hoc `format=text`: upstream's table layout (comfy-table with Arrow's preset, spec §4.3)."""

from __future__ import annotations

import unicodedata

import pyarrow as pa

from app.dataplane.render import DISPLAY
from app.dataplane.render import render_column

MAX_CELL_BYTES = 64


def _truncate(text: str) -> str:
    """Cut a cell longer than 64 bytes to its first 64 bytes (whole characters) plus `...`."""
    data = text.encode()
    if len(data) <= MAX_CELL_BYTES:
        return text
    return data[:MAX_CELL_BYTES].decode("utf-8", errors="ignore") + "..."


def _width(text: str) -> int:
    """Display columns of a line: wide East Asian characters take two, combining marks none."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _row_lines(cells: list[list[str]], widths: list[int]) -> list[str]:
    """Lay out one row whose cells may span several lines."""
    height = max((len(c) for c in cells), default=1)
    lines = []
    for i in range(height):
        parts = [_pad(c[i] if i < len(c) else "", w) for c, w in zip(cells, widths, strict=True)]
        lines.append("| " + " | ".join(parts) + " |")
    return lines


def text_table(table: pa.Table) -> str:
    """Render a result as upstream's text table: no trailing newline, NULL as an empty cell."""
    headers = [[line for line in name.split("\n")] for name in table.column_names]
    columns = [render_column(column, DISPLAY) for column in table.columns]
    rows = [
        [_truncate("" if value is None else value).split("\n") for value in row]
        for row in zip(*columns, strict=True)
    ]
    widths = [max((_width(line) for line in header), default=0) for header in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], *(_width(line) for line in cell))
    border = "+" + "+".join("-" * (w + 2) for w in widths) + "+"
    lines = [border, *_row_lines(headers, widths), border]
    for row in rows:
        lines.extend(_row_lines(row, widths))
    lines.append(border)
    return "\n".join(lines)
