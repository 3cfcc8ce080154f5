"""The `Unused column` warning and the schema's `"unused"` flags (spec §1.8).

Upstream's optimizer finds the input columns that the table's only consumer in the circuit
never reads. So nothing is reported for a table nothing reads, nor for one that feeds
several operators (two views, a self-join, an index, a LATENESS or WATERMARK column's
waterline, a materialized table's snapshot), and key columns are always kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from app.compiler.messages import SqlProblem
from app.compiler.parser import Statement

UNUSED_COLUMN = "Unused column"


@dataclass
class Reader:
    """A statement that reads relations: a view (`name`) or an index (`name` None)."""

    name: str | None
    output: bool  # False for a LOCAL view, which lives only while something reads it
    reads: list[str]  # relations read, once per reference
    used: set[tuple[str | None, str]] = field(default_factory=set)


def _live(readers: list[Reader]) -> list[Reader]:
    """Readers that end in an output: outputs, and local views some live reader reads."""
    local = {r.name: r for r in readers if not r.output}
    live = [r for r in readers if r.output]
    seen: set[str] = set()
    for reader in live:  # grows while iterating
        for name in reader.reads:
            if name in local and name not in seen:
                seen.add(name)
                live.append(local[name])
    return live


def unused_columns(tables: list[tuple[Statement, dict]], readers: list[Reader]) -> list[SqlProblem]:
    """Mark unused columns in the tables' schema fields and return the warnings, in order."""
    live = _live(readers)
    used = set().union(*(r.used for r in live))
    warnings = []
    for stmt, relation in tables:
        consumers = sum(r.reads.count(stmt.name) for r in live)
        timed = any(c.lateness is not None or c.watermark is not None for c in stmt.columns)
        exempt = consumers != 1 or relation["materialized"] or timed
        keys = set(relation.get("primary_key", []))
        for col, entry in zip(stmt.columns, relation["fields"], strict=True):
            unused = not (
                exempt
                or col.name in keys
                or (stmt.name, col.name) in used
                or (None, col.name) in used
            )
            entry["unused"] = unused
            if unused:
                text = f"Column '{col.name}' of table '{stmt.name}' is unused"
                warnings.append(
                    SqlProblem(UNUSED_COLUMN, text, col.start, col.decl_end, warning=True)
                )
    return warnings
