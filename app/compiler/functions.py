"""Feldera's built-in SQL functions: the names the compiler knows, and fixed argument counts."""

from __future__ import annotations

from app.compiler.lexer import Token
from app.compiler.messages import SqlProblem
from app.compiler.messages import validation_error

# Aggregate and window functions (their arguments are not "grouped" expressions).
AGGREGATES = frozenset(
    """
    COUNT SUM AVG MIN MAX ARRAY_AGG ARG_MAX ARG_MIN BIT_AND BIT_OR BIT_XOR BOOL_AND BOOL_OR
    EVERY SOME STDDEV STDDEV_POP STDDEV_SAMP VAR_POP VAR_SAMP VARIANCE COUNTIF LOGICAL_AND
    LOGICAL_OR ANY_VALUE GROUPING LAG LEAD RANK DENSE_RANK ROW_NUMBER FIRST_VALUE LAST_VALUE
    NTILE PERCENT_RANK CUME_DIST MAP_AGG COLLECT
    """.split()
)
# Every other function a Feldera program may call (as sqlglot leaves unknown names: upper case).
SCALARS = frozenset(
    """
    ABS ACOS ACOSH ASIN ASINH ATAN ATAN2 ATANH BROUND CBRT CEIL CEILING COS COSH COT COTH CSC
    CSCH DEGREES EXP FLOOR IS_INF IS_NAN LN LOG LOG10 MOD PI POWER POW RADIANS RAND ROUND SEC
    SECH SIGN SIN SINH SQRT TAN TANH TRUNC TRUNCATE
    ASCII CHAR_LENGTH CHARACTER_LENGTH CHR CONCAT CONCAT_WS INITCAP INITCAP_SPACES LEFT LENGTH
    LOWER LPAD LTRIM MD5 OCTET_LENGTH OVERLAY POSITION REGEXP_REPLACE REGEXP_EXTRACT REPEAT
    REPLACE REVERSE RIGHT RLIKE RPAD RTRIM SPLIT SPLIT_PART STARTS_WITH ENDS_WITH SUBSTR
    SUBSTRING SUBSTRING_INDEX TRANSLATE TRIM UPPER TO_HEX FROM_HEX GUNZIP LOCATE INSTR STRPOS
    CURRENT_DATE CURRENT_TIMESTAMP CURRENT_TIME NOW DATE_TRUNC TIMESTAMP_TRUNC TIME_TRUNC
    DATE_PART DATEDIFF DATEADD DATE_ADD DATE_SUB DATE_DIFF EXTRACT YEAR QUARTER MONTH WEEK DAY
    DAYOFMONTH DAYOFWEEK DAYOFYEAR DOW DOY HOUR MINUTE SECOND MILLISECOND MICROSECOND EPOCH
    CENTURY DECADE MILLENNIUM ISODOW ISOYEAR TIMESTAMPADD TIMESTAMPDIFF TIMESTAMP_ADD
    TIMESTAMP_DIFF TIMESTAMP_SUB FORMAT_DATE FORMAT_TIMESTAMP FORMAT_TIME PARSE_DATE
    PARSE_TIMESTAMP PARSE_TIME MAKE_DATE MAKE_TIMESTAMP MAKE_TIME DATE_FROM_UNIX_DATE UNIX_DATE
    TIMESTAMP_SECONDS TIMESTAMP_MILLIS TIMESTAMP_MICROS UNIX_SECONDS UNIX_MILLIS UNIX_MICROS
    TO_TIMESTAMP CONVERT_TIMEZONE LAST_DAY NEXT_DAY
    TUMBLE HOP SESSION DESCRIPTOR
    ARRAY ARRAY_APPEND ARRAY_COMPACT ARRAY_CONCAT ARRAY_CONTAINS ARRAY_DISTINCT ARRAY_EXCEPT
    ARRAY_EXISTS ARRAY_INSERT ARRAY_INTERSECT ARRAY_JOIN ARRAY_LENGTH ARRAY_MAX ARRAY_MIN
    ARRAY_POSITION ARRAY_PREPEND ARRAY_REMOVE ARRAY_REPEAT ARRAY_REVERSE ARRAY_SIZE
    ARRAY_TO_STRING ARRAY_UNION ARRAYS_OVERLAP ARRAYS_ZIP CARDINALITY ELEMENT SORT_ARRAY
    TRANSFORM FILTER EXISTS SEQUENCE
    MAP MAP_CONTAINS_KEY MAP_KEYS MAP_VALUES
    PARSE_JSON TO_JSON VARIANTNULL TYPEOF
    COALESCE NULLIF IF IFNULL NVL GREATEST LEAST GREATEST_IGNORE_NULLS LEAST_IGNORE_NULLS
    CAST SAFE_CAST TRY_CAST ROW UNNEST BLACKBOX HASH UUID WRITELOG CONNECTOR_METADATA BIN2UTF8
    """.split()
)
# Built-ins with a single form: a call with another argument count is Calcite's
# "Invalid number of arguments" (spec §1.5).
FIXED_ARITY = {
    **dict.fromkeys(
        """
        UPPER LOWER INITCAP CHAR_LENGTH CHARACTER_LENGTH OCTET_LENGTH ASCII CHR ABS SQRT EXP LN
        LOG10 SIN COS TAN COT ASIN ACOS ATAN DEGREES RADIANS CARDINALITY ELEMENT MD5
        """.split(),
        1,
    ),
    **dict.fromkeys("ATAN2 POWER MOD REPEAT".split(), 2),
    "REPLACE": 3,
}


def is_builtin(name: str) -> bool:
    """Tell whether `name` (any case) is a function Feldera provides."""
    upper = name.upper()
    return upper in SCALARS or upper in AGGREGATES


def check_argument_counts(tokens: list[Token], offset: int) -> SqlProblem | None:
    """Find the first call of a fixed-arity built-in with the wrong number of arguments.

    `tokens` are a query's, their offsets relative to `offset` in the program.
    """
    closing: dict[int, int] = {}
    commas: dict[int, int] = {}
    stack: list[int] = []
    for i, tok in enumerate(tokens):
        if tok.is_op("(", "[", "{"):
            stack.append(i)
            commas[i] = 0
        elif tok.is_op(")", "]", "}") and stack:
            closing[stack.pop()] = i
        elif tok.is_op(",") and stack:
            commas[stack[-1]] += 1
    for i, tok in enumerate(tokens[:-1]):
        expected = FIXED_ARITY.get(tok.value.upper()) if tok.kind == "ident" else None
        if expected is None or not tokens[i + 1].is_op("(") or i + 1 not in closing:
            continue
        if i > 0 and tokens[i - 1].is_op("."):
            continue
        close = closing[i + 1]
        given = 0 if close == i + 2 else commas[i + 1] + 1
        if given != expected:
            name = tok.value.upper()
            text = f"Invalid number of arguments to function '{name}'. "
            text += f"Was expecting {expected} arguments"
            return validation_error(text, offset + tok.start, offset + tokens[close].end)
    return None
