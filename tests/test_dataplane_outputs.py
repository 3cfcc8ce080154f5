"""Ad-hoc output formats (spec §4.3) and change-stream chunks (spec §5.2)."""

import datetime
import io
import json
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq

from app.dataplane.delta import Delta
from app.dataplane.egress import chunk_line
from app.dataplane.egress import csv_text_chunks
from app.dataplane.egress import json_data_chunks
from app.dataplane.output_binary import arrow_ipc_bytes
from app.dataplane.output_binary import parquet_bytes
from app.dataplane.output_binary import parquet_filename
from app.dataplane.output_binary import result_hash
from app.dataplane.output_json import json_batch
from app.dataplane.output_json import json_stream
from app.dataplane.output_text import text_table
from tests.dataplane_helpers import table_of

TS = pa.array([1_704_103_200_000_000, 1_704_103_200_123_000, None], pa.timestamp("us"))
VALUES = pa.table(
    {
        "b": [True, False, None],
        "i": pa.array([1, -2, None], pa.int32()),
        "f": [1.5, 1e20, float("nan")],
        "r": pa.array([1.0, 0.1, None], pa.float32()),
        "n": pa.array([Decimal("12.30"), Decimal("0.00"), None], pa.decimal128(5, 2)),
        "ts": TS,
        "d": pa.array([19724, None, 0], pa.date32()),
        "t": pa.array([36_000_000_000_000, 36_000_500_000_000, None], pa.time64("ns")),
        "bin": [b"\x0a\xff", b"", None],
        "l": pa.array([[1, None, 3], [], None], pa.list_(pa.int64())),
        "s": pa.array([{"a": 1, "b": "x"}, None, {"a": None, "b": "y"}]),
        "m": pa.array([[("k1", 1), ("k2", 2)], [], None], pa.map_(pa.string(), pa.int64())),
    }
)


def test_text_layout_matches_upstream_example():
    table = pa.table({"id": [1, 2], "name": ["Alice", None]})
    assert text_table(table) == (
        "+----+-------+\n"
        "| id | name  |\n"
        "+----+-------+\n"
        "| 1  | Alice |\n"
        "| 2  |       |\n"
        "+----+-------+"
    )


def test_text_of_an_empty_result_still_has_the_header():
    table = pa.table({"count(*)": pa.array([], pa.int64())})
    assert text_table(table).split("\n") == [
        "+----------+",
        "| count(*) |",
        "+----------+",
        "+----------+",
    ]


def test_text_uses_arrows_display_of_values():
    row = text_table(VALUES.slice(0, 1)).split("\n")[3]
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells == [
        "true", "1", "1.5", "1.0", "12.30", "2024-01-01T10:00:00", "2024-01-02", "10:00:00",
        "0aff", "[1, , 3]", "{a: 1, b: x}", "{k1: 1, k2: 2}",
    ]  # fmt: skip
    second = [
        c.strip() for c in text_table(VALUES.slice(1, 1)).split("\n")[3].strip("|").split("|")
    ]
    assert second[2:4] == ["1e20", "0.1"]
    assert second[5] == "2024-01-01T10:00:00.123" and second[7] == "10:00:00.500"


def test_text_cuts_long_cells_and_wraps_multiline_ones():
    table = pa.table({"v": ["é" * 40, "a\nbc"]})
    lines = text_table(table).split("\n")
    assert lines[3] == "| " + "é" * 32 + "... |"
    assert lines[4:6] == ["| a" + " " * 34 + " |", "| bc" + " " * 33 + " |"]


def test_json_lines_with_explicit_nulls_and_upstream_spellings():
    lines = json_batch(VALUES).splitlines()
    assert lines[0] == (
        '{"b":true,"i":1,"f":1.5,"r":1.0,"n":12.30,"ts":"2024-01-01T10:00:00","d":"2024-01-02",'
        '"t":"10:00:00","bin":"0aff","l":[1,null,3],"s":{"a":1,"b":"x"},"m":{"k1":1,"k2":2}}'
    )
    assert json.loads(lines[2]) == {
        "b": None, "i": None, "f": None, "r": None, "n": None, "ts": None, "d": "1970-01-01",
        "t": None, "bin": None, "l": None, "s": {"a": None, "b": "y"}, "m": None,
    }  # fmt: skip
    assert json_batch(VALUES.slice(0, 0)) == ""


