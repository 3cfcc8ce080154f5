"""The change of a relation between two states: distinct rows with non-zero weights."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from app.dataplane.arrow_cells import rows_to_arrow
from app.dataplane.relations import Relation

_WEIGHT = "__weight"


@dataclass
class Delta:
    """Rows (the relation's columns) and their weight changes: + inserted, - deleted."""

    rows: pa.Table
    weights: list[int]

    def __len__(self) -> int:
        return len(self.weights)


def _weighted(table: pa.Table, names: list[str], weight: int) -> pa.Table:
    renamed = table.rename_columns(names)
    return renamed.append_column(_WEIGHT, pa.array([weight] * table.num_rows, pa.int64()))


def _python_delta(before: pa.Table, after: pa.Table) -> Delta:
    """Count rows by their JSON text: for column types Arrow cannot group by (lists, maps)."""
    counts: Counter[str] = Counter()
    first: dict[str, tuple[int, int]] = {}
    for side, (table, weight) in enumerate(((before, -1), (after, 1))):
        for index, row in enumerate(table.to_pylist()):
            key = json.dumps(list(row.values()), default=str, sort_keys=True)
            counts[key] += weight
            first.setdefault(key, (side, index))
    changed = [key for key, count in counts.items() if count != 0]
    pieces = [(before if first[k][0] == 0 else after).slice(first[k][1], 1) for k in changed]
    rows = pa.concat_tables(pieces) if pieces else before.slice(0, 0)
    return Delta(rows, [counts[k] for k in changed])


def relation_delta(before: pa.Table, after: pa.Table) -> Delta:
    """Return what turns `before` into `after` as a multiset (both with the same schema)."""
    if after.schema != before.schema:
        after = after.cast(before.schema)
    names = [f"c{i}" for i in range(before.num_columns)]
    both = pa.concat_tables([_weighted(before, names, -1), _weighted(after, names, 1)])
    try:
        grouped = both.group_by(names, use_threads=False).aggregate([(_WEIGHT, "sum")])
    except (pa.ArrowNotImplementedError, pa.ArrowTypeError, pa.ArrowInvalid):
        return _python_delta(before, after)
    changed = grouped.filter(pc.not_equal(grouped[f"{_WEIGHT}_sum"], 0))
    rows = changed.select(names).rename_columns(before.column_names).cast(before.schema)
    return Delta(rows, changed[f"{_WEIGHT}_sum"].to_pylist())


def cells_delta(relation: Relation, pairs: list[tuple[tuple, int]]) -> Delta:
    """Build a Delta from rows of cells and weights (a table's change, from apply_batch)."""
    return Delta(rows_to_arrow(relation, [row for row, _ in pairs]), [w for _, w in pairs])
