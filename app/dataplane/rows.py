"""Decode one JSON row (object or positional array) of a table into a tuple of cells."""

from __future__ import annotations

from app.dataplane.cells import CellError
from app.dataplane.cells import invalid_type
from app.dataplane.defaults import NO_DEFAULT
from app.dataplane.defaults import default_cell
from app.dataplane.json_values import bulk_json_converter
from app.dataplane.json_values import json_converter
from app.dataplane.relations import Relation

# Marks a column an `update` leaves as it is.
UNCHANGED = object()
_MISSING = object()


class RowError(ValueError):
    """A row that does not decode; `field` names the offending column, if any."""

    def __init__(self, description: str, field: str | None = None):
        super().__init__(description)
        self.description = description
        self.field = field


class RowDecoder:
    """Turns JSON rows into cell tuples for one table, following Feldera's name rules."""

    def __init__(self, relation: Relation, flavor: str = "default"):
        self.relation = relation
        columns = relation.columns
        self.names = [c.name for c in columns]
        self.converters = [json_converter(c.ctype, flavor) for c in columns]
        self.fallbacks = [self._fallback(c) for c in columns]
        self.key_indexes = relation.key_indexes
        # Unquoted columns match any spelling; quoted ones only exactly.
        self.folded = {c.name.lower(): i for i, c in enumerate(columns) if not c.case_sensitive}
        self.sensitive = {c.name.lower(): c.name for c in columns if c.case_sensitive}
        self.exact = set(self.names)
        self._plan = list(zip(self.names, self.converters, self.fallbacks, strict=True))
        self._bulk = [bulk_json_converter(c.ctype, flavor) for c in columns]

    @staticmethod
    def _fallback(column) -> object:
        """Value of a missing column: its DEFAULT, NULL, or _MISSING (an error)."""
        default = default_cell(column.default, column.ctype)
        if default is not NO_DEFAULT:
            return default
        return None if column.nullable else _MISSING

    def row(self, value: object) -> tuple:
        """Decode a full row; raise RowError."""
        if isinstance(value, dict):
            return self._from_object(value)
        if isinstance(value, list):
            return self._from_array(value)
        raise RowError(str(invalid_type(value, f"struct {self.relation.name}")))

    def rows_bulk(self, values: list) -> list[tuple] | None:
        """Decode many object rows at once; None unless every row is plainly well-formed.

        The fast path needs every column under its exact name in every row; anything else
        (a positional row, another spelling, a default, a bad value) goes row by row.
        """
        try:
            columns = [[v[name] for v in values] for name in self.names]
        except (KeyError, TypeError):
            return None
        converted = []
        for column, bulk in zip(columns, self._bulk, strict=True):
            cells = bulk(column)
            if cells is None:
                return None
            converted.append(cells)
        return list(zip(*converted, strict=True))

    def key_row(self, value: object) -> tuple:
        """Decode the primary-key columns of a row; the others are None (for deletes)."""
        cells = self._partial(value)
        return tuple(None if c is UNCHANGED else c for c in cells)

    def partial_row(self, value: object) -> tuple:
        """Decode an `update`: key columns required, absent columns UNCHANGED."""
        return self._partial(value)

    def _from_object(self, obj: dict) -> tuple:
        cells = []
        append = cells.append
        get = obj.get
        for name, convert, fallback in self._plan:
            value = get(name, _MISSING)
            if value is _MISSING:
                value = self._lookup(obj, name)
                if value is _MISSING:
                    if fallback is _MISSING:
                        raise RowError(f"missing field `{name}`")
                    append(fallback)
                    continue
            try:
                append(convert(value))
            except CellError as err:
                raise RowError(f"error parsing field '{name}': {err}", name) from None
        return tuple(cells)

    def _lookup(self, obj: dict, name: str) -> object:
        """Find a column under another spelling; refuse a miscased quoted column."""
        folded = name.lower()
        for key, value in obj.items():
            if key.lower() != folded or key in self.exact:
                continue
            if folded in self.sensitive and key != self.sensitive[folded]:
                raise RowError(
                    f"incorrect case-sensitive field name: expected: {name}, found: {key}"
                )
            if self.folded.get(folded) is not None:
                return value
        return _MISSING

    def _from_array(self, values: list) -> tuple:
        if len(values) < len(self.names):
            raise RowError(
                f"invalid length {len(values)}, expected a sequence of {len(self.names)} elements"
            )
        cells = []
        for (name, convert, _), value in zip(self._plan, values, strict=False):
            try:
                cells.append(convert(value))
            except CellError as err:
                raise RowError(f"error parsing field '{name}': {err}", name) from None
        return tuple(cells)

    def _partial(self, value: object) -> tuple:
        if isinstance(value, list):
            return self._from_array(value)
        if not isinstance(value, dict):
            raise RowError(str(invalid_type(value, f"struct {self.relation.name}")))
        cells = []
        for i, (name, convert, _) in enumerate(self._plan):
            found = value.get(name, _MISSING)
            if found is _MISSING:
                found = self._lookup(value, name)
            if found is _MISSING:
                if i in self.key_indexes:
                    raise RowError(f"missing field `{name}`")
                cells.append(UNCHANGED)
                continue
            try:
                cells.append(convert(found))
            except CellError as err:
                raise RowError(f"error parsing field '{name}': {err}", name) from None
        return tuple(cells)
