"""The SQL phase: parse the program, validate it, and build `program_info` or messages."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from dataclasses import field

from app.compiler.budget import Budget
from app.compiler.budget import check_nesting
from app.compiler.budget import check_size
from app.compiler.connector_checks import check_connectors
from app.compiler.connectors import ConnectorError
from app.compiler.connectors import Relation
from app.compiler.connectors import generate
from app.compiler.connectors import sql_name
from app.compiler.declarations import check_properties
from app.compiler.declarations import duplicate_declaration
from app.compiler.declarations import foreign_key_warnings
from app.compiler.declarations import lateness_warning
from app.compiler.declarations import materialized_view_warning
from app.compiler.declarations import table_column_problems
from app.compiler.infer import FALLBACK_TYPE
from app.compiler.lexer import Comment
from app.compiler.lexer import LexError
from app.compiler.lexer import SourceMap
from app.compiler.lexer import split_statements
from app.compiler.lexer import tokenize
from app.compiler.messages import ABORTING
from app.compiler.messages import CONNECTOR_ERROR
from app.compiler.messages import NOT_SUPPORTED
from app.compiler.messages import PARSE_ERROR
from app.compiler.messages import STOPPING
from app.compiler.messages import SqlProblem
from app.compiler.messages import message_at
from app.compiler.messages import problem_message
from app.compiler.messages import trailer
from app.compiler.messages import validation_error
from app.compiler.parser import Statement
from app.compiler.parser import StatementParser
from app.compiler.query_parser import parse_query
from app.compiler.rust_check import Udf
from app.compiler.scope import unknown_relation
from app.compiler.stream import canonical
from app.compiler.types import column_type
from app.compiler.types import relation_field
from app.compiler.udf import STUBS_HEADER
from app.compiler.udf import stub
from app.compiler.unparse import unparse
from app.compiler.unused import Reader
from app.compiler.unused import unused_columns
from app.compiler.view_columns import duplicate_columns
from app.compiler.views import Catalog
from app.compiler.views import analyze_query

_ERROR_VIEW_TYPE = column_type(False, precision=-1, type="VARCHAR")
ERROR_VIEW = {
    "name": "error_view",
    "case_sensitive": False,
    "fields": [
        {**relation_field(name, False, _ERROR_VIEW_TYPE), "unused": False}
        for name in ("table_or_view_name", "message", "metadata")
    ],
    "materialized": False,
}


@dataclass
class SqlResult:
    """Outcome of the SQL phase: program_info on success, and the compiler's messages.

    `reported` is sql_compilation.messages as upstream orders it (errors and warnings);
    `messages` are its errors only.
    """

    program_info: dict | None
    reported: list[dict]
    exit_code: int
    udfs: list[Udf] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)

    @property
    def messages(self) -> list[dict]:
        """The error messages (warnings left out)."""
        return [m for m in self.reported if not m["warning"]]

    @property
    def warnings(self) -> list[dict]:
        """The warnings."""
        return [m for m in self.reported if m["warning"]]


class _Stop(Exception):
    """Compilation ends after the statement being validated."""


class _Program:
    """Accumulates relations, types and functions while statements are validated in order."""

    def __init__(self, source: SourceMap, budget: Budget, user_types: dict):
        self.source = source
        self.budget = budget
        self.tables: list[tuple[Statement, dict]] = []
        self.views: list[tuple[Statement, dict]] = []
        self.declared_by: dict[str, Statement] = {}  # relation name: its CREATE statement
        self.catalog = Catalog({}, user_types)
        self.recursive: dict[str, list[dict]] = {}  # DECLARE RECURSIVE VIEW columns
        self.udfs: list[Statement] = []
        self.readers: list[Reader] = []
        self.options: dict[str, str] = {}  # SET options, upper-cased names
        self.reports: list[SqlProblem] = []

    @property
    def known(self) -> dict[str, list[dict]]:
        """Relations queries may read."""
        return self.catalog.relations

    def add(self, stmt: Statement) -> None:
        """Validate one statement: report problems, raise the one that stops compilation."""
        self.budget.check()
        for problem in stmt.problems:
            if not problem.warning:
                raise problem
            self.reports.append(problem)
        if stmt.unsupported is not None:
            raise SqlProblem(NOT_SUPPORTED, stmt.unsupported, stmt.start, stmt.end)
        if stmt.kind == "table":
            self._table(stmt)
        elif stmt.kind == "view":
            self._view(stmt)
        elif stmt.kind == "declare":
            fields = [relation_field(c.name, c.case_sensitive, c.ctype) for c in stmt.columns]
            self.recursive[stmt.name] = fields
            self.known[stmt.name] = fields
        elif stmt.kind == "function":
            self.catalog.functions[stmt.name] = (len(stmt.params), stmt.ctype)
            if not stmt.has_body:
                self.udfs.append(stmt)
        elif stmt.kind == "index":
            self._index(stmt)
        elif stmt.kind == "lateness":
            self.reports.extend(lateness_warning(stmt, self.known))
        elif stmt.kind == "query":
            self._raw_query(stmt)
        elif stmt.kind == "set":
            name, value = stmt.option
            self.options[name.upper()] = value.upper()

    def _claim(self, stmt: Statement) -> bool:
        """Record the relation's name; a name declared before is reported, and False returned."""
        previous = self.declared_by.get(stmt.name)
        if previous is not None:
            self.reports.extend(duplicate_declaration(stmt, previous))
            return False
        self.declared_by[stmt.name] = stmt
        return True

    def _query(self, stmt: Statement, reader: Reader | None = None) -> list[dict] | None:
        if stmt.parsed.problem is not None:
            raise stmt.parsed.problem
        result = analyze_query(stmt.parsed, self.catalog, self.budget)
        if reader is not None:
            reader.reads, reader.used = result.reads, result.used
        return result.fields

    def _raw_query(self, stmt: Statement) -> None:
        """INSERT INTO a table is a program's data; any other query is refused (spec §1.4)."""
        if stmt.tokens[0].is_word("INSERT"):
            self._query(stmt)
            return
        if stmt.parsed.problem is not None:
            raise stmt.parsed.problem
        shown = unparse(stmt.parsed.tree) or self.source.text[stmt.start : stmt.end]
        text = f"Raw 'SELECT' statements are not supported; did you forget to CREATE VIEW?: {shown}"
        raise SqlProblem(NOT_SUPPORTED, text, stmt.start, stmt.end)

    def _connectors(self, stmt: Statement, kind: str) -> None:
        prop = (stmt.properties or {}).get("connectors")
        if prop is not None:
            self.reports.extend(check_connectors(self.source, prop, kind, stmt.name))

    def _table(self, stmt: Statement) -> None:
        claimed = self._claim(stmt)
        problems, key = table_column_problems(stmt)
        if problems:
            self.reports.extend(problems)
            self.reports.append(trailer(ABORTING))
            raise _Stop
        self.reports.extend(foreign_key_warnings(stmt, self.known))
        check_properties(stmt, "table")
        self._connectors(stmt, "table")
        relation = {"name": stmt.name, "case_sensitive": stmt.case_sensitive, "fields": []}
        for col in stmt.columns:
            entry = relation_field(col.name, col.case_sensitive, col.ctype)
            for attr in ("default", "lateness", "watermark"):
                if getattr(col, attr) is not None:
                    entry[attr] = getattr(col, attr)
            if col.interned:
                entry["interned"] = True
            relation["fields"].append(entry)
        if key:
            relation["primary_key"] = key
        _properties(relation, stmt)
        flag = (stmt.properties or {}).get("materialized")
        relation["materialized"] = flag is not None and flag.value.strip().lower() == "true"
        relation["foreign_keys"] = stmt.foreign_keys
        if claimed:
            self.tables.append((stmt, relation))
            self.known[stmt.name] = relation["fields"]

    def _view(self, stmt: Statement) -> None:
        claimed = stmt.name in self.recursive or self._claim(stmt)
        check_properties(stmt, "view")
        self.reports.extend(materialized_view_warning(stmt))
        self._connectors(stmt, "view")
        reader = Reader(stmt.name, stmt.view_kind != "local", [])
        fields = self._query(stmt, reader) or []
        self.reports.extend(duplicate_columns(stmt))
        if stmt.column_names:
            fields = [
                relation_field(
                    name, cs, fields[i]["columntype"] if i < len(fields) else FALLBACK_TYPE
                )
                for i, (name, cs) in enumerate(stmt.column_names)
            ]
        # A recursive view keeps the column types its DECLARE gave.
        fields = self.recursive.get(stmt.name, fields)
        relation = {
            "name": stmt.name,
            "case_sensitive": stmt.case_sensitive,
            "fields": [{**f, "unused": False} for f in fields],
        }
        _properties(relation, stmt)
        relation["materialized"] = stmt.view_kind == "materialized"
        if not claimed:
            return
        self.readers.append(reader)
        if stmt.view_kind != "local":
            self.views.append((stmt, relation))
        self.known[stmt.name] = relation["fields"]

    def _index(self, stmt: Statement) -> None:
        name = canonical(stmt.target)[0]
        fields = self.known.get(name)
        if fields is None:
            raise unknown_relation(name, self.known, stmt.target.start, stmt.target.end)
        names = {f["name"] for f in fields}
        for column, tok in stmt.primary_key or []:
            if column not in names:
                text = f"Column '{column}' not found in table '{name}'"
                raise validation_error(text, tok.start, tok.end)
        # An index is one more consumer of what it indexes.
        used = {(name, column) for column, _ in stmt.primary_key or []}
        self.readers.append(Reader(None, True, [name], used))

    def finish(self) -> None:
        """Add the optimizer's warnings, then apply the SET options about warnings."""
        self.reports.extend(unused_columns(self.tables, self.readers))
        ignored = {
            name.removeprefix("FELDERA_IGNORE_WARNING_")
            for name, value in self.options.items()
            if name.startswith("FELDERA_IGNORE_WARNING_") and value in ("ON", "TRUE")
        }
        self.reports = [
            p
            for p in self.reports
            if not (p.warning and p.error_type.replace(" ", "_").upper() in ignored)
        ]
        if self.options.get("FELDERA_WARNINGS_ARE_ERRORS") in ("ON", "TRUE"):
            for problem in self.reports:
                problem.warning = False
            if self.reports:
                self.reports.append(trailer(STOPPING))

    def connectors(self) -> tuple[dict, dict]:
        """Build input/output connectors; a bad declaration raises SqlProblem."""
        relations = []
        for pairs, is_input in ((self.tables, True), (self.views, False)):
            for stmt, _ in pairs:
                prop = (stmt.properties or {}).get("connectors")
                if prop is not None:
                    written = sql_name(stmt.name, stmt.case_sensitive)
                    span = (prop.value_start, prop.value_end)
                    relations.append(Relation(stmt.name, written, prop.value, is_input, span))
        try:
            return generate(relations)
        except ConnectorError as err:
            raise SqlProblem(CONNECTOR_ERROR, str(err), *err.relation.span) from None

    def stubs(self) -> str:
        """Return the udf_stubs text: the fixed header plus one stub per body-less function."""
        return STUBS_HEADER + "".join(stub(f.name, f.params, f.ctype) for f in self.udfs)


