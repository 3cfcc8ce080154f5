"""The official Feldera Python SDK (feldera 0.369.0) end to end against pipeline-store.

Every test drives the real client against the real server: gunicorn with two workers on a
temporary instance folder, simulation delays small but non-zero so the SDK's polling loops
(compile 1 s, start/pause/resume 0.5 s, clear 0.25 s, stop 0.1 s) really poll. The server is
module-scoped and parametrized: once with auth off, once with `AUTH=bearer` and a write-role
API key minted by the `pipeline-store api-key create` CLI while the server runs. Error paths
that send no credential of their own run against the auth-off server only.

Tests are independent (each uses its own pipeline names), so pytest-xdist may split them. No
test may take the SDK into its retry back-off (≈ 15 s per 503), and none may hang: each has a
deadline, since the SDK's waits have none by default.
"""

import concurrent.futures
import dataclasses
import logging
import os
import pathlib
import re
import signal
import subprocess
import sys
import threading
import time
import uuid

import pytest

from tests.feldera_sdk import SDK_VERSION
from tests.feldera_sdk import FelderaAPIError
from tests.feldera_sdk import FelderaClient
from tests.feldera_sdk import FelderaEdition
from tests.feldera_sdk import InnerPipeline
from tests.feldera_sdk import Pipeline
from tests.feldera_sdk import PipelineBuilder
from tests.feldera_sdk import PipelineFieldSelector
from tests.feldera_sdk import PipelineStatus
from tests.feldera_sdk import ProgramStatus
from tests.feldera_sdk import RuntimeConfig
from tests.feldera_sdk import StorageStatus
from tests.server import SECRET_KEY
from tests.server import gunicorn_server

# SIMULATION_SCALE multiplies the per-phase `*_SECONDS` defaults of app/config.py: a compile
# takes ≈ 0.4 s, provisioning and initializing ≈ 0.15 s each, stop and clear ≈ 0.04 s. Non-zero,
# so every SDK wait sees intermediate states, yet each ends on its first or second poll.
TIMING = {
    "PIPELINE_STORE_SIMULATION_SCALE": "0.15",
    # How long the injected `provisioning-timeout` fault takes to fail a start: 2 s × 0.15.
    "PIPELINE_STORE_PROVISIONING_TIMEOUT_SECONDS": "2",
}
# tests.server.SECRET_KEY is what gunicorn gets; the CLI must use the same.
# Statuses the SDK retries for ~15 s; pipeline-store must never answer them in these flows.
RETRIED_STATUSES = {"408", "429", "502", "503", "504"}
TEST_DEADLINE_S = 30
# Error paths that involve no credential run against the auth-off server only, which keeps
# the module well under a minute (each compile wait costs the SDK's 1 s poll).
AUTH_OFF_ONLY = pytest.mark.parametrize("server", ["auth-off"], indirect=True)
AUTH_ON_ONLY = pytest.mark.parametrize("server", ["auth-on"], indirect=True)

SQL = """
CREATE TABLE orders (
    id INT NOT NULL PRIMARY KEY,
    amount DECIMAL(10, 2),
    customer VARCHAR
);
CREATE MATERIALIZED VIEW big_orders AS SELECT id, amount FROM orders WHERE amount > 100;
CREATE VIEW order_count AS SELECT COUNT(*) AS n FROM orders;
"""

SQL_V2 = """
CREATE TABLE customers (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR NOT NULL);
CREATE TABLE payments (customer_id BIGINT, paid BOOLEAN);
CREATE VIEW unpaid AS SELECT customer_id FROM payments WHERE NOT paid;
"""

SQL_SYNTAX_ERROR = """
CREATE TABLE t (id INT NOT NULL PRIMARY KEY);
CREATE VIEW v AS SELEC id FROM t;
"""


@dataclasses.dataclass
class Server:
    url: str
    api_key: str | None
    instance: pathlib.Path
    log_path: pathlib.Path

    def log_offset(self) -> int:
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def requests_since(self, offset: int) -> list[tuple[str, str, str]]:
        """(method, target, status) of every request the access log recorded after offset."""
        with self.log_path.open("rb") as log:
            log.seek(offset)
            lines = log.read().decode().splitlines()
        # Format "%(p)s %(r)s %(s)s": pid, "METHOD /target HTTP/1.1", status.
        return [(parts[1], parts[2], parts[-1]) for parts in map(str.split, lines) if parts]


