"""The admin API through the test client: reset, faults, clock, journal, snapshots, auth."""

import contextlib
import sqlite3
import time
from datetime import timedelta

import jwt
import pytest

from app import create_app
from app.auth.tokens import issue_token
from app.storage import POOL
from app.storage import database_path
from app.storage import open_app_store
from app.storage.sqlite.migrations import MIGRATIONS
from app.storage.sqlite.migrations import create_admin
from app.timeutil import format_timestamp
from app.timeutil import parse_timestamp
from tests.conftest import BOTH_BACKENDS
from tests.simulation import PROGRAM
from tests.simulation import TIMING

SECRET = "admin-tests-secret-of-at-least-32-bytes"
JWT_SECRET = "admin-tests-jwt-secret-of-at-least-32-bytes"


def make_app(tmp_path, database=None, **settings):
    """An app on a fresh database, with the simulation's test timings and no CLOCK hook."""
    return create_app(
        {
            "TESTING": True,
            "DATABASE": database or str(tmp_path / "pipelines.sqlite3"),
            "SECRET_KEY": SECRET,
            **settings,
        }
    )


@pytest.fixture
def client(tmp_path, database):
    return make_app(tmp_path, database, SIMULATION_SCALE=0).test_client()


def create(client, name, tags=(), program=""):
    response = client.post(
        "/v0/pipelines", json={"name": name, "program_code": program, "tags": list(tags)}
    )
    assert response.status_code == 201, response.get_json()


def count(client, table: str) -> int:
    """Rows of a table, read on a store of its own (either backend)."""
    with contextlib.closing(open_app_store(client.application)) as store:
        driver = store.conn if hasattr(store, "conn") else store.db
        return driver.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def names(client):
    return [p["name"] for p in client.get("/v0/pipelines?selector=status").get_json()]


def test_the_admin_api_has_its_own_tag_in_the_document(client):
    spec = client.get("/openapi.json").get_json()
    admin_paths = [path for path in spec["paths"] if path.startswith("/__admin/")]
    assert "/__admin/faults" in admin_paths and "/__admin/clock/advance" in admin_paths
    operations = [
        op for path in admin_paths for op in spec["paths"][path].values() if isinstance(op, dict)
    ]
    tags = {tag for op in operations for tag in op["tags"]}
    assert tags == {"admin"}
    assert "admin" in {tag["name"] for tag in spec["tags"]}


@BOTH_BACKENDS
def test_reset_deletes_every_pipeline_and_its_data_and_keeps_api_keys(client):
    create(client, "a1")
    client.post("/v0/pipelines/a1/start", headers={"Content-Type": "application/json"})
    assert client.get("/v0/pipelines/a1").get_json()["deployment_status"] == "Running"
    create(client, "b1")
    assert client.post("/v0/api_keys", json={"name": "k1", "role": "write"}).status_code == 201
    assert count(client, "pipeline_logs") > 0

    answer = client.post("/__admin/reset", json={})

    assert answer.status_code == 200
    assert answer.get_json() == {"pipelines_deleted": 2, "api_keys_deleted": 0, "admin_state": True}
    assert names(client) == []
    for table in ("data_state", "pipeline_logs", "data_batches"):
        assert count(client, table) == 0, table
    assert [key["name"] for key in client.get("/v0/api_keys").get_json()] == ["k1"]
    dropped = client.post("/__admin/reset", json={"drop_api_keys": True}).get_json()
    assert dropped["api_keys_deleted"] == 1
    assert client.get("/v0/api_keys").get_json() == []


@BOTH_BACKENDS
def test_reset_by_prefix_and_tag_deletes_only_those(client):
    create(client, "team-a-1", tags=["ci"])
    create(client, "team-a-2")
    create(client, "team-b-1", tags=["ci"])
    client.post("/__admin/faults", json={"path": "/v0/never", "status": 500})

    by_prefix = client.post("/__admin/reset", json={"name_prefix": "team-a-", "tag": "ci"})

    assert by_prefix.get_json() == {
        "pipelines_deleted": 1,
        "api_keys_deleted": 0,
        "admin_state": False,
    }
    assert names(client) == ["team-a-2", "team-b-1"]
    assert len(client.get("/__admin/faults").get_json()) == 1  # a filtered reset keeps rules
    client.post("/__admin/reset", json={"tag": "ci"})
    assert names(client) == ["team-a-2"]


