"""Red team (issue 10): one request, one held lock or one bad file must never take the server down.

Bounded in time, loopback only. The end-to-end cases run the real gunicorn server.
"""

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from app import create_app
from app.http.context import domain
from app.pipelines.persistence import insert
from app.pipelines.records import fresh_record
from app.storage import get_store
from app.timeutil import uuid7
from tests.server import ROOT
from tests.server import gunicorn_server

SECRET = {"SECRET_KEY": "reliability-secret-of-at-least-32-bytes"}


def make_app(path: Path, **settings):
    """An app on `path` with the given settings."""
    return create_app({"TESTING": True, "DATABASE": str(path), **SECRET, **settings})


def fill(app, count: int) -> None:
    """Store `count` pipelines with ~2 KB programs, so the file has many pages."""
    with app.app_context():
        store = get_store()
        platform = domain().settings.platform_version
        with store.write():
            for index in range(count):
                record = fresh_record(
                    pipeline_id=uuid7(),
                    name=f"p{index}",
                    now="2030-01-01T00:00:00Z",
                    platform_version=platform,
                    runtime_config={},
                    program_config={},
                    program_code=f"-- {index}\n" + "CREATE TABLE t (x INT);\n" * 90,
                )
                insert(store, record, simulated=False)


def damage(path: Path) -> None:
    """Overwrite pages in the middle of the file, as a bad disk or a stray write would."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = path.stat().st_size
    with open(path, "r+b") as file:
        file.seek((size // 2) // 4096 * 4096)
        file.write(os.urandom(3 * 4096))


def hold_write_lock(path: Path) -> sqlite3.Connection:
    """Take the database's write lock from another connection, as a stuck worker would."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def test_a_lock_held_past_the_busy_timeout_is_a_503_the_sdk_retries(tmp_path):
    path = tmp_path / "p.sqlite3"
    app = make_app(path, BUSY_TIMEOUT_MS=200)
    client = app.test_client()
    holder = hold_write_lock(path)
    try:
        refused = client.post("/v0/pipelines", json={"name": "p1", "program_code": ""})
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == "5"
        assert refused.get_json()["error_code"] == "LockTookTooLong"
        # Reads do not need the lock.
        assert client.get("/v0/pipelines").status_code == 200
        assert client.get("/healthz").status_code == 500
        assert client.get("/v0/cluster_healthz").get_json()["all_healthy"] is False
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert client.post("/v0/pipelines", json={"name": "p1", "program_code": ""}).status_code == 201
    assert client.get("/healthz").status_code == 200


def test_health_checks_notice_damaged_pages(tmp_path):
    path = tmp_path / "p.sqlite3"
    app = make_app(path, INTEGRITY_CHECK_SECONDS=0)
    fill(app, 300)
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    damage(path)
    assert client.get("/healthz").status_code == 500
    assert client.get("/v0/cluster_healthz").status_code == 503
    listed = client.get("/v0/pipelines")
    assert listed.status_code == 503
    assert listed.get_json()["error_code"] == "DatabaseUnavailable"


def test_the_integrity_check_runs_at_most_once_per_interval(tmp_path):
    path = tmp_path / "p.sqlite3"
    app = make_app(path, INTEGRITY_CHECK_SECONDS=3600)
    fill(app, 300)
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    damage(path)
    # The write probe still works and the last quick_check was fine: healthy until it is due.
    assert client.get("/healthz").status_code == 200
    app.config["INTEGRITY_CHECK_SECONDS"] = 0
    assert client.get("/healthz").status_code == 500