def pipeline_store_cli(instance: pathlib.Path, settings: dict, *args: str) -> str:
    """Run the `pipeline-store` console script on the server's instance folder and settings."""
    script = pathlib.Path(sys.executable).with_name("pipeline-store")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "flask", "--app", "app"]
    env = {
        **os.environ,
        **settings,
        "PIPELINE_STORE_INSTANCE_PATH": str(instance),
        "PIPELINE_STORE_SECRET_KEY": SECRET_KEY,
    }
    result = subprocess.run([*command, *args], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"{args}: {result.stdout}{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module", params=["auth-off", "auth-on"])
def server(request, tmp_path_factory):
    """A two-worker gunicorn server; with auth on, also a write key made with the CLI."""
    instance = tmp_path_factory.mktemp(f"sdk-{request.param}")
    env = dict(TIMING)
    if request.param == "auth-on":
        env["PIPELINE_STORE_AUTH"] = "bearer"
    with gunicorn_server(instance, workers=2, env=env) as (url, log_path):
        api_key = None
        if request.param == "auth-on":
            # Minted by another process while the server runs, as an operator would.
            output = pipeline_store_cli(
                instance, env, "api-key", "create", "sdk-tests", "--role", "write"
            )
            match = re.search(r"apikey:[A-Za-z0-9]{128}", output)
            assert match, f"no API key in the CLI output: {output!r}"
            api_key = match.group(0)
        yield Server(url, api_key, instance, log_path)


@pytest.fixture
def client(server):
    return FelderaClient(server.url, api_key=server.api_key)


@pytest.fixture
def name(request):
    """A pipeline name of this test's own (the server is shared by the module's tests)."""
    stem = request.node.originalname.removeprefix("test_").replace("_", "-")[:40]
    return f"{stem}-{uuid.uuid4().hex[:6]}"


@pytest.fixture(autouse=True)
def deadline():
    """Fail instead of hanging: the SDK's waits have no timeout by default."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(_signum, _frame):
        raise TimeoutError(f"test still running after {TEST_DEADLINE_S} s (SDK stuck polling?)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, TEST_DEADLINE_S)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(autouse=True)
def no_retried_answers(server):
    """No answer the SDK would retry (its back-off turns one into a ~15 s stall)."""
    offset = server.log_offset()
    yield
    time.sleep(0.05)  # gunicorn logs a request just after answering it
    retried = [r for r in server.requests_since(offset) if r[2] in RETRIED_STATUSES]
    assert not retried, f"answers the SDK retries with back-off: {retried}"


def names(relations) -> list[str]:
    return [relation.name for relation in relations]


def user_views(pipeline: Pipeline) -> list[str]:
    views = names(pipeline.views())
    assert "error_view" in views, "upstream always lists the system view error_view"
    return [view for view in views if view != "error_view"]


def inner_pipeline(name: str, sql: str, **fields) -> InnerPipeline:
    """The SDK's own request object, as `PipelineBuilder` fills it."""
    return InnerPipeline(
        name,
        sql,
        "",
        "",
        program_config={"profile": "optimized", "runtime_version": None},
        runtime_config=RuntimeConfig.default().to_dict(),
        **fields,
    )


@AUTH_OFF_ONLY
def test_importing_the_sdk_left_the_test_process_alone():
    import pretty_errors

    assert sys.excepthook is not pretty_errors.excepthook
    for stream in (sys.stdout, sys.stderr):
        assert not type(stream).__module__.startswith("colorama"), stream


def test_client_connects_without_version_mismatch_warning(server, caplog, monkeypatch):
    caplog.set_level(logging.INFO)
    client = FelderaClient(server.url, api_key=server.api_key)
    config = client.get_config()

    assert config.version == SDK_VERSION == "0.369.0"
    assert config.edition == FelderaEdition.OPEN_SOURCE
    # The SDK would log "Feldera client is on version X while server is at Y. There could be
    # incompatibilities." on any mismatch; nothing at all may be logged at WARNING or above.
    assert "incompatibilities" not in caplog.text
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text

    # The SDK's environment defaults, as the README shows them.
    monkeypatch.setenv("FELDERA_HOST", server.url)
    if server.api_key:
        monkeypatch.setenv("FELDERA_API_KEY", server.api_key)
    from_env = FelderaClient()
    assert from_env.config.url == server.url
    assert [p.name for p in from_env.pipelines()] == [p.name for p in client.pipelines()]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text


@AUTH_ON_ONLY
def test_client_without_a_valid_key_is_refused(server, monkeypatch):
    monkeypatch.delenv("FELDERA_API_KEY", raising=False)
    with pytest.raises(FelderaAPIError) as missing:
        FelderaClient(server.url)
    assert missing.value.status_code == 401
    assert "no credential provided" in str(missing.value)

    with pytest.raises(FelderaAPIError) as wrong:
        FelderaClient(server.url, api_key="apikey:" + "x" * 128)
    assert wrong.value.status_code == 401
    assert wrong.value.error_code == "AuthenticationFailed"
    assert "credential rejected" in str(wrong.value)


