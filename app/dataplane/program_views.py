"""A program prepared for evaluation: its catalog and each view translated for DataFusion."""

from __future__ import annotations

from dataclasses import dataclass

from app.dataplane.program import ViewDefinition
from app.dataplane.program import view_definitions
from app.dataplane.relations import ERROR_VIEW
from app.dataplane.relations import Catalog
from app.dataplane.relations import Relation
from app.dataplane.translate import Translation
from app.dataplane.translate import TranslationError
from app.dataplane.translate import translate_query


@dataclass(frozen=True)
class PreparedView:
    """One view: its schema entry (None for local views), DataFusion SQL or why there is none."""

    definition: ViewDefinition
    relation: Relation | None
    translation: Translation | None
    problem: str | None

    @property
    def name(self) -> str:
        """Canonical view name."""
        return self.definition.name


def _prepare(definition: ViewDefinition, relation: Relation | None) -> PreparedView:
    if definition.recursive:
        problem = "recursive views are not supported by pipeline-store's engine"
        return PreparedView(definition, relation, None, problem)
    try:
        return PreparedView(definition, relation, translate_query(definition.query), None)
    except TranslationError as err:
        return PreparedView(definition, relation, None, str(err))


@dataclass(frozen=True)
class Program:
    """Everything evaluation needs that depends only on the program (cache it per version)."""

    catalog: Catalog
    views: dict[str, PreparedView]

    @classmethod
    def prepare(cls, program_code: str, schema: dict) -> Program:
        """Read the schema (program_info.schema) and translate every view definition."""
        catalog = Catalog.from_schema(schema)
        outputs = {r.name: r for r in catalog.views}
        views = {
            d.name: _prepare(d, outputs.get(d.name))
            for d in view_definitions(program_code)
            if d.name != ERROR_VIEW
        }
        return cls(catalog, views)

    def adhoc_relations(self) -> list[Relation]:
        """Relations ad-hoc queries can name: every table and output view."""
        return [*self.catalog.tables, *self.catalog.views]
