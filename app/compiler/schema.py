"""Derive `program_info` (schema, UDF stubs, connectors) from program_code, or SQL errors."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from dataclasses import field

from app.compiler.connectors import ConnectorError
from app.compiler.connectors import connectors_for
from app.compiler.infer import FALLBACK_TYPE
from app.compiler.lexer import Comment
from app.compiler.lexer import LexError
from app.compiler.lexer import SourceMap
from app.compiler.lexer import split_statements
from app.compiler.lexer import tokenize
from app.compiler.messages import CONNECTOR_ERROR
from app.compiler.messages import NULLABLE_KEY_ERROR
from app.compiler.messages import PARSE_ERROR
from app.compiler.messages import SEMANTIC_ERROR
from app.compiler.messages import SqlProblem
from app.compiler.messages import message_at
from app.compiler.messages import problem_message
from app.compiler.parser import Column
from app.compiler.parser import Statement
from app.compiler.parser import StatementParser
from app.compiler.types import column_type
from app.compiler.types import type_label
from app.compiler.udf import STUBS_HEADER
from app.compiler.udf import stub
from app.compiler.views import analyze_query

_ERROR_VIEW_TYPE = column_type(False, precision=-1, type="VARCHAR")
ERROR_VIEW = {
    "name": "error_view",
    "case_sensitive": False,
    "fields": [
        {"name": name, "case_sensitive": False, "columntype": _ERROR_VIEW_TYPE, "unused": False}
        for name in ("table_or_view_name", "message", "metadata")
    ],
    "materialized": False,
}


@dataclass
class SqlResult:
    """Outcome of the SQL phase: program_info on success, messages either way."""

    program_info: dict | None
    messages: list[dict]
    exit_code: int
    udf_names: list[str] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)


class _Program:
    """Accumulates relations, types and functions while statements are processed in order."""

    def __init__(self, source: SourceMap):
        self.source = source
        self.tables: list[tuple[Statement, dict]] = []
        self.views: list[tuple[Statement, dict]] = []
        self.known: dict[str, list[dict]] = {}  # relations queries may read
        self.declared: dict[str, list[dict]] = {}  # DECLARE RECURSIVE VIEW columns
        self.user_types: dict[str, dict] = {}
        self.udfs: list[Statement] = []
        self.used: set[tuple[str | None, str]] = set()
        self.problems: list[SqlProblem] = []

    def add(self, stmt: Statement) -> None:
        """Record one parsed statement; parse errors in view queries are raised."""
        if stmt.kind == "table":
            self._claim(stmt)
            relation = self._table(stmt)
            self.tables.append((stmt, relation))
            self.known[stmt.name] = relation["fields"]
        elif stmt.kind == "view":
            relation = self._view(stmt)
            if stmt.view_kind != "local":
                self.views.append((stmt, relation))
            self.known[stmt.name] = relation["fields"]
        elif stmt.kind == "declare":
            fields = [_field(c.name, c.case_sensitive, c.ctype) for c in stmt.columns]
            self.declared[stmt.name] = fields
            self.known[stmt.name] = fields
        elif stmt.kind == "type":
            self.user_types[stmt.name] = stmt.ctype
        elif stmt.kind == "function" and not stmt.has_body:
            self.udfs.append(stmt)
        elif stmt.kind == "query":
            self._query(stmt)

    def _claim(self, stmt: Statement) -> None:
        if stmt.name in self.known and stmt.name not in self.declared:
            tok = stmt.name_token
            text = f"Duplicate declaration of '{stmt.name}'"
            self.problems.append(SqlProblem(SEMANTIC_ERROR, text, tok.start, tok.end))

    def _query(self, stmt: Statement) -> list[dict] | None:
        result = analyze_query(
            self.source, stmt.query_start, stmt.query_end, self.known, self.user_types
        )
        for problem in result.problems:
            if problem.error_type == PARSE_ERROR:
                raise problem
        self.problems.extend(result.problems)
        self.used |= result.used
        return result.fields

    def _table(self, stmt: Statement) -> dict:
        names: dict[str, Column] = {}
        for col in stmt.columns:
            if col.name in names:
                text = f"Column '{col.name}' is declared twice in table '{stmt.name}'"
                self.problems.append(SqlProblem(SEMANTIC_ERROR, text, col.start, col.end))
            names.setdefault(col.name, col)
        key = [(c.name, None) for c in stmt.columns if c.primary_key]
        key += stmt.primary_key or []
        unique: dict[str, tuple] = {}
        for name, tok in key:
            unique.setdefault(name, (name, tok))
        key = list(unique.values())
        for name, tok in key:
            col = names.get(name)
            if col is None:
                text = f"Column '{name}' not found in table '{stmt.name}'"
                self.problems.append(SqlProblem(SEMANTIC_ERROR, text, tok.start, tok.end))
            elif col.ctype["nullable"]:
                label = type_label(col.ctype)
                text = f"PRIMARY KEY column '{name}' has type {label}, which is nullable"
                self.problems.append(SqlProblem(NULLABLE_KEY_ERROR, text, col.start, col.end))
        relation = {"name": stmt.name, "case_sensitive": stmt.case_sensitive, "fields": []}
        for col in stmt.columns:
            entry = _field(col.name, col.case_sensitive, col.ctype)
            for attr in ("default", "lateness", "watermark"):
                if getattr(col, attr) is not None:
                    entry[attr] = getattr(col, attr)
            if col.interned:
                entry["interned"] = True
            relation["fields"].append(entry)
        if key:
            relation["primary_key"] = list(dict.fromkeys(name for name, _ in key))
        _properties(relation, stmt)
        flag = (stmt.properties or {}).get("materialized")
        relation["materialized"] = flag is not None and flag.value.strip().lower() == "true"
        relation["foreign_keys"] = stmt.foreign_keys
        return relation

    def _view(self, stmt: Statement) -> dict:
        if stmt.name not in self.declared:
            self._claim(stmt)
        fields = self._query(stmt) or []
        if stmt.column_names:
            fields = [
                _field(name, cs, fields[i]["columntype"] if i < len(fields) else FALLBACK_TYPE)
                for i, (name, cs) in enumerate(stmt.column_names)
            ]
        # A recursive view keeps the column types its DECLARE gave.
        fields = self.declared.get(stmt.name, fields)
        relation = {
            "name": stmt.name,
            "case_sensitive": stmt.case_sensitive,
            "fields": [{**f, "unused": False} for f in fields],
        }
        _properties(relation, stmt)
        relation["materialized"] = stmt.view_kind == "materialized"
        return relation

    def finish_unused(self) -> None:
        """Mark table columns that no view reads."""
        for stmt, relation in self.tables:
            for entry in relation["fields"]:
                name = entry["name"]
                entry["unused"] = (stmt.name, name) not in self.used and (
                    None,
                    name,
                ) not in self.used

    def connectors(self) -> tuple[dict, dict]:
        """Build input/output connectors; a bad declaration raises SqlProblem."""
        inputs: dict[str, dict] = {}
        outputs: dict[str, dict] = {}
        for pairs, target, direction in (
            (self.tables, inputs, "input"),
            (self.views, outputs, "output"),
        ):
            for stmt, _ in pairs:
                prop = (stmt.properties or {}).get("connectors")
                if prop is None:
                    continue
                try:
                    target.update(connectors_for(stmt.name, stmt.written, prop.value, direction))
                except ConnectorError as err:
                    raise SqlProblem(
                        CONNECTOR_ERROR, str(err), prop.value_start, prop.value_end
                    ) from None
        return inputs, outputs

    def stubs(self) -> str:
        """Return the udf_stubs text: the fixed header plus one stub per body-less function."""
        return STUBS_HEADER + "".join(stub(f.name, f.params, f.ctype) for f in self.udfs)


def _field(name: str, case_sensitive: bool, ctype: dict) -> dict:
    return {"name": name, "case_sensitive": case_sensitive, "columntype": ctype}


def _properties(relation: dict, stmt: Statement) -> None:
    if stmt.properties is not None:
        relation["properties"] = {k: p.as_json() for k, p in stmt.properties.items()}


def derive_program_info(program_code: str) -> SqlResult:
    """Run the simulated SQL compiler over a program."""
    source = SourceMap(program_code)
    try:
        tokens, comments = tokenize(program_code)
    except LexError as err:
        message = message_at(source, PARSE_ERROR, err.message, err.start, err.end)
        return SqlResult(None, [message], 1, comments=err.comments)
    program = _Program(source)
    for statement in split_statements(tokens):
        problems: list[SqlProblem] = []
        try:
            stmt = StatementParser(statement, source, program.user_types, problems).parse()
            program.problems.extend(problems)
            program.add(stmt)
        except SqlProblem as problem:
            # Like Calcite, a syntax error anywhere is the only message reported.
            return SqlResult(None, [problem_message(source, problem)], 1, comments=comments)
    udf_names = [f.name for f in program.udfs]
    if program.problems:
        messages = [problem_message(source, p) for p in program.problems]
        return SqlResult(None, messages, 1, udf_names, comments)
    try:
        inputs, outputs = program.connectors()
    except SqlProblem as problem:
        message = {**problem_message(source, problem), "snippet": None}
        return SqlResult(None, [message], 0, udf_names, comments)
    program.finish_unused()
    info = {
        "schema": {
            "inputs": [relation for _, relation in program.tables],
            "outputs": [ERROR_VIEW, *(relation for _, relation in program.views)],
        },
        "udf_stubs": program.stubs(),
        "input_connectors": inputs,
        "output_connectors": outputs,
    }
    # Relations share type dicts with module constants; callers get a tree of their own.
    return SqlResult(copy.deepcopy(info), [], 0, udf_names, comments)
