"""The compiler's work budget: program size, nesting depth and an optional deadline."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from app.compiler.lexer import Token

# Tokens in one program. Every phase is linear in this, so it bounds the compile time
# (about 6 s on the 2-core development machine at the limit; benchmarks/compile_scaling.py).
MAX_TOKENS = 120_000
# Brackets and CASE ... END nested inside one statement. sqlglot's recursive-descent parser
# spends about 23 Python frames per level, so this keeps a compile far below the interpreter's
# recursion limit wherever it is called from. Calcite, whose parser and validator recurse in
# the JVM's stack as well, fails on deep nesting too (a StackOverflowError, a crash of the
# compiler process that upstream reports as a SystemError).
MAX_NESTING = 30
_OPEN = ("(", "[", "{")
_CLOSE = (")", "]", "}")


class BudgetExceeded(Exception):
    """The program needs more work than the compiler's budget allows."""

    def __init__(self, message: str, kind: str):
        super().__init__(message)
        self.message = message
        self.kind = kind  # "deadline", "size" or "nesting"


@dataclass
class Budget:
    """A cooperative deadline (None: none) that long loops check now and then."""

    deadline_seconds: float | None = None
    clock: Callable[[], float] = time.monotonic
    started: float = 0.0

    def __post_init__(self) -> None:
        self.started = self.clock()

    def check(self) -> None:
        """Raise BudgetExceeded once the deadline has passed."""
        if self.deadline_seconds is None:
            return
        if self.clock() - self.started > self.deadline_seconds:
            raise BudgetExceeded(
                "SQL compilation did not finish within pipeline-store's compiler budget of "
                f"{self.deadline_seconds:g} s and was stopped.",
                "deadline",
            )


def check_size(tokens: list[Token]) -> None:
    """Refuse programs with more tokens than MAX_TOKENS."""
    if len(tokens) > MAX_TOKENS:
        raise BudgetExceeded(
            f"The program has {len(tokens)} SQL tokens; pipeline-store's simulated compiler "
            f"accepts at most {MAX_TOKENS}.",
            "size",
        )


def check_nesting(tokens: list[Token]) -> None:
    """Refuse statements whose brackets, CASE expressions or runs of prefix operators (NOT NOT,
    - -) nest deeper than MAX_NESTING."""
    depth = 0
    run = 0  # consecutive prefix operators, each a level of the parser's recursion
    for tok in tokens:
        run = run + 1 if tok.is_word("NOT") or tok.is_op("-", "+", "~") else 0
        if tok.is_op(*_OPEN) or tok.is_word("CASE"):
            depth += 1
        if depth > MAX_NESTING or run > MAX_NESTING:
            raise BudgetExceeded(
                "The program nests expressions deeper than pipeline-store's simulated compiler "
                f"allows ({MAX_NESTING} levels of brackets, CASE or prefix operators).",
                "nesting",
            )
        if tok.is_op(*_CLOSE) or tok.is_word("END"):
            depth = max(0, depth - 1)
        if tok.is_op(";"):
            depth = 0
