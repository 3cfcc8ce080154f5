"""The admin API on the real server (gunicorn, two workers) against the real `feldera` SDK.

Fault rules, the clock, resets and restores live in the store, so both workers apply them;
the SDK meets injected faults and retries exactly as it would against Feldera.
"""

import collections
import concurrent.futures

import pytest
import requests

from app.admin.client import AdminClient
from tests.feldera_sdk import FelderaAPIError
from tests.feldera_sdk import FelderaClient
from tests.feldera_sdk import PipelineFieldSelector
from tests.feldera_sdk import feldera
from tests.server import gunicorn_server

RetryConfig = feldera.RetryConfig
FelderaTimeoutError = feldera.rest.errors.FelderaTimeoutError
# Retries without the SDK's default 2 s backoff, so no test sleeps.
QUICK = RetryConfig(initial_backoff=0, max_backoff=0)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    instance = tmp_path_factory.mktemp("admin-e2e")
    env = {"PIPELINE_STORE_SIMULATION_SCALE": "0"}
    with gunicorn_server(instance, workers=2, env=env) as (url, log_path):
        admin = AdminClient(url)
        admin.journal.enable(500)
        yield url, admin, log_path


@pytest.fixture
def store(server):
    url, admin, log_path = server
    admin.reset()
    requests.post(f"{url}/v0/pipelines", json={"name": "p1", "program_code": ""}, timeout=10)
    admin.journal.clear()
    return url, admin, log_path


def journal(admin, path):
    """(method, path, status) of the recorded requests to `path`, oldest first."""
    entries = admin.journal.entries(path=path, limit=50)
    return [(e["method"], e["path"], e["status"]) for e in reversed(entries)]


def fresh_gets(url: str, path: str, count: int = 24) -> list[requests.Response]:
    """`count` GETs, each on its own connection, a few at a time (both workers answer)."""

    def get(_):
        with requests.Session() as session:
            return session.get(url + path, timeout=10)

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        return list(pool.map(get, range(count)))


def pids_answering(log_path, marker: str, status: str) -> collections.Counter:
    """Worker pids whose access-log lines contain `marker` and end with `status`."""
    lines = log_path.read_text().splitlines()
    return collections.Counter(
        line.split()[0] for line in lines if marker in line and line.endswith(f" {status}")
    )


def test_the_sdk_retries_a_503_with_retry_after_until_the_rule_runs_out(store):
    url, admin, _ = store
    admin.faults.add("/v0/pipelines/p1", 503, method="GET", retry_after=0, count=2)

    pipeline = FelderaClient(url).get_pipeline("p1", PipelineFieldSelector.STATUS)

    assert pipeline.name == "p1"
    assert journal(admin, "/v0/pipelines/p1") == [
        ("GET", "/v0/pipelines/p1", 503),
        ("GET", "/v0/pipelines/p1", 503),
        ("GET", "/v0/pipelines/p1", 200),
    ]
    (rule,) = admin.faults.list()
    assert (rule["hits"], rule["remaining"]) == (2, 0)


def test_the_sdk_probes_cluster_health_on_a_502_then_retries(store):
    url, admin, _ = store
    admin.faults.add("/v0/pipelines/p1", 502, method="GET", count=1)

    FelderaClient(url).get_pipeline("p1", PipelineFieldSelector.STATUS)

    # (The client's first request, GET /v0/config, is left out.)
    assert [e for e in journal(admin, "/v0/*") if e[1] != "/v0/config"] == [
        ("GET", "/v0/pipelines/p1", 502),
        ("GET", "/v0/cluster_healthz", 200),
        ("GET", "/v0/pipelines/p1", 200),
    ]


def test_the_sdk_waits_out_a_429(store):
    url, admin, _ = store
    admin.faults.add("/v0/pipelines", 429, method="GET", retry_after=0, count=1)

    assert [p.name for p in FelderaClient(url).pipelines()] == ["p1"]
    assert [s for _, _, s in journal(admin, "/v0/pipelines")] == [429, 200]


