"""SqlCompilerMessage construction: positions, snippets, and the problem exception."""

from __future__ import annotations

from app.compiler.lexer import SourceMap
from app.compiler.lexer import Token

PARSE_ERROR = "Error parsing SQL"
# Every positioned Calcite validation error (spec §1.4).
COMPILATION_ERROR = "Compilation error"
# Failure-injection directives (pipeline-store's own) keep the type older docs show.
SEMANTIC_ERROR = "Error in SQL statement"
CONNECTOR_ERROR = "ConnectorGenerationError"
NULLABLE_KEY_ERROR = "PRIMARY KEY cannot be nullable"
DUPLICATE_DECLARATION = "Duplicate declaration"
DUPLICATE_NAME = "Duplicate name"
NO_SUCH_COLUMN = "No such column"
NOT_SUPPORTED = "Not supported"
# Trailers the compiler adds when it stops after errors it reported without throwing.
ABORTING = "aborting."
STOPPING = "Stopping compilation due to errors"
_GUTTER = 6  # "    2|": the line number right-aligned in 5, then "|"
_ELIDE = 5  # multi-line ranges this long or longer print only their first two and last line


class SqlProblem(Exception):
    """A compiler message; raised to stop compilation, or collected to report and go on.

    `start`/`end` are character offsets of the range (end exclusive); None means no known
    position. `prefixed` problems are Calcite validation errors, whose text gets the
    "From line ..."/"At line ..." prefix.
    """

    def __init__(
        self,
        error_type: str,
        message: str,
        start: int | None,
        end: int | None,
        *,
        prefixed: bool = False,
        warning: bool = False,
    ):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.start = start
        self.end = end
        self.prefixed = prefixed
        self.warning = warning


def validation_error(text: str, start: int, end: int) -> SqlProblem:
    """Build a Calcite validation error (`Compilation error` with a position prefix)."""
    return SqlProblem(COMPILATION_ERROR, text, start, end, prefixed=True)


def trailer(text: str) -> SqlProblem:
    """Build a position-less `Compilation error` entry such as "aborting."."""
    return SqlProblem(COMPILATION_ERROR, text, None, None)


def program_lines(source: SourceMap) -> int:
    """Number of lines of the program; a final newline adds no empty line."""
    count = source.line_count
    if count > 1 and source.line_starts[-1] == len(source.text):
        count -= 1
    return count


def _line(source: SourceMap, number: int) -> str:
    return f"{number:5}|{source.line_text(number)}\n"


def snippet(source: SourceMap, pos: dict) -> str:
    """Render the compiler's snippet for a position (spec §1.3)."""
    first, last = pos["start_line_number"], pos["end_line_number"]
    lines = program_lines(source)
    if first < 1 or first > lines:
        return ""
    if first == last:
        out = [_line(source, first - 1)] if first == lines and lines > 1 else []
        out.append(_line(source, first))
        width = pos["end_column"] - pos["start_column"] + 1
        out.append(" " * (pos["start_column"] - 1 + _GUTTER) + "^" * max(1, width) + "\n")
        if first < lines:
            out.append(_line(source, first + 1))
        return "".join(out)
    last = min(last, lines)
    if last - first < _ELIDE:
        return "".join(_line(source, n) for n in range(first, last + 1))
    return _line(source, first) + _line(source, first + 1) + "      ...\n" + _line(source, last)


_NO_POSITION = {"start_line_number": 0, "start_column": 0, "end_line_number": 0, "end_column": 0}


def message_at(
    source: SourceMap,
    error_type: str,
    text: str,
    start: int | None,
    end: int | None,
    warning: bool = False,
    prefixed: bool = False,
) -> dict:
    """Build a SqlCompilerMessage for the characters [start, end) of the program."""
    if start is None or end is None:
        no_position = {"warning": warning, "error_type": error_type, "message": text}
        return {**_NO_POSITION, **no_position, "snippet": ""}
    pos = source.span(start, end)
    if prefixed:
        text = position_prefix(pos) + text
    return {
        **pos,
        "warning": warning,
        "error_type": error_type,
        "message": text,
        "snippet": snippet(source, pos),
    }


def position_prefix(pos: dict) -> str:
    """Return Calcite's "From line l, column c to line l2, column c2: " (or "At line ...")."""
    start = (pos["start_line_number"], pos["start_column"])
    end = (pos["end_line_number"], pos["end_column"])
    if start == end:
        return f"At line {start[0]}, column {start[1]}: "
    return f"From line {start[0]}, column {start[1]} to line {end[0]}, column {end[1]}: "


def encountered(source: SourceMap, tok: Token | None, expected: str = "") -> SqlProblem:
    """Build a Calcite-style "Encountered ..." parse error at `tok` (None means end of input)."""
    if tok is None:
        offset = len(source.text.rstrip())
        line, col = source.line_col(max(0, offset - 1))
        text = f'Encountered "<EOF>" at line {line}, column {col}.'
        start, end = max(0, offset - 1), offset
    else:
        line, col = source.line_col(tok.start)
        text = f'Encountered "{tok.text}" at line {line}, column {col}.'
        start, end = tok.start, tok.end
    if expected:
        text += f"\nWas expecting: {expected}"
    return SqlProblem(PARSE_ERROR, text, start, end)


def problem_message(source: SourceMap, problem: SqlProblem) -> dict:
    """Turn a SqlProblem into a message dict."""
    return message_at(
        source,
        problem.error_type,
        problem.message,
        problem.start,
        problem.end,
        warning=problem.warning,
        prefixed=problem.prefixed,
    )