@BOTH_BACKENDS
def test_a_counted_503_answers_twice_with_retry_after_then_clears(client):
    create(client, "p1")
    rule = client.post(
        "/__admin/faults",
        json={"method": "GET", "path": "/v0/pipelines/*", "status": 503, "count": 2},
    ).get_json()
    assert rule["retry_after"] == 5  # upstream's with every 503

    answers = [client.get("/v0/pipelines/p1") for _ in range(3)]

    assert [a.status_code for a in answers] == [503, 503, 200]
    assert answers[0].headers["Retry-After"] == "5"
    assert answers[0].get_json() == {
        "message": "Injected fault: HTTP 503",
        "error_code": "InjectedFault",
        "details": {},
    }
    stored = client.get(f"/__admin/faults/{rule['id']}").get_json()
    assert (stored["hits"], stored["remaining"]) == (2, 0)
    # Other methods and paths were never affected.
    assert client.get("/v0/pipelines").status_code == 200


def test_a_rule_answers_in_upstreams_shape_for_its_method_only(client):
    create(client, "p1")
    client.post(
        "/__admin/faults",
        json={
            "method": "POST",
            "path": "/v0/pipelines/*/start",
            "status": 503,
            "error_code": "PipelineInteractionUnreachable",
            "message": "Error sending HTTP request to pipeline: connection refused",
            "details": {"pipeline_name": "p1"},
            "retry_after": 1,
        },
    )
    refused = client.post("/v0/pipelines/p1/start", headers={"Content-Type": "application/json"})
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "1"
    assert refused.get_json() == {
        "message": "Error sending HTTP request to pipeline: connection refused",
        "error_code": "PipelineInteractionUnreachable",
        "details": {"pipeline_name": "p1"},
    }
    assert client.get("/v0/pipelines/p1").status_code == 200


@BOTH_BACKENDS
def test_rules_expire_and_can_be_deleted(client):
    short = client.post(
        "/__admin/faults", json={"path": "/v0/pipelines", "status": 429, "duration_seconds": 0.05}
    ).get_json()
    assert short["expires_at"] is not None and short["retry_after"] is None
    lasting = client.post("/__admin/faults", json={"path": "/v0/config", "status": 500}).get_json()
    assert client.get("/v0/config").status_code == 500
    time.sleep(0.1)
    assert client.get("/v0/pipelines").status_code == 200  # expired
    assert client.delete(f"/__admin/faults/{lasting['id']}").status_code == 200
    assert client.get("/v0/config").status_code == 200
    missing = client.delete(f"/__admin/faults/{lasting['id']}")
    assert missing.status_code == 404
    assert missing.get_json()["error_code"] == "UnknownFaultRule"
    assert client.delete("/__admin/faults").status_code == 200
    assert client.get("/__admin/faults").get_json() == []


def test_latency_alone_delays_then_answers_normally(client):
    rule = client.post(
        "/__admin/faults", json={"path": "/v0/pipelines", "latency_ms": 20, "count": 1}
    ).get_json()
    assert client.get("/v0/pipelines").status_code == 200
    assert client.get(f"/__admin/faults/{rule['id']}").get_json()["hits"] == 1


@pytest.mark.parametrize(
    "body",
    [
        {"path": "/v0/pipelines"},  # does nothing
        {"path": "/v0/pipelines", "status": 200},
        {"path": "/v0/pipelines", "status": 503, "probability": 0},
        {"path": "/v0/pipelines", "status": 503, "count": 0},
        {"path": "", "status": 503},
        {"status": 503},
    ],
)
def test_a_rule_that_cannot_work_is_refused(client, body):
    answer = client.post("/__admin/faults", json=body)
    assert answer.status_code == 400
    assert answer.get_json()["error_code"] == "InvalidRequestBody"
    assert client.get("/__admin/faults").get_json() == []