def cli(instance: Path, *args: str) -> subprocess.CompletedProcess:
    """Run the console script's entry point against an instance folder."""
    env = {**os.environ, "PIPELINE_STORE_INSTANCE_PATH": str(instance)}
    command = [sys.executable, "-c", "from app.cli import main; main()", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


def test_a_damaged_file_stops_the_start_with_one_line(tmp_path):
    instance = tmp_path / "instance"
    path = instance / "pipelines.sqlite3"
    fill(make_app(path), 300)
    damage(path)
    result = cli(instance, "init-db")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(path) in lines[0] and "damaged" in lines[0] and "backup" in lines[0]
    assert cli(instance, "serve", "--port", "0").stderr.strip() == lines[0]


def test_a_file_that_is_no_database_stops_gunicorn_with_one_line(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    path = instance / "pipelines.sqlite3"
    path.write_bytes(os.urandom(8192))
    # A worker reads the schema version at boot: an unreadable file stops the whole server
    # with one line, not a loop of tracebacks.
    command = [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:0", "wsgi:app"]
    env = {**os.environ, "PIPELINE_STORE_INSTANCE_PATH": str(instance)}
    served = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert served.returncode != 0
    assert f"pipeline-store: {path} cannot be read" in served.stderr
    assert "Traceback" not in served.stderr


def children(pid: int) -> set[int]:
    """The live child processes of `pid`."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.add(int(entry.name))
    return found


def test_a_worker_restart_while_another_process_holds_the_lock(tmp_path):
    instance = tmp_path / "instance"
    pid_file = tmp_path / "gunicorn.pid"
    env = {"PIPELINE_STORE_BUSY_TIMEOUT_MS": "300"}
    with gunicorn_server(instance, workers=2, env=env, args=["--pid", str(pid_file)]) as (url, _):
        master = int(pid_file.read_text())
        workers = children(master)
        assert len(workers) == 2
        holder = hold_write_lock(instance / "pipelines.sqlite3")
        try:
            os.kill(next(iter(workers)), signal.SIGKILL)
            deadline = time.monotonic() + 30
            while len(children(master) - workers) < 1 and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(1)  # past the busy timeout: a worker that migrated at boot would be dead
            os.kill(master, 0)  # the master is still running
            assert len(children(master)) == 2
            for _ in range(10):
                assert requests.get(f"{url}/v0/pipelines", timeout=10).status_code == 200
        finally:
            holder.execute("ROLLBACK")
            holder.close()


def honouring_file_modes() -> list[str]:
    """A command prefix under which the server cannot override file modes.

    Root (as in CI) ignores a read-only mode; without these two capabilities it cannot.
    """
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: a read-only file cannot be simulated")
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]


def test_a_database_read_only_for_a_moment_recovers_by_itself(tmp_path):
    instance = tmp_path / "instance"
    path = instance / "pipelines.sqlite3"
    with gunicorn_server(instance, workers=2, prefix=honouring_file_modes()) as (url, _):

        def create(name: str) -> requests.Response:
            return requests.post(
                f"{url}/v0/pipelines", json={"name": name, "program_code": ""}, timeout=30
            )

        assert create("before").status_code == 201
        path.chmod(0o444)
        for name in ("during-1", "during-2"):
            refused = create(name)
            assert refused.status_code == 503
            assert refused.json()["error_code"] == "DatabaseUnavailable"
        # Reads may need to write the -shm index too: unavailable (503), never a 500.
        assert requests.get(f"{url}/v0/pipelines", timeout=30).status_code in (200, 503)
        path.chmod(0o644)
        answers = [create(f"after-{index}").status_code for index in range(3)]
        # The first write may still meet the read-only -shm (and repairs it); then all succeed.
        assert answers[1:] == [201, 201], answers
        names = [p["name"] for p in requests.get(f"{url}/v0/pipelines", timeout=30).json()]
        assert "during-1" not in names and "after-2" in names


POISON_TERMS = 40_000  # an 80 KB view: `SELECT a+a+...+a FROM t`


def program(terms: int) -> str:
    """A valid program whose view has `terms` terms."""
    return (
        "CREATE TABLE t (a INT);\nCREATE VIEW v AS SELECT " + "+".join(["a"] * terms) + " FROM t;"
    )


def time_to_compile(url: str, name: str, code: str, limit: float = 120) -> float:
    """Create a pipeline and return the seconds until its compilation is over."""
    start = time.monotonic()
    response = requests.post(
        f"{url}/v0/pipelines", json={"name": name, "program_code": code}, timeout=limit
    )
    assert response.status_code == 201
    while time.monotonic() - start < limit:
        status = requests.get(f"{url}/v0/pipelines/{name}?selector=status", timeout=limit).json()[
            "program_status"
        ]
        if status not in ("Pending", "CompilingSql", "SqlCompiled", "CompilingRust"):
            return time.monotonic() - start
        time.sleep(0.02)
    raise AssertionError(f"{name} still compiling after {limit} s")


def test_a_huge_program_compiles_outside_the_lock_and_others_keep_answering(tmp_path):
    instance = tmp_path / "instance"
    env = {"PIPELINE_STORE_SIMULATION_SCALE": "0"}
    with gunicorn_server(instance, workers=2, env=env) as (url, _):
        small = time_to_compile(url, "small", program(500))
        latencies: list[float] = []
        statuses: list[int] = []
        done = threading.Event()

        def poll() -> None:
            with requests.Session() as session:
                while not done.is_set():
                    started = time.monotonic()
                    response = session.get(f"{url}/v0/pipelines?selector=status", timeout=120)
                    latencies.append(time.monotonic() - started)
                    statuses.append(response.status_code)

        # Several clients poll: whichever first sees the compile due pays for it, alone.
        pollers = [threading.Thread(target=poll) for _ in range(3)]
        for poller in pollers:
            poller.start()
        try:
            big = time_to_compile(url, "poison", program(POISON_TERMS))
        finally:
            done.set()
            for poller in pollers:
                poller.join()
        assert big / small < 400, (small, big)
        final = requests.get(f"{url}/v0/pipelines/poison?selector=status", timeout=30).json()
        # 40,000 terms are within the compiler's size budget: Success, or SystemError if the
        # machine is so loaded that the compile ran past COMPILE_BUDGET_SECONDS.
        assert final["program_status"] in ("Success", "SystemError")
        assert set(statuses) == {200}
        # Only the one request that claimed the compile waited for it.
        assert sum(latency > big / 2 for latency in latencies) <= 1, (big, sorted(latencies)[-3:])
        assert len(latencies) > 10
        deleted = requests.delete(f"{url}/v0/pipelines/poison", timeout=30)
        assert deleted.status_code == 200


def test_a_405_says_which_methods_are_allowed(client):
    response = client.delete("/v0/pipelines")
    assert response.status_code == 405
    assert response.get_json()["error_code"] == "MethodNotAllowed"
    assert {"GET", "POST"} <= set(response.headers["Allow"].split(", "))