def test_the_sdk_raises_a_permanent_500_without_retrying(store):
    url, admin, _ = store
    admin.faults.add("/v0/pipelines/p1", 500, error_code="PostgresError", message="db down")

    with pytest.raises(FelderaAPIError) as raised:
        FelderaClient(url).get_pipeline("p1", PipelineFieldSelector.STATUS)

    assert raised.value.status_code == 500
    assert raised.value.error_code == "PostgresError"
    assert journal(admin, "/v0/pipelines/p1") == [("GET", "/v0/pipelines/p1", 500)]


def test_latency_trips_the_sdks_timeout(store):
    url, admin, _ = store
    admin.faults.add("/v0/pipelines/p1", method="GET", latency_ms=1500, count=1)
    impatient = FelderaClient(url, timeout=0.3, retry_config=RetryConfig(max_retries=0))

    with pytest.raises(FelderaTimeoutError):
        impatient.get_pipeline("p1", PipelineFieldSelector.STATUS)
    # Once the rule is spent, the same client is served.
    assert impatient.get_pipeline("p1", PipelineFieldSelector.STATUS).name == "p1"


def test_a_dropped_connection_is_retried_by_the_sdk_for_a_get(store):
    url, admin, _ = store
    admin.faults.add("/v0/pipelines/p1", method="GET", drop_connection=True, count=1)

    pipeline = FelderaClient(url, retry_config=QUICK).get_pipeline(
        "p1", PipelineFieldSelector.STATUS
    )

    assert pipeline.name == "p1"
    assert admin.faults.list()[0]["hits"] == 1


def test_rules_apply_on_every_worker_and_count_across_them(store):
    url, admin, log_path = store
    admin.faults.add("/v0/pipelines", 503, method="GET", retry_after=0, count=5)
    counted = fresh_gets(url, "/v0/pipelines?counted")
    admin.faults.clear()
    admin.faults.add("/v0/pipelines", 503, method="GET", retry_after=0)
    everyone = fresh_gets(url, "/v0/pipelines?everyone")

    assert sorted(r.status_code for r in counted) == [200] * 19 + [503] * 5
    assert {r.status_code for r in everyone} == {503}
    pids = pids_answering(log_path, "?everyone", "503")
    assert len(pids) == 2, f"only one worker answered: {pids}"


def test_every_worker_runs_on_the_shared_clock(store):
    url, admin, log_path = store
    frozen = admin.clock.freeze()
    admin.clock.advance(3600)

    answers = fresh_gets(url, "/v0/pipelines?selector=status&clock")
    created = {r.json()[0]["created_at"] for r in answers}
    requests.post(f"{url}/v0/pipelines", json={"name": "p2", "program_code": ""}, timeout=10)
    stamps = {
        r.json()[1]["created_at"] for r in fresh_gets(url, "/v0/pipelines?selector=status&p2")
    }

    assert len(created) == 1
    assert len(stamps) == 1
    # Created on the frozen clock, an hour after it stopped.
    assert stamps.pop() > frozen["now"]
    assert admin.clock.now()["frozen"] is True
    assert len(pids_answering(log_path, "&p2", "200")) == 2


def test_every_worker_sees_a_reset_and_a_snapshot_restore(store):
    url, admin, log_path = store
    requests.post(f"{url}/v0/pipelines", json={"name": "p2", "program_code": ""}, timeout=10)
    # Every worker has seen (and may keep) the list before the changes.
    fresh_gets(url, "/v0/pipelines?selector=status&warm")
    admin.snapshot.save("two")
    admin.reset()
    after_reset = fresh_gets(url, "/v0/pipelines?selector=status&reset")
    admin.snapshot.restore("two")
    after_restore = fresh_gets(url, "/v0/pipelines?selector=status&restored")

    assert {r.text for r in after_reset} == {"[]"}
    assert {tuple(p["name"] for p in r.json()) for r in after_restore} == {("p1", "p2")}
    for marker in ("&reset", "&restored"):
        assert len(pids_answering(log_path, marker, "200")) == 2, marker
