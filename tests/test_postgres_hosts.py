"""Two gunicorn "hosts" on one Postgres: racing clients lose nothing, transitions happen once.

Each host is a gunicorn server with an instance folder of its own (two workers each); only the
database is shared, as behind a load balancer. The clients of the SQLite race test
(tests/test_crud_concurrency.py) are spread over both hosts, then pipelines are started while
clients poll both hosts, and every simulation event the hosts logged is counted.
"""

import collections
import json
import threading
import time

import requests

from tests.server import gunicorn_server
from tests.server import stderr_path
from tests.test_crud_concurrency import RUN_SECONDS
from tests.test_crud_concurrency import THREADS
from tests.test_crud_concurrency import Client
from tests.test_crud_concurrency import Ledger
from tests.test_crud_concurrency import justified

PROGRAM = "CREATE TABLE t (id INT NOT NULL PRIMARY KEY);\nCREATE VIEW v AS SELECT id FROM t;"
STARTED = [f"x{i}" for i in range(6)]


def race(urls: list[str]) -> tuple[Ledger, list[Client]]:
    """The CRUD race of the SQLite test, client i talking to host i % 2."""
    ledger = Ledger()
    clients = [Client(index, urls[index % 2], ledger) for index in range(THREADS)]
    deadline = time.monotonic() + RUN_SECONDS
    threads = [threading.Thread(target=c.run, args=(deadline,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return ledger, clients


def start_and_poll(urls: list[str]) -> None:
    """Create and start pipelines through alternating hosts; poll both until all run."""
    for index, name in enumerate(STARTED):
        url = f"{urls[index % 2]}/v0/pipelines"
        created = requests.put(f"{url}/{name}", json={"name": name, "program_code": PROGRAM})
        assert created.status_code == 201, created.text
        started = requests.post(f"{urls[(index + 1) % 2]}/v0/pipelines/{name}/start")
        assert started.status_code == 202, started.text
    done = threading.Event()
    failures = []

    def poll(url: str) -> None:
        session = requests.Session()
        deadline = time.monotonic() + 60
        while not done.is_set() and time.monotonic() < deadline:
            response = session.get(f"{url}/v0/pipelines?selector=status", timeout=30)
            if response.status_code != 200:
                failures.append(response.text)
                return
            statuses = {p["name"]: p["deployment_status"] for p in response.json()}
            if all(statuses.get(name) == "Running" for name in STARTED):
                done.set()

    pollers = [threading.Thread(target=poll, args=(urls[i % 2],)) for i in range(6)]
    for thread in pollers:
        thread.start()
    for thread in pollers:
        thread.join()
    assert failures == []
    assert done.is_set(), "the started pipelines never all ran"


def simulation_events(log_path) -> list[dict]:
    """The simulation events one host logged (JSON lines on its stderr)."""
    lines = stderr_path(log_path).read_text().splitlines()
    parsed = [json.loads(line) for line in lines if line.startswith("{")]
    return [e for e in parsed if e.get("logger") == "app.simulation"]


def test_two_hosts_lose_no_write_and_settle_each_transition_once(pg_cluster, tmp_path):
    env = {
        "PIPELINE_STORE_DATABASE": pg_cluster.new_database(),
        "PIPELINE_STORE_SIMULATION_SCALE": "0.05",
        "PIPELINE_STORE_LOG_FORMAT": "json",
    }
    with (
        gunicorn_server(tmp_path / "host-a", workers=2, env=env) as (url_a, log_a),
        gunicorn_server(tmp_path / "host-b", workers=2, env=env) as (url_b, log_b),
    ):
        urls = [url_a, url_b]
        ledger, clients = race(urls)
        listed = {u: requests.get(f"{u}/v0/pipelines").json() for u in urls}
        start_and_poll(urls)

    assert ledger.unexpected == []
    assert not [status for status in ledger.statuses if status >= 500]
    assert ledger.statuses.get(409, 0) > 0 and ledger.statuses.get(200, 0) > 0
    for answer in ledger.answers:
        assert justified(*answer, ledger.holds), answer
    # Both hosts list exactly what the clients were acknowledged.
    expected = {name: state for client in clients for name, state in client.owned.items()}
    for url in urls:
        actual = {
            p["name"]: {key: p[key] for key in ("id", "description", "version", "runtime_config")}
            for p in listed[url]
        }
        assert actual == expected, url

    # Every transition of the started pipelines was settled and logged by one host, once.
    by_host = [simulation_events(log_a), simulation_events(log_b)]
    started = [[e for e in events if e.get("pipeline") in STARTED] for events in by_host]
    assert all(started), "both hosts should have settled some transitions"
    every = started[0] + started[1]
    compiles = collections.Counter(e["pipeline"] for e in every if e["event"] == "compile")
    assert compiles == {name: 1 for name in STARTED}
    for name in STARTED:
        deployment = sorted(
            (e["at"], e["from"], e["to"])
            for e in every
            if e["event"] == "deployment" and e["pipeline"] == name
        )
        targets = [to for _, _, to in deployment]
        assert len(targets) == len(set(targets)), (name, deployment)
        assert deployment[0][1] == "Stopped" and targets[-1] == "Running", deployment
        # The steps chain: each one starts where the previous one ended.
        assert all(a[2] == b[1] for a, b in zip(deployment[:-1], deployment[1:], strict=True)), (
            deployment
        )
