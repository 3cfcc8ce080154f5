"""Token-level view columns for queries that no sqlglot dialect can parse."""

from __future__ import annotations

from app.compiler.infer import FALLBACK_TYPE
from app.compiler.lexer import Token
from app.compiler.stream import canonical
from app.compiler.types import relation_field


def _split_top_level(tokens: list[Token]) -> list[list[Token]]:
    """Split tokens on commas outside parentheses."""
    items: list[list[Token]] = [[]]
    depth = 0
    for tok in tokens:
        if tok.is_op("(", "[", "{"):
            depth += 1
        elif tok.is_op(")", "]", "}"):
            depth -= 1
        if depth == 0 and tok.is_op(","):
            items.append([])
        else:
            items[-1].append(tok)
    return [item for item in items if item]


def _select_list(tokens: list[Token]) -> tuple[list[Token], Token | None]:
    """Return the tokens of the first top-level SELECT list and the token after its FROM."""
    depth, start = 0, None
    for i, tok in enumerate(tokens):
        if tok.is_op("("):
            depth += 1
        elif tok.is_op(")"):
            depth -= 1
        elif depth == 0 and tok.is_word("SELECT") and start is None:
            start = i + 1
        elif depth == 0 and tok.is_word("FROM") and start is not None:
            following = tokens[i + 1] if i + 1 < len(tokens) else None
            return tokens[start:i], following
    return (tokens[start:] if start is not None else []), None


def fallback_query(
    tokens: list[Token], relations: dict[str, list[dict]]
) -> tuple[list[dict], set[tuple[str | None, str]]]:
    """Guess output columns from the select list; every identifier counts as a used column."""
    used = {(None, canonical(t)[0]) for t in tokens if t.kind in ("ident", "qident")}
    items, from_tok = _select_list(tokens)
    base: list[dict] = []
    if from_tok is not None and from_tok.kind in ("ident", "qident"):
        base = relations.get(canonical(from_tok)[0], [])
    by_name = {f["name"]: f for f in base}
    fields = []
    for i, item in enumerate(_split_top_level(items)):
        last = item[-1]
        if len(item) == 1 and last.is_op("*"):
            fields.extend(
                relation_field(f["name"], f["case_sensitive"], f["columntype"]) for f in base
            )
            continue
        named = last.kind in ("ident", "qident")
        plain = len(item) == 1 or (len(item) == 3 and item[1].is_op("."))
        # "expr AS x" or "expr x": the token before the alias ends an operand.
        before = item[-2] if len(item) >= 2 else None
        aliased = before is not None and (
            before.is_word("AS") or before.kind != "op" or before.is_op(")", "]")
        )
        if named and (plain or aliased):
            name, case_sensitive = canonical(last)
            source = by_name.get(name) if plain else None
            ctype = source["columntype"] if source else FALLBACK_TYPE
            fields.append(relation_field(name, case_sensitive, ctype))
        else:
            fields.append(relation_field(f"EXPR${i}", True, FALLBACK_TYPE))
    return fields, used