def _properties(relation: dict, stmt: Statement) -> None:
    if stmt.properties is not None:
        relation["properties"] = {k: p.as_json() for k, p in stmt.properties.items()}


def _parse(tokens: list, source: SourceMap, budget: Budget) -> tuple[list[Statement], dict]:
    """Parse every statement (upstream parses the whole program before validating any)."""
    check_size(tokens)
    check_nesting(tokens)
    user_types: dict = {}
    statements = []
    for tokens_of_statement in split_statements(tokens):
        budget.check()
        problems: list[SqlProblem] = []
        stmt = StatementParser(tokens_of_statement, source, user_types, problems).parse()
        stmt.problems = problems
        if stmt.kind == "type":
            user_types[stmt.name] = stmt.ctype
        if stmt.kind in ("view", "query"):
            stmt.parsed = parse_query(source, stmt.query_start, stmt.query_end, budget)
        statements.append(stmt)
    return statements, user_types


def derive_program_info(program_code: str, budget: Budget | None = None) -> SqlResult:
    """Run the simulated SQL compiler over a program; BudgetExceeded when it is too big."""
    budget = budget or Budget()
    source = SourceMap(program_code)
    try:
        tokens, comments = tokenize(program_code)
    except LexError as err:
        message = message_at(source, PARSE_ERROR, err.message, err.start, err.end)
        return SqlResult(None, [message], 1, comments=err.comments)
    try:
        statements, user_types = _parse(tokens, source, budget)
    except SqlProblem as problem:
        # Like Calcite, a syntax error anywhere is the only message reported.
        return SqlResult(None, [problem_message(source, problem)], 1, comments=comments)
    program = _Program(source, budget, user_types)
    try:
        for stmt in statements:
            program.add(stmt)
    except SqlProblem as problem:
        program.reports.append(problem)
    except _Stop:
        pass
    else:
        if any(not p.warning for p in program.reports):
            program.reports.append(trailer(STOPPING))
        else:
            program.finish()
    udfs = [Udf(f.name, f.params) for f in program.udfs]
    reported = [problem_message(source, p) for p in program.reports]
    if any(not m["warning"] for m in reported):
        return SqlResult(None, reported, 1, udfs, comments)
    try:
        inputs, outputs = program.connectors()
    except SqlProblem as problem:
        message = {**problem_message(source, problem), "snippet": None}
        return SqlResult(None, [*reported, message], 0, udfs, comments)
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
    return SqlResult(copy.deepcopy(info), reported, 0, udfs, comments)
