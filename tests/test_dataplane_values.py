"""Values: JSON and CSV text into cells, per SQL type and flavor, and cells to Arrow and back."""

import datetime
import json
import warnings
from decimal import Decimal

import pyarrow as pa
import pytest

from app.dataplane.arrow_cells import arrow_to_rows
from app.dataplane.arrow_cells import rows_to_arrow
from app.dataplane.cells import CellError
from app.dataplane.json_values import bulk_json_converter
from app.dataplane.json_values import json_converter
from app.dataplane.text_values import bulk_text_converter
from app.dataplane.text_values import text_converter
from tests.dataplane_helpers import table_of


def ctype(sql_type: str) -> dict:
    """The ColumnType the compiler gives `sql_type`."""
    return table_of(f"CREATE TABLE t (c {sql_type});").columns[0].ctype


def convert(sql_type: str, value, flavor: str = "default"):
    return json_converter(ctype(sql_type), flavor)(value)


def refusal(sql_type: str, value, flavor: str = "default") -> str:
    with pytest.raises(CellError) as caught:
        convert(sql_type, value, flavor)
    return str(caught.value)


@pytest.mark.parametrize(
    ("sql_type", "value", "cell"),
    [
        ("TINYINT", -128, -128),
        ("BIGINT", 2**63 - 1, 2**63 - 1),
        ("BIGINT UNSIGNED", 2**64 - 1, 2**64 - 1),
        ("DOUBLE", 3, 3.0),
        ("DOUBLE", 1.5, 1.5),
        ("REAL", 0.1, 0.10000000149011612),  # rounded to single precision, as Arrow stores it
        ("DECIMAL(5, 2)", 1.5, "1.50"),
        ("DECIMAL(5, 2)", "-0.004", "0.00"),
        ("DECIMAL(5, 2)", Decimal("123.456"), "123.46"),
        ("DECIMAL(5, 2)", 7, "7.00"),
        ("VARCHAR", "héllo", "héllo"),
        ("BOOLEAN", True, True),
        ("DATE", "2024-01-02", 19724),
        ("TIME", "10:00:00.5", 36_000_500_000_000),
        ("TIMESTAMP", "2024-01-01 10:00:00.123456", 1_704_103_200_123_456),
        ("TIMESTAMP", "1969-12-31 23:59:59", -1_000_000),
        ("UUID", "6F9619FF-8B86-D011-B42D-00C04FC964FF", "6f9619ff-8b86-d011-b42d-00c04fc964ff"),
        ("VARIANT", {"b": [1, 2.5], "a": None}, '{"a":null,"b":[1,2.5]}'),
        ("VARIANT", "x", '"x"'),
        ("VARBINARY", [0, 10, 255], "000aff"),
        ("INT ARRAY", [1, None, 3], [1, None, 3]),
        ("MAP<VARCHAR, INT>", {"z": 1, "a": 2}, [["a", 2], ["z", 1]]),
        ("MAP<INT, VARCHAR>", {"10": "x", "9": "y"}, [[9, "y"], [10, "x"]]),
        ("ROW(a INT, b VARCHAR)", {"B": "x", "a": 1}, [1, "x"]),
        ("ROW(a INT, b VARCHAR)", [1, "x", "ignored"], [1, "x"]),
        ("INT", None, None),
    ],
)
def test_json_values_become_cells(sql_type, value, cell):
    assert convert(sql_type, value) == cell


@pytest.mark.parametrize(
    ("sql_type", "value", "message"),
    [
        ("INT", "x", 'invalid type: string "x", expected i32'),
        ("INT", 1.5, "invalid type: floating point `1.5`, expected i32"),
        ("INT", Decimal("2.50"), "invalid type: floating point `2.5`, expected i32"),
        ("INT", Decimal("1E+3"), "invalid type: floating point `1000.0`, expected i32"),
        ("INT", 'a\u0001"b', 'invalid type: string "a\\u{1}\\"b", expected i32'),
        ("INT", True, "invalid type: boolean `true`, expected i32"),
        ("TINYINT", 300, "invalid value: integer `300`, expected i8"),
        ("INT UNSIGNED", -1, "invalid value: integer `-1`, expected u32"),
        ("INT NOT NULL", None, "invalid type: null, expected i32"),
        ("VARCHAR NOT NULL", None, "invalid type: null, expected a string"),
        ("VARCHAR", 5, "invalid type: integer `5`, expected a string"),
        ("BOOLEAN", "true", 'invalid type: string "true", expected a boolean'),
        ("DECIMAL(3, 2)", 12.5, "invalid value: `12.5`, expected DECIMAL(3, 2)"),
        ("DOUBLE", [1], "invalid type: sequence, expected f64"),
        ("TIMESTAMP", "2024-01-01T10:00:00", "invalid timestamp '2024-01-01T10:00:00'"),
        ("DATE", "2024-02-30", "invalid date '2024-02-30': day is out of range for month"),
        ("VARBINARY", [256], "invalid value: integer `256`, expected u8"),
        ("INT ARRAY", {"a": 1}, "invalid type: map, expected a sequence"),
    ],
)
def test_bad_json_values_get_serde_style_errors(sql_type, value, message):
    assert refusal(sql_type, value).startswith(message)


