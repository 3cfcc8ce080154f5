"""Render Arrow columns as text, value by value, in the spellings upstream's outputs use.

Styles:
- `display`: Arrow's display rules (ad-hoc `format=text`, spec §4.3);
- `json`: JSON texts as arrow_json writes them (ad-hoc `format=json`);
- `egress`: the pipeline's own JSON encoding (change streams, spec §5.2);
- `csv`: CSV fields of change streams (nested values as their `egress` JSON text).

A rendered column is a list of texts with None for NULL. Nested values are rendered column-wise:
a list column's elements are rendered as one column, then regrouped. `ctype` (the column's
ColumnType, when known) marks VARIANT values, which `egress` embeds as raw JSON.
"""

from __future__ import annotations

import json
import math

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.types as pt

from app.dataplane import temporal
from app.dataplane.arrow_types import member_type
from app.dataplane.arrow_types import row_fields
from app.dataplane.floats import format_float

DISPLAY, JSON, EGRESS, CSV = "display", "json", "egress", "csv"
_NANOS = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}
_QUOTED = (JSON, EGRESS)  # styles whose strings are JSON string literals


class RenderError(ValueError):
    """A value the format cannot encode (a MAP with non-string keys in ad-hoc JSON)."""


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _texts(texts: list[str | None], style: str) -> list[str | None]:
    """Quote plain texts as JSON strings in the JSON styles."""
    if style not in _QUOTED:
        return texts
    return [None if t is None else _quote(t) for t in texts]


def _floats(values: list, single: bool, style: str) -> list[str | None]:
    out: list[str | None] = []
    for v in values:
        if v is None:
            out.append(None)
        elif math.isfinite(v):
            out.append(format_float(v, single))
        elif style in _QUOTED:
            out.append("null")  # JSON has no NaN or infinities
        else:
            out.append("NaN" if math.isnan(v) else ("inf" if v > 0 else "-inf"))
    return out


