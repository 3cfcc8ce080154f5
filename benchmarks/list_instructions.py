"""Count the CPU instructions of List Pipelines with callgrind: a figure noise cannot move.

Usage: python benchmarks/list_instructions.py [--n 1000] [--requests 20] [--root CHECKOUT]

Wall-clock timings on a shared machine drift by tens of percent; instruction counts do not.
The script runs itself twice under `valgrind --tool=callgrind` on the same data: once filling
a database with N pipelines, once filling it and serving `--requests` List Pipelines per
selector in-process. The difference, divided by the requests, is the cost of one request.
`--root` measures another checkout (say, a worktree of an older commit) with the same data.
"""

import argparse
import pathlib
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
SELECTORS = ("all", "status", "status_with_connectors")


def serve(root: pathlib.Path, count: int, requests: int) -> None:
    """Fill a database and serve `requests` lists per selector (run under valgrind)."""
    sys.path.insert(0, str(root))
    sys.path.insert(0, str(root / "benchmarks"))
    from list_pipelines import fill

    from app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE": str(pathlib.Path(tmp) / "p.sqlite3"), "TESTING": True})
        fill(app, count)
        client = app.test_client()
        for selector in SELECTORS:
            for _ in range(requests):
                assert client.get(f"/v0/pipelines?selector={selector}").status_code == 200


def instructions(root: pathlib.Path, count: int, requests: int) -> int:
    """Run `serve` under callgrind and return the instructions it executed."""
    command = [
        "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
        sys.executable, __file__, "--serve", "--root", str(root),
        "--n", str(count), "--requests", str(requests),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    return int(re.search(r"Collected : (\d+)", result.stderr)[1])


def main() -> None:
    """Measure, or serve when called by valgrind."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--root", type=pathlib.Path, default=ROOT)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.root, args.n, args.requests)
        return
    base = instructions(args.root, args.n, 0)
    total = instructions(args.root, args.n, args.requests)
    per_request = (total - base) / (args.requests * len(SELECTORS))
    print(f"{args.root}: N={args.n}: {per_request / 1e6:.2f} M instructions per list request")


if __name__ == "__main__":
    main()
