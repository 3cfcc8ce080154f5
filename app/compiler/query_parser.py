"""Parse a query with sqlglot, tolerating Calcite-only syntax and rejecting plain breakage."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot import tokens as sqlglot_tokens
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError
from sqlglot.errors import TokenError

from app.compiler.budget import Budget
from app.compiler.budget import BudgetExceeded
from app.compiler.functions import check_argument_counts
from app.compiler.lexer import SourceMap
from app.compiler.lexer import Token
from app.compiler.lexer import tokenize
from app.compiler.messages import PARSE_ERROR
from app.compiler.messages import SqlProblem


class Feldera(Dialect):
    """sqlglot's default dialect with Calcite's FLOAT (= DOUBLE) and X'..' binary literals."""

    class Tokenizer(sqlglot_tokens.Tokenizer):
        KEYWORDS = {**sqlglot_tokens.Tokenizer.KEYWORDS, "FLOAT": sqlglot_tokens.TokenType.DOUBLE}
        HEX_STRINGS = [("x'", "'"), ("X'", "'")]


# Other dialects are only tried when the first one fails, to accept more Calcite syntax.
_DIALECTS = (Feldera, "trino", "postgres", "spark", "duckdb")
# Calcite/Feldera syntax no sqlglot dialect knows; a failed parse near these is not reported.
_TOLERATED = {"TUMBLE", "HOP", "SESSION", "DESCRIPTOR", "MATCH_CONDITION", "ASOF", "ARRAY"}
_TOLERATED |= {"MULTISET", "ROW", "MAP", "VARIANT", "LATENESS", "WATERMARK", "UNNEST"}
# Keywords that cannot end a query.
_CONTINUED = ("SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "JOIN", "ON", "BY", "UNION", "AS")
_CONTINUED += ("HAVING", "INTERSECT", "EXCEPT", "ALL", "DISTINCT", "IN", "IS", "LIKE", "CASE")
_DANGLING_OPS = (",", "(", "=", "<", ">", "+", "-", "*", "/")


@dataclass
class ParsedQuery:
    """A query's sqlglot tree (None when only Calcite-specific syntax defeated sqlglot), its
    tokens (offsets relative to `offset` in the program), and a problem found before parsing."""

    tree: exp.Expression | None
    tokens: list[Token]
    offset: int
    problem: SqlProblem | None = None


def _preprocess(text: str, toks: list[Token]) -> str:
    """Blank out Calcite-only syntax: TABLE arguments of table functions, ASOF joins."""
    blanks: list[tuple[int, int]] = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        prev = toks[i - 1] if i else None
        following = toks[i + 1] if i + 1 < len(toks) else None
        if tok.is_word("TABLE") and prev is not None and prev.is_op("(", ","):
            blanks.append((tok.start, tok.end))
        elif tok.is_word("ASOF") and following is not None and following.is_word("JOIN"):
            # An ASOF join reads like the plain join for column and type purposes.
            blanks.append((tok.start, tok.end))
        elif tok.is_word("MATCH_CONDITION") and following is not None and following.is_op("("):
            depth, j = 0, i + 1
            while j < len(toks):
                depth += toks[j].is_op("(") - toks[j].is_op(")")
                if depth == 0:
                    break
                j += 1
            blanks.append((tok.start, toks[min(j, len(toks) - 1)].end))
            i = j
        i += 1
    if not blanks:
        return text
    # One pass over the text: blanking piecewise would copy it once per blank.
    parts, last = [], 0
    for start, end in blanks:
        parts.append(text[last:start])
        parts.append(re.sub(r"[^\n]", " ", text[start:end]))
        last = end
    parts.append(text[last:])
    return "".join(parts)


def _drop_command_fallback(record: logging.LogRecord) -> bool:
    """Logging filter: a failed parse is already handled here, so sqlglot need not warn."""
    return "Falling back to parsing as a 'Command'" not in record.getMessage()


logging.getLogger("sqlglot").addFilter(_drop_command_fallback)


def _parse_any(text: str, budget: Budget) -> tuple[exp.Expression | None, Exception | None]:
    first_error: Exception | None = None
    for dialect in _DIALECTS:
        budget.check()
        try:
            tree = sqlglot.parse_one(text, read=dialect)
        except RecursionError:
            # A safety net behind budget.check_nesting: sqlglot recurses per nesting level.
            raise BudgetExceeded(
                "The program nests expressions too deeply for pipeline-store's simulated compiler.",
                "nesting",
            ) from None
        except (ParseError, TokenError) as err:
            first_error = first_error or err
            continue
        if isinstance(tree, (exp.Query, exp.Values, exp.Insert)):
            return tree, None
        # sqlglot turns what it cannot parse into an opaque Command: that is a failure too.
        first_word = text.split(maxsplit=1)[0] if text.strip() else ""
        info = {"description": "Expected a query", "line": 1, "col": len(first_word)}
        first_error = first_error or ParseError("", errors=[{**info, "highlight": first_word}])
    return None, first_error


def _parse_problem(err: Exception, source: SourceMap, start: int, text: str) -> SqlProblem:
    info = err.errors[0] if isinstance(err, ParseError) and err.errors else {}
    line, col, highlight = info.get("line", 1), info.get("col", 1), info.get("highlight") or ""
    local = SourceMap(text)
    end = min(local.line_starts[min(line, local.line_count) - 1] + col, len(text))
    begin = start + max(0, end - max(len(highlight), 1))
    abs_line, abs_col = source.line_col(begin)
    description = re.sub(r"<class '[\w.]+\.(\w+)'>", r"\1", info.get("description", str(err)))
    shown = highlight or "<EOF>"
    message = f'Encountered "{shown}" at line {abs_line}, column {abs_col}.\n{description}'
    return SqlProblem(PARSE_ERROR, message, begin, start + max(end, 1))


def parse_query(source: SourceMap, start: int, end: int, budget: Budget) -> ParsedQuery:
    """Parse source[start:end]. A plainly broken query raises its parse error; a query that
    only Calcite-specific syntax defeats has no tree; a validation error found before parsing
    (a built-in called with the wrong number of arguments) is returned as `problem`."""
    text = source.text[start:end]
    toks, _ = tokenize(text)
    last = toks[-1]
    if last.is_op(*_DANGLING_OPS) or last.is_word(*_CONTINUED):
        # sqlglot accepts some truncated queries (a bare trailing SELECT); Calcite does not.
        line, col = source.line_col(start + last.end - 1)
        message = f'Encountered "<EOF>" at line {line}, column {col}.'
        raise SqlProblem(PARSE_ERROR, message, start + last.start, end)
    # sqlglot refuses such calls with a message of its own; Calcite parses them, then
    # reports the count when it validates the view.
    problem = check_argument_counts(toks, start)
    if problem is not None:
        return ParsedQuery(None, toks, start, problem)
    tree, error = _parse_any(_preprocess(text, toks), budget)
    if tree is not None:
        return ParsedQuery(tree, toks, start)
    if any(t.kind == "ident" and t.value.upper() in _TOLERATED for t in toks):
        return ParsedQuery(None, toks, start)
    raise _parse_problem(error, source, start, text)