@AUTH_ON_ONLY
def test_read_key_made_with_the_sdk_can_look_but_not_touch(server, client, name):
    created = client.create_api_key(f"{name}-reader", role="read")
    assert created["name"] == f"{name}-reader"
    assert re.fullmatch(r"apikey:[A-Za-z0-9]{128}", created["api_key"])

    reader = FelderaClient(server.url, api_key=created["api_key"])
    assert isinstance(reader.pipelines(), list)
    with pytest.raises(FelderaAPIError) as refused:
        reader.create_pipeline(inner_pipeline(name, SQL))
    assert refused.value.status_code == 403
    assert refused.value.error_code == "InsufficientPermissions"
    assert refused.value.details == {"required": "write", "actual": "read"}


def test_builder_create_or_replace_new_then_existing(server, client, name):
    pipeline = PipelineBuilder(client, name, SQL, description="first").create_or_replace()

    assert pipeline.name == name
    assert pipeline.program_status() == ProgramStatus.Success
    assert pipeline.program_version() == 1
    tables = pipeline.tables()
    assert names(tables) == ["orders"]
    assert [field["name"] for field in tables[0].fields] == ["id", "amount", "customer"]
    assert tables[0].case_sensitive is False
    assert user_views(pipeline) == ["big_orders", "order_count"]
    assert [v.materialized for v in pipeline.views() if v.name != "error_view"] == [True, False]
    assert pipeline.program_code() == SQL.strip()
    assert pipeline.description() == "first"

    pipeline.start()
    assert pipeline.status() == PipelineStatus.RUNNING

    offset = server.log_offset()
    replaced = PipelineBuilder(client, name, SQL_V2).create_or_replace()

    assert replaced.program_status() == ProgramStatus.Success
    assert replaced.program_version() == 2
    assert names(replaced.tables()) == ["customers", "payments"]
    assert user_views(replaced) == ["unpaid"]
    assert replaced.status() == PipelineStatus.STOPPED
    assert replaced.storage_status() == StorageStatus.CLEARED
    assert replaced.description() == ""  # PUT replaces the whole pipeline
    # What the SDK sent to replace a running pipeline: stop, clear, dismiss the error, PUT.
    path = f"/v0/pipelines/{name}"
    sent = [(m, t) for m, t, _ in server.requests_since(offset) if t.startswith(path)]
    # (The log may still receive the previous status() poll: gunicorn logs after answering.)
    sent = sent[sent.index(("GET", f"{path}?selector=all")) :]
    assert [(m, t) for m, t in sent if m != "GET"] == [
        ("POST", f"{path}/stop?force=true"),
        ("POST", f"{path}/clear"),
        ("POST", f"{path}/dismiss_error"),
        ("PUT", path),
    ]


def test_client_create_update_patch_get_and_list(client, name):
    created = client.create_pipeline(inner_pipeline(name, SQL, description="d1", tags=["sdk"]))
    assert created.name == name
    assert created.program_status == "Success"
    assert names(created.tables) == ["orders"]
    assert created.description == "d1"
    assert created.tags == ["sdk"]

    with pytest.raises(FelderaAPIError) as duplicate:
        client.create_pipeline(inner_pipeline(name, SQL))
    assert duplicate.value.status_code == 409
    assert duplicate.value.error_code == "DuplicateName"

    updated = client.create_or_update_pipeline(inner_pipeline(name, SQL_V2))
    assert updated.program_status == "Success"
    assert updated.program_version == 2
    assert names(updated.tables) == ["customers", "payments"]

    other = f"{name}-put"
    upserted = client.create_or_update_pipeline(inner_pipeline(other, SQL))
    assert upserted.name == other
    assert upserted.program_status == "Success"
    assert upserted.program_version == 1

    version = updated.version
    client.patch_pipeline(name, description="patched", tags=["team:b", "team:a"])
    patched = client.get_pipeline(name, PipelineFieldSelector.ALL)
    assert patched.description == "patched"
    assert patched.tags == ["team:a", "team:b"]
    assert patched.program_code == SQL_V2.strip()  # keys sent as null stay unchanged
    assert patched.program_status == "Success"
    assert patched.version == version  # description and tags are not core fields

    client.patch_pipeline(name, sql=SQL)  # unlike PUT, PATCH sends the SQL unstripped
    recompiling = client.get_pipeline(name, PipelineFieldSelector.STATUS)
    assert recompiling.program_version == 3  # a program change: compiled anew
    assert recompiling.version == version + 1
    assert recompiling.program_status != "SqlError"

    full = client.get_pipeline(name, PipelineFieldSelector.ALL)
    status = client.get_pipeline(name, PipelineFieldSelector.STATUS)
    assert full.program_code == SQL
    assert full.runtime_config["workers"] >= 1
    assert full.program_config["profile"] == "optimized"
    for key in ("program_code", "runtime_config", "program_info", "program_error"):
        assert not hasattr(status, key), key
    assert status.deployment_status == full.deployment_status == "Stopped"
    assert status.id == full.id

    listed = client.pipelines()
    assert [p.name for p in listed if p.name in (name, other)] == [name, other]
    assert not hasattr(listed[0], "program_code")
    listed_all = client.pipelines(PipelineFieldSelector.ALL)
    assert {p.name: p.program_code for p in listed_all if p.name == other} == {other: SQL.strip()}
    wrappers = Pipeline.all(client)
    assert all(isinstance(p, Pipeline) for p in wrappers)
    assert [p.name for p in wrappers] == [p.name for p in listed]

    fetched = Pipeline.get(other, client)
    assert fetched.name == other
    assert names(fetched.tables()) == ["orders"]
    fetched.delete()
    assert fetched.status() == PipelineStatus.NOT_FOUND
    assert other not in [p.name for p in client.pipelines()]