def _temporal(array: pa.Array, style: str) -> list[str | None]:
    """Timestamps (`T` in Arrow's display, a space in the pipeline's encoding), dates, times."""
    kind = array.type
    if pt.is_date32(kind):
        days = array.cast(pa.int32()).to_pylist()
        return [None if d is None else temporal.format_date(d) for d in days]
    # time32 only casts to int32; every other temporal type to int64.
    ints = array.cast(pa.int32() if pt.is_time32(kind) else pa.int64()).to_pylist()
    if pt.is_date64(kind):
        return [None if v is None else temporal.format_date(v // 86_400_000) for v in ints]
    scale = _NANOS[kind.unit]
    if pt.is_timestamp(kind):
        sep = "T" if style in (DISPLAY, JSON) else " "
        suffix = "Z" if kind.tz else ""
        return [
            None if v is None else temporal.format_timestamp_nanos(v * scale, sep) + suffix
            for v in ints
        ]
    return [None if v is None else temporal.format_time(v * scale) for v in ints]


def _interval(values: list) -> list[str | None]:
    out: list[str | None] = []
    for v in values:
        if v is None:
            out.append(None)
        else:
            seconds, nanos = divmod(v.nanoseconds, 10**9)
            out.append(f"{v.months} mons {v.days} days {seconds}.{nanos:09d} secs")
    return out


def _binary(values: list, style: str) -> list[str | None]:
    if style == EGRESS:
        return [None if v is None else "[" + ",".join(map(str, v)) + "]" for v in values]
    return _texts([None if v is None else v.hex() for v in values], style)


def _leaves(array: pa.Array, style: str, ctype: dict | None) -> list[str | None]:
    """Render a non-nested column."""
    kind = array.type
    if pt.is_dictionary(kind):
        return _leaves(array.cast(kind.value_type), style, ctype)
    if pt.is_temporal(kind) and not (pt.is_duration(kind) or pt.is_interval(kind)):
        return _texts(_temporal(array, style), style)
    values = array.to_pylist()
    if pt.is_null(kind):
        return [None] * len(values)
    if pt.is_boolean(kind):
        return [None if v is None else ("true" if v else "false") for v in values]
    if pt.is_integer(kind):
        return [None if v is None else str(v) for v in values]
    if pt.is_floating(kind):
        return _floats(values, not pt.is_float64(kind), style)
    if pt.is_decimal(kind):
        return [None if v is None else format(v, "f") for v in values]
    if pt.is_string(kind) or pt.is_large_string(kind) or pt.is_string_view(kind):
        if style == EGRESS and ctype is not None and ctype.get("type") == "VARIANT":
            return values  # VARIANT cells hold JSON text, embedded as it is
        return _texts(values, style)
    if pt.is_binary(kind) or pt.is_large_binary(kind) or pt.is_binary_view(kind):
        return _binary(values, style)
    if pt.is_fixed_size_binary(kind):
        return _binary(values, style)
    if pt.is_interval(kind):
        return _texts(_interval(values), style)
    return _texts([None if v is None else str(v) for v in values], style)


def _regroup(array: pa.Array, parts: list[str], opening: str, sep: str, closing: str) -> list:
    """Join rendered flattened elements back into one text per list value."""
    out: list[str | None] = []
    start = 0
    for length in pc.list_value_length(array).to_pylist():
        if length is None:
            out.append(None)
            continue
        out.append(opening + sep.join(parts[start : start + length]) + closing)
        start += length
    return out


def _child(ctype: dict | None, key: str) -> dict | None:
    return None if ctype is None else ctype.get(key)


def _list(array: pa.Array, style: str, ctype: dict | None) -> list[str | None]:
    parts = render_column(pc.list_flatten(array), style, _child(ctype, "component"))
    null = "" if style == DISPLAY else "null"
    parts = [null if p is None else p for p in parts]
    return _regroup(array, parts, "[", ", " if style == DISPLAY else ",", "]")


def _map(array: pa.Array, style: str, ctype: dict | None) -> list[str | None]:
    # As a list of key/value structs, the list kernels apply (they have no map kernels).
    kind = array.type
    entry = pa.field("entries", pa.struct([kind.key_field, kind.item_field]), False)
    array = array.cast(pa.list_(entry))
    entries = pc.list_flatten(array)
    if style == JSON and not pt.is_string(kind.key_type) and len(entries):
        raise RenderError(f"JSON cannot encode a map with {kind.key_type} keys")
    key_style = DISPLAY if style == DISPLAY else CSV  # JSON object keys are strings
    keys = render_column(entries.field(0), key_style, _child(ctype, "key"))
    items = render_column(entries.field(1), style, _child(ctype, "value"))
    if style == DISPLAY:
        pairs = [f"{k}: {'' if v is None else v}" for k, v in zip(keys, items, strict=True)]
        return _regroup(array, pairs, "{", ", ", "}")
    pairs = [f"{_quote(k)}:{'null' if v is None else v}" for k, v in zip(keys, items, strict=True)]
    return _regroup(array, pairs, "{", ",", "}")


def _struct(array: pa.Array, style: str, ctype: dict | None) -> list[str | None]:
    kind = array.type
    names = [kind.field(i).name for i in range(kind.num_fields)]
    members = [member_type(m) for m in row_fields(ctype)] if ctype else []
    types = members if len(members) == len(names) else [None] * len(names)
    columns = [
        render_column(child, style, t) for child, t in zip(array.flatten(), types, strict=True)
    ]
    out: list[str | None] = []
    for row, valid in enumerate(array.is_valid().to_pylist()):
        if not valid:
            out.append(None)
            continue
        cells = [column[row] for column in columns]
        if style == DISPLAY:
            body = ", ".join(
                f"{n}: {'' if v is None else v}" for n, v in zip(names, cells, strict=True)
            )
        else:
            body = ",".join(
                f"{_quote(n)}:{'null' if v is None else v}"
                for n, v in zip(names, cells, strict=True)
            )
        out.append("{" + body + "}")
    return out


def render_column(
    array: pa.Array | pa.ChunkedArray, style: str, ctype: dict | None = None
) -> list[str | None]:
    """Render every value of a column in `style`; None stands for NULL."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    kind = array.type
    nested = pt.is_list(kind) or pt.is_large_list(kind) or pt.is_fixed_size_list(kind)
    nested = nested or pt.is_map(kind) or pt.is_struct(kind)
    if nested and style == CSV:
        return render_column(array, EGRESS, ctype)  # a CSV field holds the JSON text
    if pt.is_map(kind):
        return _map(array, style, ctype)
    if nested and not pt.is_struct(kind):
        return _list(array, style, ctype)
    if pt.is_struct(kind):
        return _struct(array, style, ctype)
    return _leaves(array, style, ctype)
