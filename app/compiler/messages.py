"""SqlCompilerMessage construction: positions, snippets and the error exception."""

from __future__ import annotations

from app.compiler.lexer import SourceMap
from app.compiler.lexer import Token

PARSE_ERROR = "Error parsing SQL"
SEMANTIC_ERROR = "Error in SQL statement"
CONNECTOR_ERROR = "ConnectorGenerationError"
NULLABLE_KEY_ERROR = "PRIMARY KEY cannot be nullable"


class SqlProblem(Exception):
    """A compiler message raised from deep inside statement parsing."""

    def __init__(self, error_type: str, message: str, start: int, end: int):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.start = start
        self.end = end


def snippet(source: SourceMap, pos: dict) -> str:
    """Render the compiler-style snippet: the offending lines, carets, and one line of context."""
    first, last = pos["start_line_number"], pos["end_line_number"]
    if first < 1 or first > source.line_count:
        return ""
    out = []
    for line in range(first, min(last, source.line_count) + 1):
        out.append(f"{line:5}|{source.line_text(line)}\n")
        if line == first:
            width = pos["end_column"] - pos["start_column"] + 1 if first == last else 1
            out.append(" " * (5 + pos["start_column"]) + "^" * max(1, width) + "\n")
    following = min(last, source.line_count) + 1
    if following <= source.line_count:
        out.append(f"{following:5}|{source.line_text(following)}\n")
    return "".join(out)


def message_at(
    source: SourceMap, error_type: str, text: str, start: int, end: int, warning: bool = False
) -> dict:
    """Build a SqlCompilerMessage for the characters [start, end) of the program."""
    pos = source.span(start, end)
    return {
        **pos,
        "warning": warning,
        "error_type": error_type,
        "message": text,
        "snippet": snippet(source, pos),
    }


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
    """Turn a raised SqlProblem into a message dict."""
    return message_at(source, problem.error_type, problem.message, problem.start, problem.end)
