"""Apply a request's ordered changes to a table: upserts by key, or a multiset with weights.

A table's contents are `{key: (row, weight)}`, where `row` is a tuple of cells and `key`
identifies it: the row itself, or its key columns for a table with a primary key. A batch is
first consolidated to one entry per touched key, computed without reading the table, so a store
can record it blindly; `apply_batch` then folds it into contents.

Keys are the cells themselves when all are scalars (tuples hash fast), else their `repr`
(canonical for cells, and lists do not hash). They identify rows in memory only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from collections.abc import Hashable
from dataclasses import dataclass
from dataclasses import field
from itertools import repeat
from operator import itemgetter

from app.dataplane.gcpause import gc_paused
from app.dataplane.relations import Relation
from app.dataplane.rows import UNCHANGED

INSERT, DELETE, UPDATE = 1, -1, 0
# Per-key outcome of a keyed batch.
PUT, REMOVE, PATCH = "put", "remove", "patch"

Change = tuple[int, tuple]  # (INSERT | DELETE | UPDATE, row)
Contents = dict[Hashable, tuple[tuple, int]]
_NESTED = ("ARRAY", "MAP", None, "STRUCT")


def _scalar(ctype: dict) -> bool:
    return ctype.get("type") not in _NESTED


def key_function(relation: Relation) -> Callable[[tuple], Hashable]:
    """Return row → key for a table (see the module docstring)."""
    columns = relation.columns
    if relation.primary_key:
        indexes = relation.key_indexes
        pick = itemgetter(*indexes) if indexes else (lambda row: ())
        if all(_scalar(columns[i].ctype) for i in indexes):
            return pick
        return lambda row: repr(pick(row))
    if all(_scalar(c.ctype) for c in columns):
        return tuple  # rows are tuples already: the identity, at C speed
    return repr


def merge_patch(row: tuple, patch: tuple) -> tuple:
    """Overwrite the columns an `update` names."""
    return tuple(old if new is UNCHANGED else new for old, new in zip(row, patch, strict=True))


@dataclass
class MultisetBatch:
    """Consolidated changes of a table without a primary key.

    Each entry is `key: (row, floor, delta)`: the new weight is `max(floor, old + delta)`.
    This is exactly the effect of applying the changes one by one, each delete of an absent
    copy being ignored (spec §2.3), because each step `w -> max(0, w + d)` composes into
    that form.
    """

    key: Callable[[tuple], Hashable] = repr
    entries: dict[Hashable, tuple[tuple, int, int]] = field(default_factory=dict)

    def add(self, op: int, row: tuple) -> None:
        """Fold one insert (+1) or delete (-1) into the batch."""
        key = self.key(row)
        entry = self.entries.get(key)
        if entry is None:
            self.entries[key] = (row, max(0, op), op)
        else:
            self.entries[key] = (row, max(0, entry[1] + op), entry[2] + op)


@dataclass
class KeyedBatch:
    """Consolidated changes of a table with a primary key: per key PUT, REMOVE or PATCH.

    Each entry is `key: (kind, row)`; a REMOVE's row holds the key columns, a PATCH's row
    marks the columns it leaves alone with UNCHANGED.
    """

    key: Callable[[tuple], Hashable]
    entries: dict[Hashable, tuple[str, tuple]] = field(default_factory=dict)

    def add(self, op: int, row: tuple) -> None:
        """Fold one insert, delete (by key) or update (partial row) into the batch."""
        key = self.key(row)
        if op == INSERT:
            self.entries[key] = (PUT, row)
        elif op == DELETE:
            self.entries[key] = (REMOVE, row)
        else:
            kind, current = self.entries.get(key, (None, None))
            if kind is None:
                self.entries[key] = (PATCH, row)
            elif kind != REMOVE:
                self.entries[key] = (kind, merge_patch(current, row))
            # An update after a delete in the same batch targets an absent key: ignored.


Batch = MultisetBatch | KeyedBatch


def new_batch(table: Relation) -> Batch:
    """Return an empty batch for a table."""
    key = key_function(table)
    return KeyedBatch(key) if table.primary_key else MultisetBatch(key)


def _inserts_only(table: Relation, rows: list[tuple]) -> Batch:
    """The common batch, built with C-level counting instead of one `add` per row."""
    batch = new_batch(table)
    keys = list(map(batch.key, rows))
    if isinstance(batch, KeyedBatch):
        batch.entries = dict(zip(keys, zip(repeat(PUT), rows), strict=False))
        return batch
    counts = Counter(keys)
    if len(counts) == len(keys):  # no duplicates: every entry is (row, 1, 1)
        batch.entries = dict(zip(keys, zip(rows, repeat(1), repeat(1)), strict=False))
        return batch
    by_key = dict(zip(keys, rows, strict=True))  # equal keys hold equal rows
    batch.entries = {key: (by_key[key], n, n) for key, n in counts.items()}
    return batch


def consolidate(table: Relation, changes: list[Change]) -> Batch:
    """Reduce ordered changes to one entry per touched key."""
    with gc_paused():
        if all(op == INSERT for op, _ in changes):
            return _inserts_only(table, [row for _, row in changes])
        batch = new_batch(table)
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
    with gc_paused():
        if not contents:
            return _apply_to_empty(batch)
        return _apply(contents, batch)


def _apply(contents: Contents, batch: Batch) -> Applied:
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


def _apply_to_empty(batch: Batch) -> Applied:
    """apply_batch on an empty table: every surviving entry is new."""
    if isinstance(batch, MultisetBatch):
        new = {
            k: (row, weight)
            for k, (row, floor, change) in batch.entries.items()
            if (weight := max(floor, change)) > 0
        }
    else:
        new = {k: (row, 1) for k, (kind, row) in batch.entries.items() if kind == PUT}
    return Applied(new, list(new.values()))