def test_json_of_a_map_with_integer_keys_fails_mid_stream():
    table = pa.table({"m": pa.array([[(1, "a")]], pa.map_(pa.int32(), pa.string()))})
    assert list(json_stream(table)) == ['{"error": "JSON cannot encode a map with int32 keys"}']


def test_arrow_ipc_and_parquet_are_readable_by_pyarrow():
    read = pa.ipc.open_stream(arrow_ipc_bytes(VALUES)).read_all()
    assert read.schema == VALUES.schema
    assert read.drop_columns(["f"]).equals(VALUES.drop_columns(["f"]))  # NaN != NaN
    data = parquet_bytes(VALUES)
    assert pq.read_table(io.BytesIO(data)).column("n").to_pylist()[0] == Decimal("12.30")
    assert pq.ParquetFile(io.BytesIO(data)).metadata.row_group(0).column(0).compression == "SNAPPY"
    assert (
        parquet_filename(datetime.datetime(2026, 1, 2, 3, 4, 5))
        == "results_20260102_030405.parquet"
    )


def test_hash_ignores_row_order_and_sees_everything_else():
    table = pa.table({"a": [1, 2, 2], "b": ["x", "y", "y"]})
    digest = result_hash(table)
    assert len(digest) == 64 and digest == digest.upper()
    assert result_hash(table.take([2, 0, 1])) == digest
    assert result_hash(table.slice(0, 2)) != digest
    assert result_hash(table.rename_columns(["a", "c"])) != digest
    assert result_hash(pa.table({"a": [1, 2, 3], "b": ["x", "y", "y"]})) != digest


RELATION = table_of(
    "CREATE TABLE t (id INT, ts TIMESTAMP, v VARIANT, bin VARBINARY, m MAP<INT, VARCHAR>,"
    " s VARCHAR);"
)
DELTA = Delta(
    pa.table(
        {
            "id": pa.array([1, 2], pa.int32()),
            "ts": pa.array([1_704_103_200_500_000, None], pa.timestamp("us")),
            "v": ['{"a":[1,2]}', None],
            "bin": [b"\x0a\xff", None],
            "m": pa.array([[(1, "x")], None], pa.map_(pa.int32(), pa.string())),
            "s": ['a,"b"', "plain"],
        }
    ),
    [2, -1],
)


def test_json_data_puts_deletes_first_and_repeats_by_weight():
    (chunk,) = json_data_chunks(DELTA, RELATION)
    events = json.loads(chunk)
    assert [next(iter(e)) for e in events] == ["delete", "insert", "insert"]
    assert events[1]["insert"] == {
        "id": 1,
        "ts": "2024-01-01 10:00:00.500",
        "v": {"a": [1, 2]},
        "bin": [10, 255],
        "m": {"1": "x"},
        "s": 'a,"b"',
    }
    assert events[0]["delete"]["ts"] is None


def test_chunks_hold_at_most_the_limit_of_events():
    chunks = json_data_chunks(DELTA, RELATION, max_records=2)
    assert [len(json.loads(c)) for c in chunks] == [2, 1]


def test_csv_text_data_has_one_line_per_row_with_its_weight():
    (text,) = csv_text_chunks(DELTA, RELATION)
    assert text == (
        "2,,,,,plain,-1\n"
        '1,2024-01-01 10:00:00.500,"{""a"":[1,2]}",0aff,"{""1"":""x""}","a,""b""",2\n'
    )


def test_chunk_lines():
    assert chunk_line(0) == '{"sequence_number":0,"snapshot":false}\r\n'
    line = chunk_line(3, True, json_data="[]")
    assert line == '{"sequence_number":3,"snapshot":true,"json_data":[]}\r\n'
    assert json.loads(chunk_line(4, text_data="1,1\n"))["text_data"] == "1,1\n"
