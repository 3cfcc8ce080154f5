"""Polling throughput under gunicorn: List Pipelines against a bare Flask route, and 304s.

Usage: python benchmarks/polling.py [--seconds 5] [--rounds 3] [--workers 2] [--threads 8]
       [--baseline main] [--seed-only]

Needs wrk (Debian: `apt-get install wrk`). Every server runs as `pipeline-store serve` runs it
(gunicorn with app/gunicorn_conf.py: 2 workers x 8 threads; the app logs each request to
stderr) and wrk drives it from 2 threads over 8 connections with `Connection: close`.
Scenarios:
- seed: the two seed pipelines (tests/data), `selector=status_with_connectors`, what the web
  console polls; against bare_flask.py, a Flask route returning the very same bytes; and
  the same server with LOG_LEVEL=WARNING (no request line), to show what the log costs;
- 1000 pipelines, `selector=status`: the full list, and its `304` revalidation with the ETag;
- with `--baseline REF`: the same lists served by that git revision (before and after).
The scenarios take turns for `--rounds` rounds, so a load drifting on a shared machine hits
all of them alike; the median round of each is reported, with the ratios the issue names.

On a loaded machine requests wait for a CPU more than they use one, which pulls every req/s
figure towards the others. So each server's own CPU time (its workers' user + system time,
read from /proc) per request is reported too: the capacity each server has on an idle machine.
"""

import argparse
import contextlib
import json
import os
import pathlib
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import requests

ROOT = pathlib.Path(__file__).resolve().parent.parent
BENCHMARKS = ROOT / "benchmarks"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(BENCHMARKS))

from list_pipelines import fill  # noqa: E402

from app import create_app  # noqa: E402
from app import gunicorn_conf  # noqa: E402

SEED = ROOT / "tests" / "data" / "seed-list-pipelines.json"
SEED_URL = "/v0/pipelines?selector=status_with_connectors"
STATUS_URL = "/v0/pipelines?selector=status"


