"""Time the simulated compiler on `SELECT a+a+...+a FROM t` at growing sizes (issue 10).

Run: python benchmarks/compile_scaling.py [TERMS ...]  (default 1000 8000 16000 40000)
Prints, per size, the program's bytes, the median of 3 compiles, the time per term, and the
outcome; a linear compiler keeps the time per term flat.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.compiler import compile_program  # noqa: E402


def program(terms: int) -> str:
    """A table and one view summing `terms` references to one column."""
    return (
        "CREATE TABLE t (a INT);\nCREATE VIEW v AS SELECT " + "+".join(["a"] * terms) + " FROM t;"
    )


def measure(terms: int, runs: int = 3) -> tuple[int, float, str]:
    """Return (bytes, median seconds, final status) of compiling the program."""
    code = program(terms)
    times, status = [], ""
    for _ in range(runs):
        started = time.perf_counter()
        status = compile_program(code).final_status
        times.append(time.perf_counter() - started)
    return len(code), statistics.median(times), status


def main(sizes: list[int]) -> None:
    """Print one line per size."""
    print(f"{'terms':>7} {'bytes':>8} {'seconds':>8} {'us/term':>8}  status")
    for terms in sizes:
        size, seconds, status = measure(terms)
        print(f"{terms:>7} {size:>8} {seconds:>8.3f} {seconds / terms * 1e6:>8.1f}  {status}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 8000, 16000, 40000])
