"""Apply a request's ordered changes to a table: upserts by key, or a multiset with weights.

A table's contents are `{row_key: (row, weight)}`, where `row` is a tuple of cells and
`row_key` its JSON text (the key columns' JSON text for a table with a primary key). A batch is
first consolidated to one entry per touched key, computed without reading the table, so a store
can apply it with blind SQL upserts; `apply_batch` is the same rule over an in-memory dict.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from dataclasses import field

from app.dataplane.relations import Relation
from app.dataplane.rows import UNCHANGED

INSERT, DELETE, UPDATE = 1, -1, 0
# Per-key outcome of a keyed batch.
PUT, REMOVE, PATCH = "put", "remove", "patch"

Change = tuple[int, tuple]  # (INSERT | DELETE | UPDATE, row)
Contents = dict[str, tuple[tuple, int]]


def row_key(cells: tuple | list) -> str:
    """Return the canonical text of a row (or of its key columns)."""
    return json.dumps(cells, separators=(",", ":"), ensure_ascii=False)


def merge_patch(row: tuple, patch: tuple) -> tuple:
    """Overwrite the columns an `update` names."""
    return tuple(old if new is UNCHANGED else new for old, new in zip(row, patch, strict=True))


@dataclass
class MultisetBatch:
    """Consolidated changes of a table without a primary key.

    Each entry is `key: [row, floor, delta]`: the new weight is `max(floor, old + delta)`.
    This is exactly the effect of applying the changes one by one, each delete of an absent
    copy being ignored (spec §2.3), because each step `w -> max(0, w + d)` composes into
    that form.
    """

    entries: dict[str, list] = field(default_factory=dict)

    def add(self, op: int, row: tuple) -> None:
        """Fold one insert (+1) or delete (-1) into the batch."""
        key = row_key(row)
        entry = self.entries.get(key)
        if entry is None:
            self.entries[key] = [row, max(0, op), op]
        else:
            entry[1] = max(0, entry[1] + op)
            entry[2] += op


@dataclass
class KeyedBatch:
    """Consolidated changes of a table with a primary key: per key PUT, REMOVE or PATCH."""

    key_indexes: tuple[int, ...]
    entries: dict[str, tuple[str, tuple | None]] = field(default_factory=dict)

    def add(self, op: int, row: tuple) -> None:
        """Fold one insert, delete (by key) or update (partial row) into the batch."""
        key = row_key([row[i] for i in self.key_indexes])
        if op == INSERT:
            self.entries[key] = (PUT, row)
        elif op == DELETE:
            self.entries[key] = (REMOVE, None)
        else:
            kind, current = self.entries.get(key, (PATCH, None))
            if kind == PUT:
                self.entries[key] = (PUT, merge_patch(current, row))
            elif kind == PATCH:
                merged = row if current is None else merge_patch(current, row)
                self.entries[key] = (PATCH, merged)
            # An update after a delete in the same batch targets an absent key: ignored.


Batch = MultisetBatch | KeyedBatch


def consolidate(table: Relation, changes: list[Change]) -> Batch:
    """Reduce ordered changes to one entry per touched key."""
    batch: Batch = KeyedBatch(table.key_indexes) if table.primary_key else MultisetBatch()
    add = batch.add
    for op, row in changes:
        add(op, row)
    return batch


@dataclass
class Applied:
    """A table's new contents and what changed: (row, weight change) pairs."""

    contents: Contents
    delta: list[tuple[tuple, int]]


def apply_batch(contents: Contents, batch: Batch) -> Applied:
    """Return new contents after a batch (the input is not modified), with the delta."""
    new = dict(contents)
    delta: list[tuple[tuple, int]] = []
    if isinstance(batch, MultisetBatch):
        for key, (row, floor, change) in batch.entries.items():
            old = new.get(key, (row, 0))[1]
            weight = max(floor, old + change)
            if weight != old:
                delta.append((row, weight - old))
            if weight > 0:
                new[key] = (row, weight)
            else:
                new.pop(key, None)
        return Applied(new, delta)
    for key, (kind, row) in batch.entries.items():
        old = new.get(key)
        if kind == PATCH:
            if old is None:
                continue  # an update of an absent key changes nothing
            row = merge_patch(old[0], row)
        if old is not None and (kind == REMOVE or old[0] != row):
            delta.append((old[0], -1))
            del new[key]
        if kind != REMOVE and (old is None or old[0] != row):
            delta.append((row, 1))
            new[key] = (row, 1)
    return Applied(new, delta)
