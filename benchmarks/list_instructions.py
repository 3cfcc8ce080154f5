"""Count the CPU instructions of List Pipelines with callgrind: a figure noise cannot move.

Usage: python benchmarks/list_instructions.py [--n 1000] [--requests 20] [--root CHECKOUT]
       [--selectors all status status_with_connectors] [--revalidate] [--bare]

Wall-clock timings on a shared machine drift by tens of percent; instruction counts do not.
The script runs itself twice under `valgrind --tool=callgrind` on the same data: once filling
a database with N pipelines, once filling it and serving `--requests` List Pipelines per
selector through the WSGI app (as a server would call it). The difference, divided by the
requests, is the cost of one request. `--root` measures another checkout (say, an older
commit extracted with `git archive`) with the same data. `--revalidate` sends each list's
ETag back (`304`), `--bare` serves the same bytes from a bare Flask route instead (the floor).
"""

import argparse
import os
import pathlib
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

ROOT = pathlib.Path(__file__).resolve().parent.parent
SELECTORS = ("all", "status", "status_with_connectors")


def wsgi_get(app, url: str, headers: dict) -> tuple[str, dict, bytes]:
    """Call the WSGI app like a server would; return status, headers and body."""
    from werkzeug.test import EnvironBuilder

    environ = EnvironBuilder(url, headers=headers).get_environ()
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer.update(status=status, headers=dict(response_headers))

    body = b"".join(app.wsgi_app(environ, start_response))
    return answer["status"], answer["headers"], body


def bare_app(bodies: dict):
    """A Flask app answering each URL with fixed bytes and upstream's headers."""
    from flask import Flask
    from flask import Response
    from flask import request

    app = Flask("bare")

    @app.get("/v0/pipelines")
    def list_pipelines():
        body = bodies[request.full_path]
        return Response(body, mimetype="application/json", headers={"Cache-Control": "no-cache"})

    return app


def serve(root: pathlib.Path, args) -> None:
    """Fill a database and serve the requests (run under valgrind)."""
    sys.path.insert(0, str(root))
    sys.path.insert(0, str(root / "benchmarks"))
    from list_pipelines import fill

    from app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE": str(pathlib.Path(tmp) / "p.sqlite3"), "TESTING": True})
        fill(app, args.n)
        urls = [f"/v0/pipelines?selector={selector}" for selector in args.selectors]
        first = {url: wsgi_get(app, url, {}) for url in urls}
        if args.bare:
            app = bare_app({url: answer[2] for url, answer in first.items()})
        for url in urls:
            headers, expected = {}, "200 OK"
            if args.revalidate:
                headers, expected = {"If-None-Match": first[url][1]["ETag"]}, "304 NOT MODIFIED"
            for _ in range(args.count):
                assert wsgi_get(app, url, headers)[0] == expected


def instructions(root: pathlib.Path, args, count: int) -> int:
    """Run `serve` under callgrind with `count` requests per URL; return the instructions."""
    command = [
        "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
        sys.executable, __file__, "--serve", "--root", str(root), "--n", str(args.n),
        "--requests", str(count), "--selectors", *args.selectors,
    ]  # fmt: skip
    command += ["--revalidate"] * args.revalidate + ["--bare"] * args.bare
    # A fixed hash seed: both runs build the same dicts and sets the same way.
    environment = {**os.environ, "PYTHONHASHSEED": "0"}
    result = subprocess.run(command, capture_output=True, text=True, check=True, env=environment)
    return int(re.search(r"Collected : (\d+)", result.stderr)[1])


def main() -> None:
    """Measure, or serve when called by valgrind."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--root", type=pathlib.Path, default=ROOT)
    parser.add_argument("--selectors", nargs="+", default=list(SELECTORS), choices=SELECTORS)
    parser.add_argument("--revalidate", action="store_true", help="send the ETag back (304)")
    parser.add_argument("--bare", action="store_true", help="a bare Flask route, same bytes")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.count = args.requests
    if args.serve:
        serve(args.root, args)
        return
    # The two runs are independent: use both cores.
    with ThreadPoolExecutor(2) as pool:
        base = pool.submit(instructions, args.root, args, 0)
        total = pool.submit(instructions, args.root, args, args.requests)
        per_request = (total.result() - base.result()) / (args.requests * len(args.selectors))
    what = "bare Flask" if args.bare else "304" if args.revalidate else "list"
    print(
        f"{args.root}: N={args.n} {' '.join(args.selectors)}: "
        f"{per_request / 1e6:.3f} M instructions per {what} request"
    )


if __name__ == "__main__":
    main()