@BOTH_BACKENDS
def test_freeze_advance_resume_move_the_shared_clock(client):
    frozen = client.post("/__admin/clock/freeze").get_json()
    assert frozen["frozen"] is True
    assert client.get("/__admin/clock").get_json()["now"] == frozen["now"]

    advanced = client.post("/__admin/clock/advance", json={"seconds": 90}).get_json()

    moved = parse_timestamp(advanced["now"]) - parse_timestamp(frozen["now"])
    assert moved == timedelta(seconds=90)
    create(client, "p1")
    # Everything the simulation stamps uses the shared clock.
    assert client.get("/v0/pipelines/p1").get_json()["created_at"] == advanced["now"]
    resumed = client.post("/__admin/clock/resume").get_json()
    assert resumed["frozen"] is False
    assert resumed["offset_seconds"] > 80  # ahead of the wall clock by what was added
    assert client.post("/__admin/clock/advance", json={"seconds": -1}).status_code == 400


def test_advancing_time_walks_a_pipeline_to_a_crash_without_waiting(tmp_path):
    client = make_app(tmp_path, **TIMING).test_client()
    start = parse_timestamp(client.post("/__admin/clock/freeze").get_json()["now"])

    def at(seconds):
        return format_timestamp(start + timedelta(seconds=seconds))

    def advance(seconds):
        client.post("/__admin/clock/advance", json={"seconds": seconds})
        return client.get("/v0/pipelines/p1").get_json()

    program = PROGRAM + "\n-- pipeline-store: crash-after 30 disk on fire"
    create(client, "p1", program=program)
    assert advance(7.5)["program_status"] == "CompilingRust"
    compiled = advance(0.5)
    assert (compiled["program_status"], compiled["program_status_since"]) == ("Success", at(8))
    client.post("/v0/pipelines/p1/start", headers={"Content-Type": "application/json"})
    assert advance(1)["deployment_status"] == "Provisioning"
    assert advance(2)["deployment_status"] == "Initializing"
    running = advance(3)
    assert (running["deployment_status"], running["deployment_status_since"]) == ("Running", at(14))
    assert advance(29)["deployment_status"] == "Running"
    crashed = advance(1 + 1)  # crash at 44, then STOP_SECONDS
    assert crashed["deployment_status"] == "Stopped"
    assert crashed["deployment_error"]["error_code"] == "RuntimeError.WorkerPanic"
    assert "disk on fire" in crashed["deployment_error"]["message"]


def test_a_provisioning_timeout_is_reached_by_advancing(tmp_path):
    client = make_app(tmp_path, **TIMING).test_client()
    client.post("/__admin/clock/freeze")
    create(client, "p1", program=PROGRAM + "\n-- pipeline-store: provisioning-timeout")
    client.post("/__admin/clock/advance", json={"seconds": 8})
    client.post("/v0/pipelines/p1/start", headers={"Content-Type": "application/json"})
    client.post("/__admin/clock/advance", json={"seconds": 1 + 20 + 1})
    stopped = client.get("/v0/pipelines/p1").get_json()
    assert stopped["deployment_status"] == "Stopped"
    assert stopped["deployment_error"]["error_code"] == "AutomatonProvisioningTimeout"


@BOTH_BACKENDS
def test_the_journal_keeps_the_last_requests_without_secrets(tmp_path, database):
    client = make_app(tmp_path, database, AUTH="bearer", ADMIN_API="on").test_client()
    admin = {"Authorization": f"Bearer {issue_token(SECRET, 'admin', 600)}"}
    assert client.get("/__admin/journal", headers=admin).get_json() == []  # off by default
    key = client.post("/v0/api_keys", json={"name": "k", "role": "write"}, headers=admin)
    secret = key.get_json()["api_key"]
    user = {"Authorization": f"Bearer {secret}"}
    assert client.put("/__admin/journal", json={"size": 3}, headers=admin).status_code == 200

    client.get("/v0/pipelines?selector=all", headers=user)
    client.get("/v0/pipelines?selector=status", headers=user)
    client.get("/v0/pipelines/nope", headers=user)
    client.get("/v0/pipelines?selector=status")  # anonymous: 401
    entries = client.get("/__admin/journal", headers=admin).get_json()

    assert [(e["path"], e["query"], e["status"], e["caller"]) for e in entries] == [
        ("/v0/pipelines", "selector=status", 401, "anonymous"),
        ("/v0/pipelines/nope", "", 404, "apikey:write"),
        ("/v0/pipelines", "selector=status", 200, "apikey:write"),
    ]  # three kept, newest first; admin calls are not recorded
    assert secret not in str(entries) and secret[7:20] not in str(entries)
    polled = client.get(
        "/__admin/journal?path=/v0/pipelines&method=get&limit=1", headers=admin
    ).get_json()
    assert [e["query"] for e in polled] == ["selector=status"]
    assert client.delete("/__admin/journal", headers=admin).status_code == 200
    assert client.get("/__admin/journal", headers=admin).get_json() == []


