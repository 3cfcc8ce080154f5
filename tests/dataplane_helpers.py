"""Build data-plane objects from SQL programs the simulated compiler accepts."""

from app.compiler.program_info import derive_program_info
from app.dataplane.arrow_cells import rows_to_arrow
from app.dataplane.engine import Snapshot
from app.dataplane.program_views import Program
from app.dataplane.relations import Catalog
from app.dataplane.relations import Relation


def schema_of(sql: str) -> dict:
    """Compile `sql` (it must compile) and return program_info.schema."""
    result = derive_program_info(sql)
    assert result.program_info is not None, result.messages
    return result.program_info["schema"]


def catalog_of(sql: str) -> Catalog:
    """The catalog of a program."""
    return Catalog.from_schema(schema_of(sql))


def table_of(sql: str, name: str = "t") -> Relation:
    """One table of a program."""
    relation = catalog_of(sql).relation(name)
    assert relation is not None and relation.is_table
    return relation


def program_of(sql: str) -> Program:
    """A program prepared for evaluation."""
    return Program.prepare(sql, schema_of(sql))


def snapshot_of(sql: str, rows: dict[str, list[tuple]]) -> Snapshot:
    """A program evaluated over tables given as rows of cells."""
    program = program_of(sql)
    tables = {
        name: rows_to_arrow(program.catalog.relation(name), table_rows)
        for name, table_rows in rows.items()
    }
    return Snapshot(program, tables)
