"""Every backend keeps the store's contract: rows, schedule, keys, data plane, logs, locking."""

import contextlib
import json
import threading

import pytest
from click.testing import CliRunner

from app import create_app
from app import storage
from app.cli import main
from app.pipelines import persistence
from app.pipelines.records import fresh_record
from app.schemas.pipelines import FIELD_SETS
from app.storage import NameTaken
from app.storage import StoreBusy
from app.storage import open_app_store
from app.storage.columns import PIPELINE_BOOL_COLUMNS
from app.storage.columns import PIPELINE_JSON_COLUMNS
from app.storage.interface import PipelineFilter
from app.storage.postgres import migrations as pg_migrations
from app.storage.postgres import schema_version as pg_schema_version
from app.storage.postgres.connection import redact
from app.storage.sqlite import migrations as sqlite_migrations
from app.storage.sqlite.migrations import INTERNAL_COLUMNS
from app.timeutil import uuid7
from tests.conftest import BOTH_BACKENDS
from tests.conftest import DATA
from tests.server import free_port

pytestmark = BOTH_BACKENDS


def record(name: str, **fields) -> dict:
    """A complete record as the domain would insert it."""
    base = fresh_record(
        pipeline_id=uuid7(),
        name=name,
        now="2030-01-01T00:00:00Z",
        platform_version="0.369.0",
        runtime_config={"workers": 4, "env": {"Z": "1", "A": "2"}},
        program_config={"profile": "optimized"},
        description='quotes " and \\ and \n and ünïcode',
        tags=["b", "a"],
    )
    return {**base, "simulated": 0, **fields}


@pytest.fixture
def store(app):
    with app.app_context(), contextlib.closing(open_app_store(app)) as store:
        yield store


def test_both_backends_have_the_same_numbered_migrations(backend):
    names = [step.__name__ for step in sqlite_migrations.MIGRATIONS]
    assert names == [step.__name__ for step in pg_migrations.MIGRATIONS]
    assert len(names) == len(set(names))


def test_pipeline_rows_round_trip_and_names_stay_unique(store):
    first, second = record("first"), record("second")
    with store.write():
        store.pipelines.insert(first)
        store.pipelines.insert(second)
        with pytest.raises(NameTaken):
            store.pipelines.insert(record("first"))
        # The transaction is still usable after the refusal (Postgres would abort it).
        with pytest.raises(NameTaken):
            store.pipelines.update(second["id"], {"name": "first"})
        store.pipelines.update(second["id"], {"description": "changed", "version": 2})
    got = store.pipelines.get("first")
    assert {k: got[k] for k in first} == first
    assert store.pipelines.get("nobody") is None
    many = store.pipelines.get_many([second["id"], "unknown", first["id"]])
    assert [r["name"] for r in many] == ["first", "second"]
    assert many[1]["description"] == "changed" and many[1]["version"] == 2
    assert sorted(store.pipelines.names_and_ids()) == [
        ("first", first["id"]),
        ("second", second["id"]),
    ]
    with store.write():
        store.pipelines.delete(first["id"])
    assert store.pipelines.get("first") is None


def test_rendered_json_keeps_stored_text_and_key_order(store):
    row = record("p", deployment_runtime_status_details={"connector_stats": {"num_errors": 2}})
    with store.write():
        store.pipelines.insert(row)
    fields = FIELD_SETS["status_with_connectors"]
    (listed,) = json.loads(store.pipelines.render_list(fields))
    assert list(listed) == [f for f in fields if f != "connectors"] + ["connectors"]
    assert listed["connectors"] == {"num_errors": 2}
    assert listed["description"] == row["description"]
    everything = json.loads(store.pipelines.render_one("p", FIELD_SETS["all"]))
    # Stored JSON goes out as stored: upstream's key order survives (jsonb would sort it).
    assert list(everything["runtime_config"]["env"]) == ["Z", "A"]
    assert everything["tags"] == ["b", "a"]
    assert store.pipelines.render_one("q", FIELD_SETS["all"]) is None
    assert store.pipelines.render_list(FIELD_SETS["status"]) != "[]"


