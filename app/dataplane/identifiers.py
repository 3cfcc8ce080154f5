"""Feldera's identifier rules: canonical names, path-name matching, quoting for DataFusion."""

from __future__ import annotations


def canonical_name(written: str) -> tuple[str, bool]:
    """Return (canonical name, case_sensitive): `"Foo"` keeps `Foo`, unquoted `Foo` is `foo`."""
    if len(written) >= 2 and written.startswith('"') and written.endswith('"'):
        return written[1:-1].replace('""', '"'), True
    return written.lower(), False


def path_matches(written: str, name: str, case_sensitive: bool) -> bool:
    """Tell whether a URL path segment reaches the relation `name` (spec §2.3).

    Quoted path names match the canonical name exactly. An unquoted path name reaches an
    unquoted relation case-insensitively, but a quoted relation only when spelled identically.
    """
    canonical, quoted = canonical_name(written)
    if quoted:
        return canonical == name
    if case_sensitive:
        return written == name
    return canonical == name


def quote_identifier(name: str) -> str:
    """Quote a canonical name so DataFusion (and Feldera) read it back unchanged."""
    return '"' + name.replace('"', '""') + '"'


def sql_name(name: str, case_sensitive: bool) -> str:
    """Return the name as a program would write it: quoted only when case-sensitive."""
    return quote_identifier(name) if case_sensitive else name
