"""Source ranges of sqlglot nodes, from the positions sqlglot keeps and the query's tokens."""

from __future__ import annotations

from sqlglot import exp

from app.compiler.lexer import Token


class Spans:
    """Map nodes of one parsed query to [start, end) offsets in the program."""

    def __init__(self, tokens: list[Token], offset: int):
        self.tokens = tokens
        self.offset = offset
        self.index = {tok.start: i for i, tok in enumerate(tokens)}
        self.closing = _matching_parens(tokens)

    def own(self, node: exp.Expression) -> tuple[int, int] | None:
        """Range of the token(s) sqlglot recorded for this node, a call up to its ")"."""
        meta = node.meta if node._meta else None
        if not meta or "start" not in meta:
            return None
        start, end = meta["start"], meta["end"] + 1
        if isinstance(node, exp.Func):
            i = self.index.get(start)
            if i is not None and i + 1 in self.closing:
                end = self.tokens[self.closing[i + 1]].end
        return self.offset + start, self.offset + end

    def of(self, node: exp.Expression) -> tuple[int, int]:
        """Range covering every token of the node (walked iteratively: trees can be deep)."""
        lo, hi = None, None
        for sub in node.walk():
            found = self.own(sub)
            if found is None:
                continue
            lo = found[0] if lo is None else min(lo, found[0])
            hi = found[1] if hi is None else max(hi, found[1])
        if lo is None:
            first, last = self.tokens[0], self.tokens[-1]
            return self.offset + first.start, self.offset + last.end
        return lo, hi


def _matching_parens(tokens: list[Token]) -> dict[int, int]:
    """Map the index of each "(" to the index of its ")"."""
    closing: dict[int, int] = {}
    stack: list[int] = []
    for i, tok in enumerate(tokens):
        if tok.is_op("("):
            stack.append(i)
        elif tok.is_op(")") and stack:
            closing[stack.pop()] = i
    return closing