def test_a_failed_write_leaves_nothing_behind(store):
    with pytest.raises(RuntimeError), store.write():
        store.pipelines.insert(record("half"))
        raise RuntimeError("boom")
    assert store.pipelines.get("half") is None


def test_schedule_lists_due_rows_most_overdue_first(store):
    rows = [record(f"s{i}") for i in range(4)]
    with store.write():
        for row in rows:
            store.pipelines.insert(row)
        for row, due in zip(rows, (30, 10, None, 20), strict=True):
            store.schedule.set_schedule(row["id"], due)
    assert not store.schedule.anything_due(9)
    assert store.schedule.anything_due(10)
    assert store.schedule.due_ids(25) == [rows[1]["id"], rows[3]["id"]]
    assert store.schedule.due_ids(100, limit=1) == [rows[1]["id"]]
    assert len(store.schedule.due_ids(100)) == 3


def test_api_key_rows(store):
    key = {"id": uuid7(), "tenant_id": "t", "name": "k", "hash": "h1", "role": "read"}
    with store.write():
        store.api_keys.insert(key)
        with pytest.raises(NameTaken):
            store.api_keys.insert({**key, "id": uuid7(), "hash": "h2"})
        store.api_keys.insert({**key, "id": uuid7(), "tenant_id": "u", "hash": "h3"})
    assert store.api_keys.list("t") == [key]
    assert store.api_keys.get("t", "k") == key
    assert store.api_keys.find_by_hash("h3")["tenant_id"] == "u"
    assert store.api_keys.find_by_hash("h2") is None
    with store.write():
        assert store.api_keys.delete("t", "k")
        assert not store.api_keys.delete("t", "k")
    assert store.api_keys.list("t") == []


def test_data_plane_rows(store):
    row = record("d")
    pid = row["id"]
    state = {
        "pipeline_id": pid, "incarnation_uuid": "u1", "live": 1, "version": 0,
        "checkpoint_version": 0, "start_micros": 5, "initial_start_micros": 5, "rows": 0,
        "tables": {"t": {"columns": ["x"]}}, "stats": {"a": 1},
    }  # fmt: skip
    with store.write():
        store.pipelines.insert(row)
        store.data.put_state(state)
        store.data.put_state({**state, "rows": 3})  # replaces
        store.data.update_state(pid, {"version": 2, "stats": {"a": 2}})
        store.data.add_batches(pid, 1, {"t": b"\x00one", "u": b"u1"})
        store.data.add_batches(pid, 2, {"t": b"two"})
        store.data.add_deltas(pid, 1, {"t": b"d1"})
        store.data.add_deltas(pid, 2, {"t": b"d2", "u": b"du"})
    assert store.data.head(pid) == ("u1", 2, True)
    assert store.data.state(pid)["stats"] == {"a": 2} and store.data.state(pid)["rows"] == 3
    assert store.data.batches(pid, 0, 2) == [
        (1, "t", b"\x00one"),
        (1, "u", b"u1"),
        (2, "t", b"two"),
    ]
    assert store.data.deltas(pid, ["t"], 0, 2) == [(1, "t", b"d1"), (2, "t", b"d2")]
    assert store.data.deltas(pid, [], 0, 2) == []
    with store.write():
        store.data.put_checkpoint(pid, 1, {"t": b"c1", "u": b"cu"})
        store.data.prune_deltas(pid, 1)
    assert store.data.batches(pid, 0, 2) == [(2, "t", b"two")]
    assert sorted(store.data.checkpoints(pid)) == [("t", 1, b"c1"), ("u", 1, b"cu")]
    assert store.data.deltas(pid, ["t", "u"], 0, 2) == [(2, "t", b"d2"), (2, "u", b"du")]
    with store.write():
        store.data.drop_relations(pid, ["u"])
    assert store.data.checkpoints(pid) == [("t", 1, b"c1")]
    with store.write():
        store.data.delete(pid)
    assert store.data.head(pid) is None and store.data.state(pid) is None
    assert store.data.batches(pid, 0, 9) == [] and store.data.checkpoints(pid) == []