def test_snapshots_save_list_restore_and_delete(client):
    create(client, "kept")
    saved = client.put("/__admin/snapshots/fixture-1")
    assert saved.status_code == 201 and saved.get_json()["name"] == "fixture-1"
    client.delete("/v0/pipelines/kept")
    create(client, "later")

    restored = client.post("/__admin/snapshots/fixture-1/restore")

    assert restored.status_code == 200
    assert names(client) == ["kept"]
    assert [s["name"] for s in client.get("/__admin/snapshots").get_json()] == ["fixture-1"]
    assert client.delete("/__admin/snapshots/fixture-1").status_code == 200
    unknown = client.post("/__admin/snapshots/fixture-1/restore")
    assert unknown.status_code == 404
    assert unknown.get_json() == {
        "message": "Unknown snapshot 'fixture-1'",
        "error_code": "UnknownSnapshot",
        "details": {"name": "fixture-1"},
    }
    assert client.put("/__admin/snapshots/.hidden").get_json()["error_code"] == (
        "InvalidSnapshotName"
    )


def test_the_admin_api_is_off_by_default_with_bearer_auth(tmp_path):
    client = make_app(tmp_path, AUTH="bearer").test_client()
    admin = {"Authorization": f"Bearer {issue_token(SECRET, 'admin', 600)}"}
    answer = client.get("/__admin/faults", headers=admin)
    assert answer.status_code == 404
    assert answer.get_json()["error_code"] == "UnknownEndpoint"
    assert "/__admin/faults" not in client.get("/openapi.json").get_json()["paths"]
    off = make_app(tmp_path, ADMIN_API="off").test_client()
    assert off.post("/__admin/reset", json={}).status_code == 404


def test_with_bearer_auth_only_admin_tokens_and_jwts_may_use_it(tmp_path):
    client = make_app(tmp_path, AUTH="bearer", ADMIN_API="on", JWT_SECRET=JWT_SECRET).test_client()
    admin_token = issue_token(SECRET, "admin", 600)
    key = client.post(
        "/v0/api_keys",
        json={"name": "k", "role": "write"},
        headers={"Authorization": f"Bearer {admin_token}"},
    ).get_json()["api_key"]
    admin_jwt = jwt.encode(
        {"role": "admin", "aud": "feldera-api", "exp": 9999999999}, JWT_SECRET, "HS256"
    )

    def status(token):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        answer = client.get("/__admin/clock", headers=headers)
        return answer.status_code, (answer.get_json() or {}).get("error_code")

    assert status(None) == (401, "AuthenticationFailed")
    assert status(key) == (403, "AdminCredentialRefused")
    assert status("apikey:" + "x" * 128) == (401, "AuthenticationFailed")
    assert status(issue_token(SECRET, "write", 600)) == (403, "InsufficientPermissions")
    assert status(admin_token) == (200, None)
    assert status(admin_jwt) == (200, None)


def test_a_restore_waits_for_no_reader_and_readers_see_it_after_their_snapshot(client, tmp_path):
    create(client, "saved")
    client.put("/__admin/snapshots/one")
    create(client, "later")
    # Another worker's connection, in the middle of a read.
    reader = sqlite3.connect(tmp_path / "pipelines.sqlite3", isolation_level=None)
    reader.execute("BEGIN")
    before = reader.execute("SELECT name FROM pipelines ORDER BY id").fetchall()

    assert client.post("/__admin/snapshots/one/restore").status_code == 200

    during = reader.execute("SELECT name FROM pipelines ORDER BY id").fetchall()
    reader.execute("COMMIT")
    after = reader.execute("SELECT name FROM pipelines ORDER BY id").fetchall()
    assert before == during == [("saved",), ("later",)]
    assert after == [("saved",)]
    assert reader.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert names(client) == ["saved"]


