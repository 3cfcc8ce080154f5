"""Rewrite Feldera's TUMBLE and HOP table functions into plain subqueries DataFusion runs.

`TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), size [, offset]))` becomes `t` plus `window_start` and
`window_end` columns computed with `date_bin`; `HOP(..., slide, size [, offset])` repeats each
row once per window containing it, using `unnest(generate_series(...))`.
"""

from __future__ import annotations

from app.compiler.lexer import LexError
from app.compiler.lexer import Token
from app.compiler.lexer import tokenize

_ORIGIN = "TIMESTAMP '1970-01-01 00:00:00'"
_FUNCTIONS = ("TUMBLE", "HOP")
_POSITIONAL = {"TUMBLE": ("DATA", "TIMECOL", "SIZE", "OFFSET"),
               "HOP": ("DATA", "TIMECOL", "SLIDE", "SIZE", "OFFSET")}  # fmt: skip


class WindowError(ValueError):
    """A TUMBLE/HOP call the rewrite does not understand."""


def _closing(tokens: list[Token], open_index: int) -> int:
    """Return the index of the parenthesis closing tokens[open_index]."""
    depth = 0
    for i in range(open_index, len(tokens)):
        depth += tokens[i].is_op("(") - tokens[i].is_op(")")
        if depth == 0:
            return i
    raise WindowError("unbalanced parentheses in a window table function")


def _arguments(text: str, tokens: list[Token]) -> list[tuple[str | None, list[Token]]]:
    """Split call arguments on top-level commas: (name of a named argument, tokens)."""
    args: list[list[Token]] = [[]]
    depth = 0
    for tok in tokens:
        depth += tok.is_op("(") - tok.is_op(")")
        if tok.is_op(",") and depth == 0:
            args.append([])
        else:
            args[-1].append(tok)
    named = []
    for arg in args:
        if len(arg) > 2 and arg[0].kind == "ident" and arg[1].is_op("=>"):
            named.append((arg[0].value.upper(), arg[2:]))
        else:
            named.append((None, arg))
    return named


def _span(text: str, tokens: list[Token]) -> str:
    if not tokens:
        raise WindowError("missing argument to a window table function")
    return text[tokens[0].start : tokens[-1].end]


def _call(function: str, text: str, inner: list[Token]) -> str:
    """Return the subquery replacing one TUMBLE/HOP call (inner = tokens inside its parens)."""
    values: dict[str, list[Token]] = {}
    for i, (name, toks) in enumerate(_arguments(text, inner)):
        key = name or (_POSITIONAL[function][i] if i < len(_POSITIONAL[function]) else None)
        if key is None:
            raise WindowError(f"too many arguments to {function}")
        values[key] = toks
    data = values.get("DATA", [])
    if data and data[0].is_word("TABLE"):
        data = data[1:]
    timecol = values.get("TIMECOL", [])
    if len(timecol) < 4 or not timecol[0].is_word("DESCRIPTOR"):
        raise WindowError(f"{function} needs DESCRIPTOR(column) as its time column")
    relation, column = _span(text, data), _span(text, timecol[2:-1])
    size = _span(text, values.get("SIZE", []))
    origin = _ORIGIN
    if "OFFSET" in values:
        origin = f"({_ORIGIN} + {_span(text, values['OFFSET'])})"
    if function == "TUMBLE":
        start = f"date_bin({size}, {column}, {origin})"
        return (
            f"(SELECT *, {start} AS window_start, {start} + {size} AS window_end FROM {relation})"
        )
    slide = _span(text, values.get("SLIDE", []))
    first = f"date_bin({slide}, {column} - {size}, {origin}) + {slide}"
    last = f"date_bin({slide}, {column}, {origin})"
    starts = f"unnest(generate_series({first}, {last}, {slide}))"
    return (
        f"(SELECT *, window_start + {size} AS window_end FROM "
        f"(SELECT *, {starts} AS window_start FROM {relation}))"
    )


def rewrite_windows(sql: str) -> str:
    """Replace every `TABLE(TUMBLE(...))` / `TABLE(HOP(...))` in a query by a subquery."""
    try:
        tokens, _ = tokenize(sql)
    except LexError as err:
        raise WindowError(err.message) from None
    for i in range(len(tokens) - 3):
        tok = tokens[i]
        if (
            tok.is_word("TABLE")
            and tokens[i + 1].is_op("(")
            and tokens[i + 2].is_word(*_FUNCTIONS)
            and tokens[i + 3].is_op("(")
        ):
            outer_end = _closing(tokens, i + 1)
            inner_end = _closing(tokens, i + 3)
            function = tokens[i + 2].value.upper()
            replacement = _call(function, sql, tokens[i + 4 : inner_end])
            rewritten = sql[: tok.start] + replacement + sql[tokens[outer_end].end :]
            return rewrite_windows(rewritten)  # the next call, if any
    return sql