def test_log_rows_and_cascade_on_delete(store):
    row = record("l")
    with store.write():
        store.pipelines.insert(row)
        assert store.logs.bounds(row["id"]) == (0, 0)
        assert store.logs.append(row["id"], ["a", "b", "c"]) == 3
        store.logs.prune(row["id"], 2)
    assert store.logs.bounds(row["id"]) == (2, 3)
    assert store.logs.since(row["id"], 0) == [(2, "b"), (3, "c")]
    assert store.logs.since(row["id"], 2, limit=5) == [(3, "c")]
    with store.write():
        store.pipelines.delete(row["id"])
    assert store.logs.bounds(row["id"]) == (0, 0)


def test_a_held_write_lock_makes_another_writer_busy(app, database):
    other = create_app({"TESTING": True, "DATABASE": database, "BUSY_TIMEOUT_MS": 100})
    with contextlib.closing(open_app_store(app)) as first:
        with contextlib.closing(open_app_store(other)) as second:
            with first.write():
                first.pipelines.insert(record("held"))
                with pytest.raises(StoreBusy), second.write():
                    pass
                # A reader is not blocked, and does not see the uncommitted row.
                assert second.pipelines.get("held") is None
            assert second.pipelines.get("held") is not None


def test_a_read_block_is_one_snapshot(app, store):
    with store.write():
        store.pipelines.insert(record("before"))
    with contextlib.closing(open_app_store(app)) as writer:
        with store.read():
            assert len(store.pipelines.names_and_ids()) == 1
            with writer.write():
                writer.pipelines.insert(record("during"))
            assert len(store.pipelines.names_and_ids()) == 1
    assert len(store.pipelines.names_and_ids()) == 2


def test_read_modify_writes_from_two_apps_lose_nothing(app, database):
    """Two apps (two pools, as two hosts) race read-then-write increments of one row."""
    other = create_app({"TESTING": True, "DATABASE": database})
    with contextlib.closing(open_app_store(app)) as store, store.write():
        persistence.insert(store, record("counter"), simulated=False)
    rounds, errors = 15, []

    def bump(target):
        try:
            for _ in range(rounds):
                with contextlib.closing(open_app_store(target)) as store, store.write():
                    current = store.pipelines.get("counter")
                    store.pipelines.update(current["id"], {"version": current["version"] + 1})
        except Exception as exc:  # reported below: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=bump, args=(a,)) for a in (app, other, app, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with contextlib.closing(open_app_store(app)) as store:
        assert store.pipelines.get("counter")["version"] == 1 + 4 * rounds


def test_init_db_creates_then_leaves_a_current_database_alone(backend, request, tmp_path):
    if backend == "sqlite":
        database = str(tmp_path / "new.sqlite3")
    else:
        database = request.getfixturevalue("pg_cluster").new_database(migrated=False)
        assert pg_schema_version(database) == 0
    app = create_app({"TESTING": True, "DATABASE": database})
    runner = app.test_cli_runner()
    first = runner.invoke(args=["init-db"])
    assert first.exit_code == 0, first.output
    assert f"schema version {len(sqlite_migrations.MIGRATIONS)}" in first.output
    assert runner.invoke(args=["import", str(DATA / "seed-list-pipelines.json")]).exit_code == 0
    assert runner.invoke(args=["init-db"]).exit_code == 0
    assert len(app.test_client().get("/v0/pipelines").get_json()) == 2


def test_a_database_from_a_newer_version_is_refused(backend, app, database):
    with contextlib.closing(open_app_store(app)) as store:
        if backend == "sqlite":
            store.db.execute("PRAGMA user_version = 99")
        else:
            store.conn.execute("UPDATE pipeline_store_schema SET version = 99")
    with pytest.raises(storage.SchemaMismatch, match="schema version 99, newer"):
        create_app({"TESTING": True, "DATABASE": database})
    if backend == "postgres":
        with contextlib.closing(open_app_store(app)) as store:
            store.conn.execute(
                "UPDATE pipeline_store_schema SET version = %s", [len(pg_migrations.MIGRATIONS)]
            )


