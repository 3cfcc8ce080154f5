"""Table semantics (spec §2.3): multisets with weights, upserts by key, batches and their codec."""

from collections import Counter

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from app.dataplane.batch_codec import decode_batch
from app.dataplane.batch_codec import decode_contents
from app.dataplane.batch_codec import encode_batch
from app.dataplane.batch_codec import encode_contents
from app.dataplane.changes import DELETE
from app.dataplane.changes import INSERT
from app.dataplane.changes import UPDATE
from app.dataplane.changes import apply_batch
from app.dataplane.changes import consolidate
from app.dataplane.changes import merge_patch
from app.dataplane.rows import UNCHANGED
from tests.dataplane_helpers import table_of

BAG = table_of("CREATE TABLE t (a INT, b VARCHAR);")
KEYED = table_of("CREATE TABLE t (a INT NOT NULL PRIMARY KEY, b VARCHAR, c INT);")
NESTED_BAG = table_of("CREATE TABLE t (a INT ARRAY, m MAP<VARCHAR, INT>);")


def weights(contents) -> Counter:
    return Counter({row: w for row, w in contents.values()})


def apply(table, changes, contents=None):
    return apply_batch(contents or {}, consolidate(table, changes))


def test_a_bag_keeps_copies_and_deletes_one_at_a_time():
    first = apply(BAG, [(INSERT, (1, "x")), (INSERT, (1, "x")), (INSERT, (2, None))])
    assert weights(first.contents) == Counter({(1, "x"): 2, (2, None): 1})
    second = apply(BAG, [(DELETE, (1, "x")), (DELETE, (9, "absent"))], first.contents)
    assert weights(second.contents) == Counter({(1, "x"): 1, (2, None): 1})
    assert second.delta == [((1, "x"), -1)]


def test_deleting_an_absent_copy_is_ignored_even_before_an_insert():
    applied = apply(BAG, [(DELETE, (1, "x")), (INSERT, (1, "x"))])
    assert weights(applied.contents) == Counter({(1, "x"): 1})


def test_a_keyed_table_upserts_deletes_by_key_and_patches():
    first = apply(KEYED, [(INSERT, (1, "a", 1)), (INSERT, (2, "b", 2)), (INSERT, (1, "c", 3))])
    assert sorted(row for row, _ in first.contents.values()) == [(1, "c", 3), (2, "b", 2)]
    second = apply(
        KEYED,
        [(DELETE, (2, None, None)), (UPDATE, (1, UNCHANGED, 9)), (UPDATE, (7, "x", UNCHANGED))],
        first.contents,
    )
    assert sorted(row for row, _ in second.contents.values()) == [(1, "c", 9)]
    assert sorted(second.delta) == [((1, "c", 3), -1), ((1, "c", 9), 1), ((2, "b", 2), -1)]


def test_an_upsert_of_an_identical_row_changes_nothing():
    first = apply(KEYED, [(INSERT, (1, "a", 1))])
    assert apply(KEYED, [(INSERT, (1, "a", 1))], first.contents).delta == []


def test_nested_cells_are_rows_too():
    row = ([1, 2], [["k", 1]])
    applied = apply(NESTED_BAG, [(INSERT, row), (INSERT, row), (DELETE, row)])
    assert list(applied.contents.values()) == [(row, 1)]


def bag_model(changes, start: Counter) -> Counter:
    """Apply one change at a time, ignoring deletes of absent copies."""
    bag = Counter(start)
    for op, row in changes:
        if op == INSERT:
            bag[row] += 1
        elif bag[row] > 0:
            bag[row] -= 1
    return +bag


def keyed_model(changes, start: dict) -> dict:
    rows = dict(start)
    for op, row in changes:
        if op == INSERT:
            rows[row[0]] = row
        elif op == DELETE:
            rows.pop(row[0], None)
        elif row[0] in rows:
            rows[row[0]] = merge_patch(rows[row[0]], row)
    return rows


small_rows = st.tuples(st.integers(0, 3), st.sampled_from(["x", "y", None]))
bag_changes = st.lists(st.tuples(st.sampled_from([INSERT, DELETE]), small_rows), max_size=30)
keyed_rows = st.tuples(st.integers(0, 3), st.sampled_from(["x", None]), st.integers(0, 2))
patches = st.tuples(
    st.integers(0, 3), st.sampled_from(["p", UNCHANGED]), st.sampled_from([5, UNCHANGED])
)
keyed_changes = st.lists(
    st.one_of(
        st.tuples(st.just(INSERT), keyed_rows),
        st.tuples(st.just(DELETE), keyed_rows),
        st.tuples(st.just(UPDATE), patches),
    ),
    max_size=30,
)


@settings(max_examples=150, deadline=None)
@given(bag_changes, bag_changes)
def test_bag_batches_match_one_at_a_time_application(before, changes):
    start = apply(BAG, before)
    applied = apply(BAG, changes, start.contents)
    expected = bag_model(changes, bag_model(before, Counter()))
    assert weights(applied.contents) == expected
    # The delta is exactly what turned the old contents into the new.
    moved = weights(start.contents)
    moved.update(dict(applied.delta))
    assert +moved == expected
    # The batch survives the store's codec.
    batch = decode_batch(BAG, encode_batch(BAG, consolidate(BAG, changes)))
    assert weights(apply_batch(start.contents, batch).contents) == expected


@settings(max_examples=150, deadline=None)
@given(keyed_changes, keyed_changes)
def test_keyed_batches_match_one_at_a_time_application(before, changes):
    start = apply(KEYED, before)
    applied = apply(KEYED, changes, start.contents)
    expected = keyed_model(changes, keyed_model(before, {}))
    assert {row[0]: row for row, _ in applied.contents.values()} == expected
    batch = decode_batch(KEYED, encode_batch(KEYED, consolidate(KEYED, changes)))
    decoded = apply_batch(start.contents, batch)
    assert {row[0]: row for row, _ in decoded.contents.values()} == expected


def test_contents_survive_the_codec():
    applied = apply(BAG, [(INSERT, (1, "x")), (INSERT, (1, "x")), (INSERT, (2, None))])
    assert decode_contents(BAG, encode_contents(BAG, applied.contents)) == applied.contents
    nested = apply(NESTED_BAG, [(INSERT, ([1, None], [["a", 1]]))])
    round_trip = decode_contents(NESTED_BAG, encode_contents(NESTED_BAG, nested.contents))
    assert round_trip == nested.contents
