"""Instructions per polled request under gunicorn, against a bare Flask route: noise-free.

Usage: python benchmarks/serve_instructions.py [--requests 300] [--threads 8] [--baseline REF]

benchmarks/polling.py measures req/s, which a loaded machine blurs. This script runs the same
servers (app/gunicorn_conf.py, one worker) under `valgrind --tool=callgrind` and sends them
`--requests` requests of the seed list (`selector=status_with_connectors`), each on its own
connection, then the same with none; the difference per request counts every user-space
instruction gunicorn, Flask and the app spend on a request (the kernel's share, the same for
both servers, is left out, so the ratio it prints is a lower bound of the real one).
With `--baseline REF`, the list is also served by that git revision.
"""

import argparse
import contextlib
import http.client
import os
import pathlib
import re
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from polling import SEED  # noqa: E402
from polling import SEED_URL  # noqa: E402
from polling import checkout  # noqa: E402
from polling import cli  # noqa: E402
from polling import free_port  # noqa: E402

from app import create_app  # noqa: E402


def get(port: int, path: str, timeout: float = 600) -> tuple[int, bytes]:
    """One request on a new connection (`Connection: close`); return status and body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Connection": "close"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def instructions(root, app_spec, env, path, count, threads, work) -> int:
    """Serve `count` requests under callgrind; return the instructions of all processes."""
    port = free_port()
    command = [
        "valgrind", "--tool=callgrind", "--trace-children=yes",
        f"--callgrind-out-file={work}/callgrind.%p",
        sys.executable, "-m", "gunicorn", "--config", "python:app.gunicorn_conf",
        "--workers", "1", "--threads", str(threads), "--timeout", "900",
        "--bind", f"127.0.0.1:{port}", app_spec,
    ]  # fmt: skip
    log = pathlib.Path(work) / f"valgrind-{port}.log"
    with open(log, "wb") as stderr:
        process = subprocess.Popen(
            command, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=stderr
        )
    try:
        deadline = time.monotonic() + 900
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn under valgrind did not start: {log.read_text()}")
            with contextlib.suppress(OSError):
                get(port, "/healthz", timeout=5)
                break
            time.sleep(1)
        for _ in range(count):
            status, _body = get(port, path)
            assert status == 200, status
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=900)
    return sum(int(n) for n in re.findall(r"Collected : (\d+)", log.read_text()))


def per_request(root, app_spec, env, path, args, work) -> float:
    """Instructions per request: a run with requests minus one without, side by side."""
    with ThreadPoolExecutor(2) as pool:
        runs = [
            pool.submit(instructions, root, app_spec, env, path, n, args.threads, work)
            for n in (args.requests, 0)
        ]
        loaded, idle = (run.result() for run in runs)
    return (loaded - idle) / args.requests


def main() -> None:
    """Measure pipeline-store and the bare route (and a baseline revision) one after another."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--baseline", help="git revision to measure too")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = pathlib.Path(tmp_name)
        instance = tmp / "seed"
        instance.mkdir()
        cli(ROOT, instance, "import", str(SEED))
        base_env = {**os.environ, "PYTHONHASHSEED": "0"}
        env = {**base_env, "PIPELINE_STORE_INSTANCE_PATH": str(instance)}
        # The seed list's bytes, for the bare route.
        app = create_app({"DATABASE": str(instance / "pipelines.sqlite3")})
        (tmp / "body.json").write_bytes(app.test_client().get(SEED_URL).data)
        results = {
            "pipeline-store": per_request(ROOT, "app:serve_app()", env, SEED_URL, args, tmp),
            "bare Flask": per_request(
                ROOT,
                "benchmarks.bare_flask:create_app()",
                {**base_env, "BARE_FLASK_BODY": str(tmp / "body.json")},
                "/v0/pipelines",
                args,
                tmp,
            ),
        }
        if args.baseline:
            old = checkout(args.baseline, tmp / "baseline")
            old_instance = tmp / "old"
            old_instance.mkdir()
            cli(old, old_instance, "import", str(SEED))
            old_env = {**base_env, "PIPELINE_STORE_INSTANCE_PATH": str(old_instance)}
            results[args.baseline] = per_request(
                old, "app:serve_app()", old_env, SEED_URL, args, tmp
            )
    for name, count in results.items():
        print(f"{name:<16} {count / 1e6:7.3f} M instructions per request")
    ratio = results["bare Flask"] / results["pipeline-store"]
    print(f"pipeline-store at {ratio:.2f}x the bare route's requests per instruction")


if __name__ == "__main__":
    main()