def test_pipeline_lifecycle(client, name):
    pipeline = PipelineBuilder(client, name, SQL).create_or_replace()
    assert pipeline.status() == PipelineStatus.STOPPED
    assert pipeline.storage_status() == StorageStatus.CLEARED

    assert pipeline.start() is None  # Pipeline.start waits but returns nothing
    assert pipeline.status() == PipelineStatus.RUNNING
    assert pipeline.storage_status() == StorageStatus.INUSE

    pipeline.pause()
    assert pipeline.status() == PipelineStatus.PAUSED
    pipeline.resume()
    assert pipeline.status() == PipelineStatus.RUNNING

    with pytest.raises(FelderaAPIError) as running:
        pipeline.delete()
    assert running.value.error_code == "DeleteRestrictedToFullyStopped"

    pipeline.stop(force=True)
    assert pipeline.status() == PipelineStatus.STOPPED
    assert pipeline.storage_status() == StorageStatus.INUSE  # stopping keeps the storage

    # The client's start calls return the status their wait ended on.
    assert client.start_pipeline_as_paused(name) == PipelineStatus.PAUSED
    assert pipeline.status() == PipelineStatus.PAUSED
    pipeline.resume()
    assert pipeline.status() == PipelineStatus.RUNNING
    pipeline.stop(force=True)
    assert pipeline.status() == PipelineStatus.STOPPED

    with pytest.raises(FelderaAPIError) as in_use:
        pipeline.delete()
    assert in_use.value.error_code == "DeleteRestrictedToClearedStorage"

    pipeline.clear_storage()
    assert pipeline.storage_status() == StorageStatus.CLEARED
    pipeline.delete()
    assert pipeline.status() == PipelineStatus.NOT_FOUND


@AUTH_OFF_ONLY
def test_missing_pipeline(client, name):
    with pytest.raises(FelderaAPIError) as missing:
        client.get_pipeline(name, PipelineFieldSelector.STATUS)
    assert missing.value.status_code == 404
    assert missing.value.error_code == "UnknownPipelineName"
    assert missing.value.details == {"pipeline_name": name}

    with pytest.raises(FelderaAPIError) as not_found:
        Pipeline.get(name, client)
    assert not_found.value.status_code == 404

    # create() relies on the UnknownPipelineName code to tell "free" from "failed".
    created = PipelineBuilder(client, name, SQL).create()
    assert created.status() == PipelineStatus.STOPPED
    assert names(created.tables()) == ["orders"]
    with pytest.raises(RuntimeError, match="already exists"):
        PipelineBuilder(client, name, SQL).create()

    created.delete()
    assert created.status() == PipelineStatus.NOT_FOUND


