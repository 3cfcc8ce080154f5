"""Tables and views of a compiled program, read from `program_info.schema`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from app.dataplane.identifiers import path_matches

# The compiler's system view: listed in `outputs`, never materialized, never holds our rows.
ERROR_VIEW = "error_view"


@dataclass(frozen=True)
class Column:
    """One column: canonical name, case rule, ColumnType and optional DEFAULT (SQL text)."""

    name: str
    case_sensitive: bool
    ctype: dict
    default: str | None = None
    lateness: str | None = None

    @property
    def nullable(self) -> bool:
        """Tell whether the column accepts NULL."""
        return bool(self.ctype.get("nullable", True))


@dataclass(frozen=True)
class Relation:
    """A table (input) or view (output) of the program."""

    name: str
    case_sensitive: bool
    columns: tuple[Column, ...]
    is_table: bool
    primary_key: tuple[str, ...] = ()
    materialized_flag: bool = False

    @property
    def materialized(self) -> bool:
        """Tell whether ad-hoc queries may read it (spec §4.2).

        Tables are materialized when flagged, or when they have a primary key none of whose
        columns carries LATENESS; views when declared CREATE MATERIALIZED VIEW.
        """
        if self.materialized_flag or not self.is_table or not self.primary_key:
            return self.materialized_flag
        lateness = {c.name for c in self.columns if c.lateness is not None}
        return not lateness.intersection(self.primary_key)

    @cached_property
    def key_indexes(self) -> tuple[int, ...]:
        """Positions of the primary-key columns, in key order (empty without a key)."""
        positions = {c.name: i for i, c in enumerate(self.columns)}
        return tuple(positions[name] for name in self.primary_key if name in positions)

    @property
    def column_names(self) -> list[str]:
        """Canonical column names in declaration order."""
        return [c.name for c in self.columns]


def _column(field: dict) -> Column:
    return Column(
        field["name"],
        bool(field.get("case_sensitive", False)),
        field["columntype"],
        field.get("default"),
        field.get("lateness"),
    )


def _relation(entry: dict, is_table: bool) -> Relation:
    return Relation(
        name=entry["name"],
        case_sensitive=bool(entry.get("case_sensitive", False)),
        columns=tuple(_column(f) for f in entry.get("fields", [])),
        is_table=is_table,
        primary_key=tuple(entry.get("primary_key") or ()),
        materialized_flag=bool(entry.get("materialized", False)),
    )


@dataclass(frozen=True)
class Catalog:
    """Every relation of a program: tables in declaration order, then views."""

    tables: tuple[Relation, ...]
    views: tuple[Relation, ...]

    @classmethod
    def from_schema(cls, schema: dict) -> Catalog:
        """Build from `program_info.schema` ({"inputs": [...], "outputs": [...]})."""
        tables = tuple(_relation(r, True) for r in schema.get("inputs", []))
        views = tuple(_relation(r, False) for r in schema.get("outputs", []))
        return cls(tables, views)

    @property
    def relations(self) -> tuple[Relation, ...]:
        """Tables then views."""
        return self.tables + self.views

    def relation(self, name: str) -> Relation | None:
        """Return the relation with this canonical name, if any."""
        return next((r for r in self.relations if r.name == name), None)

    def table_for_path(self, written: str) -> Relation | None:
        """Return the table an ingress path segment reaches (spec §2.3), if any."""
        matches = (t for t in self.tables if path_matches(written, t.name, t.case_sensitive))
        return next(matches, None)

    def relation_for_path(self, written: str) -> Relation | None:
        """Return the table or view an egress path segment reaches, if any."""
        return next(
            (r for r in self.relations if path_matches(written, r.name, r.case_sensitive)), None
        )
