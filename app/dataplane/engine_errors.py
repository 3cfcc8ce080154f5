"""Turn DataFusion's exception texts into the texts upstream's ad-hoc queries report."""

from __future__ import annotations

import re

from app.dataplane.errors import DataplaneError
from app.dataplane.errors import adhoc_query_error

# sqlparser errors reach Python as `SQL error: ParserError("...")` (Rust's Debug form);
# upstream shows their Display form, `sql parser error: ...`.
_SQL_ERROR = re.compile(r'^SQL error: (?:ParserError|TokenizerError)\("(.*)"\)$', re.DOTALL)
_RUST_ESCAPES = re.compile(r"\\(.)", re.DOTALL)
_ESCAPED = {"n": "\n", "t": "\t", "r": "\r"}


class ViewError(Exception):
    """A view the engine cannot evaluate; `text` says why."""

    def __init__(self, name: str, reason: str):
        self.name = name
        self.text = f"pipeline-store cannot evaluate view `{name}`: {reason}"
        super().__init__(self.text)


def _unescape(text: str) -> str:
    return _RUST_ESCAPES.sub(lambda m: _ESCAPED.get(m.group(1), m.group(1)), text)


def engine_text(err: BaseException, planning: bool = True) -> str:
    """Return the DataFusion error text as upstream words it.

    Upstream drops `External error: ` from errors raised while parsing or planning, and
    keeps execution errors' text as it is; the Python binding's own prefix always goes.
    """
    text = str(err)
    if text.startswith("DataFusion error: "):
        text = text[len("DataFusion error: ") :]
    match = _SQL_ERROR.match(text)
    if match is not None:
        return "sql parser error: " + _unescape(match.group(1))
    return text.replace("External error: ", "") if planning else text


def adhoc_error(err: BaseException, planning: bool = True) -> DataplaneError:
    """Wrap a DataFusion exception as upstream's AdHocQueryError."""
    return adhoc_query_error(engine_text(err, planning))


def non_materialized_error(name: str) -> DataplaneError:
    """The error for a SELECT that reads a relation ad-hoc queries cannot see (spec §4.2)."""
    text = (
        "Execution error: Tried to SELECT from a non-materialized source. Make sure "
        f"`{name}` is configured as materialized: use `with ('materialized' = 'true')` for "
        "tables, or `create materialized view` for views"
    )
    return adhoc_query_error(text)