@AUTH_OFF_ONLY
def test_runtime_config_with_new_duration_and_size_spellings(client, name):
    """The SDK sends `provisioning_timeout` / `max_rss`; they are stored as the 0.337 keys."""
    config = RuntimeConfig(provisioning_timeout="2s", max_rss="4Gi")
    assert config.to_dict()["provisioning_timeout"] == "2s"  # the SDK really sends new names
    PipelineBuilder(client, name, SQL, runtime_config=config).create_or_replace(wait=False)

    stored = client.get_pipeline(name, PipelineFieldSelector.ALL).runtime_config
    assert stored["provisioning_timeout_secs"] == 2
    assert stored["max_rss_mb"] == -(-4 * 2**30 // 10**6) == 4295  # MB = 10^6 bytes, rounded up
    assert "provisioning_timeout" not in stored
    assert "max_rss" not in stored


@AUTH_OFF_ONLY
def test_sql_error_raises_runtime_error_with_compiler_messages(client, name):
    with pytest.raises(RuntimeError) as failed:
        PipelineBuilder(client, name, SQL_SYNTAX_ERROR).create_or_replace()
    message = str(failed.value)
    assert message.startswith(f"Pipeline {name} failed to compile:\n")
    assert "Error parsing SQL" in message
    assert "Code snippet:" in message

    stored = client.get_pipeline(name, PipelineFieldSelector.ALL)
    assert stored.program_status == "SqlError"
    assert stored.program_info is None
    messages = stored.program_error["sql_compilation"]["messages"]
    assert messages[0]["start_line_number"] == 2  # `SELEC`, after the stripped first line
    assert messages[0]["message"] in message

    with pytest.raises(FelderaAPIError) as refused:
        client.start_pipeline(name)
    assert refused.value.error_code == "CannotStartWithCompilationError"


@AUTH_OFF_ONLY
def test_injected_sql_error(client, name):
    sql = SQL + "-- pipeline-store: sql-error injected by test_sdk\n"
    with pytest.raises(RuntimeError, match="injected by test_sdk") as failed:
        PipelineBuilder(client, name, sql).create_or_replace()
    assert str(failed.value).startswith(f"Pipeline {name} failed to compile:\n")


@AUTH_OFF_ONLY
def test_injected_rust_and_system_errors(client, name):
    """Other compile failures: the SDK quotes `rust_compilation` or `system_error`."""
    cases = {
        f"{name}-rust": ("rust-error cargo said no", "RustError", "Rust Error: "),
        f"{name}-system": ("system-error compiler server gone", "SystemError", "System Error: "),
    }

    def build(pipeline_name: str) -> str:
        sql = SQL + f"-- pipeline-store: {cases[pipeline_name][0]}\n"
        with pytest.raises(RuntimeError) as failed:
            PipelineBuilder(client, pipeline_name, sql).create_or_replace()
        return str(failed.value)

    with concurrent.futures.ThreadPoolExecutor(2) as pool:  # two compile waits at once
        messages = dict(zip(cases, pool.map(build, cases), strict=True))

    for pipeline_name, (directive, status, label) in cases.items():
        message = messages[pipeline_name]
        assert message.startswith(f"The program failed to compile: {status}\n"), message
        assert label in message
        assert directive.split(" ", 1)[1] in message


@AUTH_OFF_ONLY
def test_start_while_compiling_a_failing_program(client, name):
    """An early start (accepted while compiling) fails once the compile fails."""
    # A Rust error comes at the end of the whole compile (≈ 0.4 s): the start is surely early.
    sql = SQL + "-- pipeline-store: rust-error injected by test_sdk\n"
    pipeline = PipelineBuilder(client, name, sql).create_or_replace(wait=False)

    with pytest.raises(RuntimeError, match="Unable to START the pipeline") as failed:
        pipeline.start()

    stopped = client.get_pipeline(name, PipelineFieldSelector.STATUS)
    assert stopped.program_status == "RustError"
    assert stopped.deployment_error["error_code"] == "StartFailedDueToFailedCompilation"
    assert stopped.deployment_error["message"] in str(failed.value)


def test_injected_provisioning_failure(client, name):
    sql = SQL + "-- pipeline-store: provisioning-timeout\n"
    pipeline = PipelineBuilder(client, name, sql).create_or_replace()
    assert pipeline.program_status() == ProgramStatus.Success

    with pytest.raises(RuntimeError, match="Unable to START the pipeline") as failed:
        pipeline.start()
    assert "Reason: The pipeline is in a STOPPED state due to the following error:" in str(
        failed.value
    )

    stopped = client.get_pipeline(name, PipelineFieldSelector.STATUS)
    assert stopped.deployment_status == "Stopped"
    assert stopped.deployment_desired_status == "Stopped"
    assert stopped.deployment_error["error_code"] == "AutomatonProvisioningTimeout"
    assert stopped.deployment_error["message"] in str(failed.value)

    pipeline.dismiss_error()
    assert client.get_pipeline(name, PipelineFieldSelector.STATUS).deployment_error is None
    pipeline.delete(clear_storage=True)
    assert pipeline.status() == PipelineStatus.NOT_FOUND