def test_an_older_snapshot_is_migrated_and_a_newer_one_refused(client, tmp_path):
    create(client, "old")
    client.put("/__admin/snapshots/old")
    client.put("/__admin/snapshots/new")
    folder = tmp_path / "snapshots"
    with sqlite3.connect(folder / "old.sqlite3") as old:
        # As saved by a server without the admin tables (the migrations before theirs), nor
        # the event tables of the migration after them.
        admin = ("admin_journal", "admin_faults", "admin_state")
        for table in (*admin, "pipeline_events", "cluster_events"):
            old.execute(f"DROP TABLE {table}")
        old.execute(f"PRAGMA user_version = {MIGRATIONS.index(create_admin)}")
    with sqlite3.connect(folder / "new.sqlite3") as new:
        new.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    create(client, "current")

    refused = client.post("/__admin/snapshots/new/restore")
    assert refused.status_code == 409
    assert refused.get_json()["details"] == {
        "name": "new",
        "version": len(MIGRATIONS) + 1,
        "current": len(MIGRATIONS),
    }
    assert names(client) == ["old", "current"]
    assert client.post("/__admin/snapshots/old/restore").status_code == 200
    assert names(client) == ["old"]
    assert client.get("/__admin/faults").get_json() == []  # the admin tables are back


def traced(app) -> list[str]:
    """Record the SQL of this thread's kept connection (the test client's requests run here)."""
    statements: list[str] = []
    with app.app_context():
        store = app.extensions[POOL].acquire(database_path(app), app.config["BUSY_TIMEOUT_MS"])
    store.db.conn.set_trace_callback(statements.append)
    return statements


def test_the_admin_state_costs_a_poll_no_statement_of_its_own(tmp_path):
    app = make_app(tmp_path, SIMULATION_SCALE=0)
    client = app.test_client()
    create(client, "p1")
    etag = client.get("/v0/pipelines/p1?selector=status").headers["ETag"]
    client.get("/v0/pipelines?selector=status")  # this worker renders and remembers it
    statements = traced(app)

    revalidated = client.get("/v0/pipelines/p1?selector=status", headers={"If-None-Match": etag})
    revalidation = list(statements)
    statements.clear()
    remembered = client.get("/v0/pipelines?selector=status")

    assert (revalidated.status_code, remembered.status_code) == (304, 200)
    # One statement each, as without the admin API: the admin state, the change stamp and
    # whether a transition is due, read together; the view takes the stamp from it.
    for request in (revalidation, statements):
        assert len(request) == 1 and "FROM admin_state" in request[0], request
    client.post("/__admin/faults", json={"path": "/v0/never", "status": 500})
    statements.clear()
    for _ in range(3):
        client.get("/v0/pipelines?selector=status")
    # With a rule: its list is read once, then kept by this worker for the version read.
    assert len([s for s in statements if "FROM admin_faults ORDER BY id" in s]) == 1
    assert len(statements) == 3 + 1


def test_a_rule_with_a_probability_hits_about_that_share(client):
    rule = client.post(
        "/__admin/faults", json={"path": "/v0/config", "status": 503, "probability": 0.5}
    ).get_json()
    statuses = [client.get("/v0/config").status_code for _ in range(200)]
    hits = client.get(f"/__admin/faults/{rule['id']}").get_json()["hits"]
    assert statuses.count(503) == hits
    # Binomial(200, 0.5): outside 60..140 has a probability below 1e-8.
    assert 60 <= hits <= 140
    assert statuses.count(200) == 200 - hits


def test_a_hostile_page_cannot_drive_the_admin_api(client):
    create(client, "precious")
    # A form on another origin (no preflight), and a rebound host name.
    posted = client.post(
        "/__admin/reset",
        data="{}",
        headers={"Origin": "https://evil.example", "Content-Type": "text/plain"},
    )
    rebound = client.get("/__admin/journal", headers={"Host": "evil.example"})
    assert (posted.status_code, rebound.status_code) == (403, 403)
    assert posted.get_json()["error_code"] == "OriginNotAllowed"
    assert names(client) == ["precious"]


def test_snapshots_are_refused_on_postgres(pg_cluster, pg_pools, tmp_path):
    client = make_app(tmp_path, pg_cluster.emptied_database()).test_client()
    for method, path in (
        ("PUT", "/__admin/snapshots/one"),
        ("GET", "/__admin/snapshots"),
        ("POST", "/__admin/snapshots/one/restore"),
    ):
        refused = client.open(path, method=method)
        assert refused.status_code == 501, refused.get_json()
        assert refused.get_json()["error_code"] == "SnapshotsUnavailable"
    assert not list(tmp_path.iterdir())  # no folder named after the URL