def test_pandas_flavor_spells_time_types_as_pandas_writes_them():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(
        {
            "ts": [pd.Timestamp("2024-01-01 10:00:00.123")],
            "d": [datetime.date(2024, 1, 2)],
            "tm": [datetime.time(10, 0, 0, 500000)],
        }
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas deprecates `epoch`, which the SDK still sends
        record = json.loads(frame.to_json(orient="records", date_format="epoch"))[0]
    assert convert("TIMESTAMP", record["ts"], "pandas") == 1_704_103_200_123_000
    assert convert("DATE", record["d"], "pandas") == 19724
    assert convert("DATE", "2024-01-02", "pandas") == 19724
    assert convert("TIME", record["tm"], "pandas") == 36_000_500_000_000
    assert "expected i64 milliseconds" in refusal("TIMESTAMP", "2024-01-01 10:00:00", "pandas")


@pytest.mark.parametrize(
    ("sql_type", "text", "cell"),
    [
        ("INT", "+42", 42),
        ("DOUBLE", "1e3", 1000.0),
        ("DOUBLE", "NaN", pytest.approx(float("nan"), nan_ok=True)),
        ("DECIMAL(6, 3)", "1.5", "1.500"),
        ("BOOLEAN", "false", False),
        ("TIMESTAMP", "2024-01-01 10:00:00", 1_704_103_200_000_000),
        ("VARIANT", '{"a": 1}', '{"a":1}'),
        ("VARBINARY", "ab", "6162"),
        ("VARCHAR", " spaced ", " spaced "),
    ],
)
def test_text_values_become_cells(sql_type, text, cell):
    assert text_converter(ctype(sql_type))(text) == cell


@pytest.mark.parametrize(
    ("sql_type", "text", "message"),
    [
        ("INT", " 1", "invalid digit found in string"),
        ("INT", "1_000", "invalid digit found in string"),
        ("TINYINT", "300", "number too large to fit in target type"),
        ("DOUBLE", "1.0.0", "invalid float literal"),
        ("BOOLEAN", "TRUE", "provided string was not `true` or `false`"),
        ("INT ARRAY", "[1]", "values of type ARRAY cannot be written as text"),
    ],
)
def test_bad_text_values_are_refused(sql_type, text, message):
    with pytest.raises(CellError, match=message.replace("[", r"\[")):
        text_converter(ctype(sql_type))(text)


@pytest.mark.parametrize(
    ("sql_type", "column"),
    [
        ("INT", [1, None, 3]),
        ("INT NOT NULL", [1, None]),
        ("TINYINT", [1, 200]),
        ("DOUBLE", [1, 2.5]),
        ("VARCHAR", ["a", 5]),
        ("BOOLEAN", [True, 1]),
        ("DECIMAL(4, 1)", [1, "2.25", None]),
    ],
)
def test_bulk_json_conversion_agrees_with_one_by_one(sql_type, column):
    one = json_converter(ctype(sql_type))
    try:
        expected = [one(v) for v in column]
    except CellError:
        expected = None
    assert bulk_json_converter(ctype(sql_type))(column) == expected


@pytest.mark.parametrize(
    ("sql_type", "column", "expected"),
    [
        ("INT", ("1", "-2", "+3"), [1, -2, 3]),
        ("INT", ("1", ""), [1, None]),
        ("INT NOT NULL", ("1", ""), None),
        ("INT", ("1", "x"), None),
        ("TINYINT", ("1", "128"), None),
        ("VARCHAR", ("a", ""), ["a", None]),
        ("VARCHAR NOT NULL", ("a", ""), ["a", ""]),
        ("DOUBLE", ("1.5", ""), [1.5, None]),
    ],
)
def test_bulk_text_conversion(sql_type, column, expected):
    assert bulk_text_converter(ctype(sql_type))(column) == expected


EVERY_TYPE = (
    "CREATE TABLE t (i INT NOT NULL, b BOOLEAN, r REAL, d DOUBLE, n DECIMAL(8, 3), s VARCHAR,"
    " bin VARBINARY, dt DATE, tm TIME, ts TIMESTAMP, u UUID, v VARIANT, a INT ARRAY,"
    " m MAP<VARCHAR, DOUBLE>, rw ROW(x INT, y TIMESTAMP), na DATE ARRAY, bm MAP<INT, VARBINARY>);"
)


def test_cells_survive_a_trip_through_arrow():
    table = table_of(EVERY_TYPE)
    rows = [
        (
            1, True, convert("REAL", 0.1), 2.5, "12.345", "s", "00ff", 19724, 36_000_000_123_000,
            1_704_103_200_123_456, "6f9619ff-8b86-d011-b42d-00c04fc964ff", '{"a":1}', [1, None],
            [["a", 1.5], ["b", None]], [7, 1_704_103_200_000_000], [19724, None], [[1, "0a"]],
        ),
        (2, *([None] * 16)),
    ]  # fmt: skip
    arrow = rows_to_arrow(table, rows)
    assert arrow.schema.field("n").type == pa.decimal128(8, 3)
    assert arrow.column("ts").to_pylist()[0] == datetime.datetime(2024, 1, 1, 10, 0, 0, 123456)
    assert arrow.column("bin").to_pylist()[0] == b"\x00\xff"
    assert arrow_to_rows(table, arrow) == rows