def free_port() -> int:
    """Return a loopback port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(master: int) -> float:
    """Return the user + system CPU seconds used so far by the master's worker processes."""
    ticks = 0
    for stat in pathlib.Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            # Fields after the command (which may hold spaces): state, ppid, ..., utime, stime.
            fields = stat.read_text().rpartition(")")[2].split()
            if int(fields[1]) == master:
                ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def gunicorn(cwd: pathlib.Path, app_spec: str, env: dict, args, log: pathlib.Path):
    """Run gunicorn as `pipeline-store serve` does; yield its base URL and master pid.

    The settings are the served checkout's own app/gunicorn_conf.py (worker class, limits),
    with `serve`'s workers and threads; the bare route runs under the same module.
    """
    port = free_port()
    command = [
        sys.executable, "-m", "gunicorn", "--config", "python:app.gunicorn_conf",
        "--workers", str(args.workers), "--threads", str(args.threads),
        "--bind", f"127.0.0.1:{port}", app_spec,
    ]  # fmt: skip
    # The app logs every request to stderr (a file here, as a service's journal would be).
    with open(log, "wb") as stderr:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {log.read_text()}")
            with contextlib.suppress(requests.ConnectionError, requests.Timeout):
                requests.get(base_url + "/v0/pipelines?selector=status", timeout=5)
                break
            time.sleep(0.2)
        yield base_url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def wrk(url: str, seconds: int, headers: dict | None = None) -> tuple[float, int]:
    """Return the req/s and requests wrk reaches (2 threads, 8 connections, Connection: close)."""
    command = ["wrk", "-t2", "-c8", f"-d{seconds}s", "-H", "Connection: close"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    if "Non-2xx or 3xx responses" in output or "Socket errors" in output:
        raise RuntimeError(f"wrk saw failures:\n{output}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])
    return rate, int(re.search(r"(\d+) requests in", output)[1])


def instance_with(folder: pathlib.Path, load) -> pathlib.Path:
    """Create an instance folder whose database `load(app)` fills."""
    folder.mkdir(parents=True)
    app = create_app({"DATABASE": str(folder / "pipelines.sqlite3")})
    load(app)
    return folder


def cli(root: pathlib.Path, instance: pathlib.Path, *args: str) -> None:
    """Run a `pipeline-store` command of the checkout at `root` on an instance folder."""
    code = "import sys; sys.path.insert(0, '.'); from app.cli import main; main()"
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=root,
        env={**os.environ, "PIPELINE_STORE_INSTANCE_PATH": str(instance)},
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"{' '.join(args)} failed in {root}: {done.stdout}{done.stderr}")


def checkout(ref: str, folder: pathlib.Path) -> pathlib.Path:
    """Extract a git revision of this repository into `folder` (the repository is untouched)."""
    folder.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", ref], cwd=ROOT, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def measure(targets: dict, seconds: int, rounds: int) -> tuple[dict, dict]:
    """Drive each target in turn for `rounds` rounds; return the medians of req/s and CPU µs."""
    rates = {name: [] for name in targets}
    costs = {name: [] for name in targets}
    for round_number in range(rounds):
        for name, (url, headers, master) in targets.items():
            before = cpu_seconds(master)
            rate, count = wrk(url, seconds, headers)
            rates[name].append(rate)
            costs[name].append(1e6 * (cpu_seconds(master) - before) / count)
            print(
                f"round {round_number + 1} {name:<28} {rate:9.0f} req/s "
                f"{costs[name][-1]:9.0f} µs CPU/request",
                flush=True,
            )
    median = statistics.median
    return (
        {name: median(values) for name, values in rates.items()},
        {name: median(values) for name, values in costs.items()},
    )


def run(args) -> dict:
    """Set up the instances and servers, measure, and return the medians and ratios."""
    with tempfile.TemporaryDirectory() as tmp_name, contextlib.ExitStack() as stack:
        tmp = pathlib.Path(tmp_name)

        def serve(root, instance, name, **settings):
            env = {"PIPELINE_STORE_INSTANCE_PATH": str(instance), **settings}
            log = tmp / f"{name}.log"
            return stack.enter_context(gunicorn(root, "app:serve_app()", env, args, log))

        seed = instance_with(
            tmp / "seed", lambda app: app.test_cli_runner().invoke(args=["import", str(SEED)])
        )
        seed_base, seed_pid = serve(ROOT, seed, "seed")
        body = tmp / "seed-body.json"
        body.write_bytes(requests.get(seed_base + SEED_URL, timeout=10).content)
        bare_env = {"BARE_FLASK_BODY": str(body)}
        bare_spec = "benchmarks.bare_flask:create_app()"
        bare_base, bare_pid = stack.enter_context(
            gunicorn(ROOT, bare_spec, bare_env, args, tmp / "bare.log")
        )
        assert requests.get(bare_base + "/v0/pipelines", timeout=10).content == body.read_bytes()
        # The same server without its per-request log line: what that line costs.
        quiet_base, quiet_pid = serve(ROOT, seed, "quiet", PIPELINE_STORE_LOG_LEVEL="WARNING")
        targets = {
            "seed: pipeline-store": (seed_base + SEED_URL, None, seed_pid),
            "seed: bare Flask": (bare_base + "/v0/pipelines", None, bare_pid),
            "seed: no request log": (quiet_base + SEED_URL, None, quiet_pid),
        }
        pairs = {
            "seed / bare Flask": ("seed: pipeline-store", "seed: bare Flask"),
            "seed without log / bare Flask": ("seed: no request log", "seed: bare Flask"),
        }
        if not args.seed_only:
            thousand = instance_with(tmp / "thousand", lambda app: fill(app, 1000))
            thousand_base, thousand_pid = serve(ROOT, thousand, "thousand")
            thousand_url = thousand_base + STATUS_URL
            etag = requests.get(thousand_url, timeout=10).headers["ETag"]
            targets["1000 status: full list"] = (thousand_url, None, thousand_pid)
            targets["1000 status: 304"] = (thousand_url, {"If-None-Match": etag}, thousand_pid)
            pairs["304 / full list"] = ("1000 status: 304", "1000 status: full list")
        if args.baseline:
            old = checkout(args.baseline, tmp / "baseline")
            # Each old server must answer byte for byte what the new one does.
            instances = {"seed": (seed, seed_base, SEED_URL)}
            if not args.seed_only:
                instances["1000 status"] = (thousand, thousand_base, STATUS_URL)
            for label, (instance, new_base, path) in instances.items():
                # The same records, imported by the old revision's own command.
                export = tmp / f"{label}.json"
                cli(ROOT, instance, "export", str(export))
                old_instance = tmp / f"old-{label}"
                old_instance.mkdir()
                cli(old, old_instance, "import", str(export))
                old_base, old_pid = serve(old, old_instance, f"old-{label}")
                old_url = old_base + path
                new_body = requests.get(new_base + path, timeout=10).content
                assert requests.get(old_url, timeout=10).content == new_body
                targets[f"{label}: {args.baseline}"] = (old_url, None, old_pid)
            pairs[f"seed / {args.baseline}"] = ("seed: pipeline-store", f"seed: {args.baseline}")
            if not args.seed_only:
                pairs[f"full list / {args.baseline}"] = (
                    "1000 status: full list",
                    f"1000 status: {args.baseline}",
                )
        rates, costs = measure(targets, args.seconds, args.rounds)
    return {
        "req_per_s": rates,
        "cpu_us_per_request": costs,
        "ratios_req_per_s": {name: rates[a] / rates[b] for name, (a, b) in pairs.items()},
        # Capacity: how many requests a CPU-second serves, relative (inverse cost).
        "ratios_cpu": {name: costs[b] / costs[a] for name, (a, b) in pairs.items()},
    }


def main() -> None:
    """Parse arguments, run and print the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=gunicorn_conf.workers)
    parser.add_argument("--threads", type=int, default=gunicorn_conf.threads)
    parser.add_argument("--baseline", help="git revision to serve the same lists with too")
    parser.add_argument("--seed-only", action="store_true", help="only the seed scenarios")
    parser.add_argument("--json", type=pathlib.Path, help="also write the results to this file")
    args = parser.parse_args()
    results = run(args)
    for name, value in results["req_per_s"].items():
        cost = results["cpu_us_per_request"][name]
        print(f"{name:<32} {value:9.0f} req/s {cost:9.0f} µs CPU/request")
    for name, value in results["ratios_req_per_s"].items():
        print(f"{name:<32} {value:9.2f}x req/s {results['ratios_cpu'][name]:9.2f}x by CPU")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