def test_messages_never_show_a_database_password():
    assert redact("postgresql://app:s3cr:et@db.example:5432/ps") == (
        "postgresql://app:***@db.example:5432/ps"
    )
    assert redact("postgresql://app@db/ps") == "postgresql://app@db/ps"


def test_an_unreachable_server_is_one_line_without_the_password(tmp_path):
    url = f"postgresql://app:hunter2@127.0.0.1:{free_port()}/nowhere"
    with pytest.raises(storage.StoreUnavailable) as raised:
        create_app({"TESTING": True, "DATABASE": url})
    assert "hunter2" not in str(raised.value) and "\n" not in str(raised.value).strip()
    result = CliRunner().invoke(main, ["init-db"], env={"PIPELINE_STORE_DATABASE": url,
                                "PIPELINE_STORE_INSTANCE_PATH": str(tmp_path)})  # fmt: skip
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "hunter2" not in result.output


def test_every_shown_column_moves_the_change_stamp_and_no_internal_one(store):
    row = record("stamped")
    with store.write():
        store.pipelines.insert(row)
    stored = store.pipelines.get("stamped")
    for column, value in stored.items():
        if column == "id":
            continue
        if column in INTERNAL_COLUMNS:
            changed = 7 if column != "simulation" and column != "simulated_since" else "x"
        elif isinstance(value, bool) or column in PIPELINE_BOOL_COLUMNS:
            changed = not value
        elif isinstance(value, int):
            changed = value + 1
        elif column in PIPELINE_JSON_COLUMNS:
            changed = {"changed": column}
        else:
            changed = f"changed-{column}"
        before = store.pipelines.change_stamp()
        with store.write():
            store.pipelines.update(stored["id"], {column: changed})
        moved = store.pipelines.change_stamp() != before
        assert moved is (column not in INTERNAL_COLUMNS), column


def test_filters_match_prefixes_literally_and_every_tag(store):
    for name, tags in (("a_b", ["x", "y"]), ("axb", ["x"]), ("a%", ["y"]), ("A_b", ["x", "y"])):
        with store.write():
            store.pipelines.insert(record(name, tags=tags))

    def names(**where) -> list[str]:
        listed = store.pipelines.render_list(("name",), PipelineFilter(**where))
        return [p["name"] for p in json.loads(listed)]

    assert names(name_prefix="a_") == ["a_b"]
    assert names(name_prefix="a%") == ["a%"]
    assert names(name_prefix="a") == ["a_b", "axb", "a%"]
    assert names(tags=("x", "y")) == ["a_b", "A_b"]
    assert names(tags=("y",), name_prefix="A") == ["A_b"]
    assert names(tags=("X",)) == []


def test_event_rows_keep_the_newest_and_go_with_their_pipeline(store):
    row = record("evented")
    with store.write():
        store.pipelines.insert(row)
        for index in range(4):
            store.events.add_pipeline_event(row["id"], f"e{index}", 10 + index, {"n": index}, 3)
            store.events.add_cluster_event(f"c{index}", 10 + index, {"c": index}, 2)
    assert store.events.pipeline_events(row["id"]) == [{"n": 3}, {"n": 2}, {"n": 1}]
    assert store.events.pipeline_events(row["id"], limit=1) == [{"n": 3}]
    assert store.events.pipeline_event(row["id"], "e2") == {"n": 2}
    assert store.events.pipeline_event(row["id"], "e0") is None  # beyond the newest 3
    assert store.events.cluster_events() == [{"c": 3}, {"c": 2}]
    assert store.events.cluster_event("c3") == {"c": 3} and store.events.cluster_event("c1") is None
    with store.write():
        store.pipelines.delete(row["id"])
    assert store.events.pipeline_events(row["id"]) == []
