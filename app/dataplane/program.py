"""The view definitions of a program: name, kind and query text, in declaration order."""

from __future__ import annotations

from dataclasses import dataclass

from app.compiler.lexer import LexError
from app.compiler.lexer import SourceMap
from app.compiler.lexer import split_statements
from app.compiler.lexer import tokenize
from app.compiler.messages import SqlProblem
from app.compiler.parser import StatementParser


@dataclass(frozen=True)
class ViewDefinition:
    """One `CREATE [MATERIALIZED | LOCAL] VIEW name [(columns)] AS query`."""

    name: str
    case_sensitive: bool
    kind: str  # normal, materialized or local
    query: str  # the Feldera SQL text after AS
    recursive: bool = False  # declared with DECLARE RECURSIVE VIEW


def view_definitions(program_code: str) -> list[ViewDefinition]:
    """Return every view of a program; statements that do not parse are skipped.

    Feldera requires a relation to be declared before it is read, so declaration order is an
    evaluation order, except for recursive views (declared ahead with DECLARE RECURSIVE VIEW).
    """
    try:
        tokens, _ = tokenize(program_code)
    except LexError:
        return []
    source = SourceMap(program_code)
    user_types: dict[str, dict] = {}
    declared: set[str] = set()
    views = []
    for statement in split_statements(tokens):
        try:
            stmt = StatementParser(statement, source, user_types, []).parse()
        except SqlProblem:
            continue
        if stmt.kind == "type" and stmt.ctype is not None:
            user_types[stmt.name] = stmt.ctype
        elif stmt.kind == "declare":
            declared.add(stmt.name)
        elif stmt.kind == "view":
            query = program_code[stmt.query_start : stmt.query_end]
            recursive = stmt.name in declared
            views.append(
                ViewDefinition(stmt.name, stmt.case_sensitive, stmt.view_kind, query, recursive)
            )
    return views
