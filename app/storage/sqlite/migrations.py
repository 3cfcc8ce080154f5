"""Explicit schema migrations, numbered by PRAGMA user_version."""

from collections.abc import Callable

import sqlite_utils

PIPELINE_COLUMNS = {
    "id": str,
    "name": str,
    "description": str,
    "tags": str,  # JSON
    "created_at": str,
    "version": int,
    "platform_version": str,
    "runtime_config": str,  # JSON
    "program_code": str,
    "udf_rust": str,
    "udf_toml": str,
    "program_config": str,  # JSON
    "program_version": int,
    "program_status": str,
    "program_status_since": str,
    "program_error": str,  # JSON
    "program_info": str,  # JSON
    "deployment_error": str,  # JSON
    "refresh_version": int,
    "storage_status": str,
    "storage_status_details": str,  # JSON
    "deployment_id": str,
    "deployment_initial": str,
    "deployment_status": str,
    "deployment_status_since": str,
    "deployment_desired_status": str,
    "deployment_desired_status_since": str,
    "deployment_resources_status": str,
    "deployment_resources_status_details": str,  # JSON
    "deployment_resources_status_since": str,
    "deployment_resources_desired_status": str,
    "deployment_resources_desired_status_since": str,
    "deployment_runtime_status": str,
    "deployment_runtime_status_details": str,  # JSON
    "deployment_runtime_status_since": str,
    "deployment_runtime_desired_status": str,
    "deployment_runtime_desired_status_since": str,
    "bootstrap_policy": str,
    "silent_bootstrap": int,
    "concurrent_bootstrap": int,
}
NULLABLE = {
    "program_info",
    "deployment_error",
    "storage_status_details",
    "deployment_id",
    "deployment_initial",
    "deployment_resources_status_details",
    "deployment_runtime_status",
    "deployment_runtime_status_details",
    "deployment_runtime_status_since",
    "deployment_runtime_desired_status",
    "deployment_runtime_desired_status_since",
    "bootstrap_policy",
}


def create_pipelines(db: sqlite_utils.Database) -> None:
    """Version 1: the pipelines table."""
    db["pipelines"].create(
        PIPELINE_COLUMNS,
        pk="id",
        not_null=set(PIPELINE_COLUMNS) - NULLABLE,
    )
    db["pipelines"].create_index(["name"], unique=True, index_name="pipelines_name")


def add_simulated_flag(db: sqlite_utils.Database) -> None:
    """Version 2: whether the simulation may move the pipeline (imported fixtures stay still)."""
    db["pipelines"].add_column("simulated", int, not_null_default=0)


def create_api_keys(db: sqlite_utils.Database) -> None:
    """Version 3: API keys, stored only as the Base64 SHA-256 of the key (platform.md §A3)."""
    db["api_keys"].create(
        {"id": str, "tenant_id": str, "name": str, "hash": str, "role": str},
        pk="id",
        not_null={"tenant_id", "name", "hash", "role"},
    )
    table = db["api_keys"]
    table.create_index(["tenant_id", "name"], unique=True, index_name="unique_api_key_name")
    table.create_index(["hash"], unique=True, index_name="api_keys_hash")


def add_simulation_state(db: sqlite_utils.Database) -> None:
    """Version 4: the lifecycle simulator's schedule and private state (app/simulator)."""
    table = db["pipelines"]
    # Epoch microseconds of the next due transition; NULL when nothing is scheduled.
    table.add_column("next_transition_at", int)
    # When the simulation took the row over: no transition is scheduled before it.
    table.add_column("simulated_since", str)
    table.add_column("simulation", str)  # JSON
    # Partial: idle rows are NULL, so the "anything due?" probe reads a tiny index.
    db.execute(
        "CREATE INDEX pipelines_next_transition ON pipelines(next_transition_at) "
        "WHERE next_transition_at IS NOT NULL"
    )
    # Rows created before this version get planned by the next request.
    db.execute("UPDATE pipelines SET next_transition_at = 0 WHERE simulated = 1")


def create_meta(db: sqlite_utils.Database) -> None:
    """Version 5: facts about the store itself (the last integrity check, the health probe)."""
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")


DATA_PLANE_SQL = """
CREATE TABLE data_state (
    pipeline_id TEXT PRIMARY KEY REFERENCES pipelines(id) ON DELETE CASCADE,
    incarnation_uuid TEXT NOT NULL,
    live INTEGER NOT NULL,
    version INTEGER NOT NULL,
    checkpoint_version INTEGER NOT NULL,
    start_micros INTEGER NOT NULL,
    initial_start_micros INTEGER NOT NULL,
    rows INTEGER NOT NULL,
    tables TEXT NOT NULL,
    stats TEXT NOT NULL
);
CREATE TABLE data_batches (
    pipeline_id TEXT NOT NULL REFERENCES pipelines(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    relation TEXT NOT NULL,
    payload BLOB NOT NULL,
    PRIMARY KEY (pipeline_id, version, relation)
);
CREATE TABLE data_checkpoints (
    pipeline_id TEXT NOT NULL REFERENCES pipelines(id) ON DELETE CASCADE,
    relation TEXT NOT NULL,
    version INTEGER NOT NULL,
    payload BLOB NOT NULL,
    PRIMARY KEY (pipeline_id, relation)
);
CREATE TABLE data_deltas (
    pipeline_id TEXT NOT NULL REFERENCES pipelines(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    relation TEXT NOT NULL,
    payload BLOB NOT NULL,
    PRIMARY KEY (pipeline_id, version, relation)
);
CREATE TABLE pipeline_logs (
    pipeline_id TEXT NOT NULL REFERENCES pipelines(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    line TEXT NOT NULL,
    PRIMARY KEY (pipeline_id, seq)
);
"""


def create_data_plane(db: sqlite_utils.Database) -> None:
    """Version 6: the simulated data plane (a log of Arrow batches per pipeline) and logs."""
    # Rows of a pipeline's data and logs go with it (connections enable foreign keys).
    # executescript would COMMIT the migration's transaction; one statement at a time.
    for statement in DATA_PLANE_SQL.split(";"):
        if statement.strip():
            db.execute(statement)


# Columns of the pipelines table that no response shows; changing only these moves no stamp.
INTERNAL_COLUMNS = frozenset({"simulated", "next_transition_at", "simulated_since", "simulation"})
BUMP = "UPDATE pipeline_changes SET counter = counter + 1, nonce = random()"
# A pipeline's tags may repeat (upstream keeps duplicates); the index holds each once.
INSERT_TAGS = (
    "INSERT OR IGNORE INTO pipeline_tags (tag, pipeline_id) "
    "SELECT value, {row}.id FROM json_each({row}.tags)"
)
DELETE_TAGS = (
    "DELETE FROM pipeline_tags WHERE pipeline_id = {row}.id "
    "AND tag IN (SELECT value FROM json_each({row}.tags))"
)


def add_change_stamp(db: sqlite_utils.Database) -> None:
    """Version 7: a stamp that every committed change to what clients see moves (ETags)."""
    # One row. `nonce` is random per change, so a database restored from a backup (or
    # created anew) never reuses a stamp with different contents.
    db.execute(
        "CREATE TABLE pipeline_changes (id INTEGER PRIMARY KEY CHECK (id = 1), "
        "counter INTEGER NOT NULL, nonce INTEGER NOT NULL)"
    )
    db.execute("INSERT INTO pipeline_changes VALUES (1, 0, random())")
    create_change_triggers(db)


def add_tag_index(db: sqlite_utils.Database) -> None:
    """Version 8: each pipeline's tags as indexed rows, for `GET /v0/pipelines?tag=`."""
    db.execute(
        "CREATE TABLE pipeline_tags (tag TEXT NOT NULL, pipeline_id TEXT NOT NULL, "
        "PRIMARY KEY (tag, pipeline_id)) WITHOUT ROWID"
    )
    # Triggers keep it in step with the JSON column, in the same transaction as every write.
    db.execute(
        "CREATE TRIGGER pipeline_tags_insert AFTER INSERT ON pipelines BEGIN "
        f"{INSERT_TAGS.format(row='NEW')}; END"
    )
    db.execute(
        "CREATE TRIGGER pipeline_tags_update AFTER UPDATE OF tags, id ON pipelines BEGIN "
        f"{DELETE_TAGS.format(row='OLD')}; {INSERT_TAGS.format(row='NEW')}; END"
    )
    db.execute(
        "CREATE TRIGGER pipeline_tags_delete AFTER DELETE ON pipelines BEGIN "
        f"{DELETE_TAGS.format(row='OLD')}; END"
    )
    db.execute(
        "INSERT OR IGNORE INTO pipeline_tags (tag, pipeline_id) "
        "SELECT tags.value, pipelines.id FROM pipelines, json_each(pipelines.tags) AS tags"
    )


def create_change_triggers(db: sqlite_utils.Database) -> None:
    """(Re)create the triggers moving the change stamp; call again after adding a column."""
    visible = [
        row[1]
        for row in db.execute("PRAGMA table_info(pipelines)")
        if row[1] not in INTERNAL_COLUMNS
    ]
    changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in visible)
    for event, condition in (("INSERT", ""), ("DELETE", ""), ("UPDATE", f" WHEN {changed}")):
        name = f"pipeline_changes_{event.lower()}"
        db.execute(f"DROP TRIGGER IF EXISTS {name}")
        db.execute(f"CREATE TRIGGER {name} AFTER {event} ON pipelines{condition} BEGIN {BUMP}; END")


ADMIN_SQL = """
CREATE TABLE admin_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL,
    clock_offset_us INTEGER NOT NULL,
    frozen_at_us INTEGER,
    journal_size INTEGER NOT NULL
);
INSERT INTO admin_state VALUES (1, random(), 0, NULL, 0);
CREATE TABLE admin_faults (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    method TEXT,
    path TEXT NOT NULL,
    status INTEGER,
    error_code TEXT,
    message TEXT,
    details TEXT,
    retry_after INTEGER,
    latency_ms INTEGER NOT NULL DEFAULT 0,
    drop_connection INTEGER NOT NULL DEFAULT 0,
    probability REAL NOT NULL DEFAULT 1.0,
    remaining INTEGER,
    hits INTEGER NOT NULL DEFAULT 0,
    expires_at_us INTEGER,
    created_at_us INTEGER NOT NULL
);
CREATE TABLE admin_journal (
    slot INTEGER PRIMARY KEY,
    seq INTEGER NOT NULL,
    at_us INTEGER NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    query TEXT NOT NULL,
    status INTEGER NOT NULL,
    duration_us INTEGER NOT NULL,
    caller TEXT NOT NULL
);
CREATE UNIQUE INDEX admin_journal_seq ON admin_journal(seq)
"""


def create_admin(db: sqlite_utils.Database) -> None:
    """Version 9: the admin API's shared state, fault rules and request journal (app/admin)."""
    for statement in ADMIN_SQL.split(";"):
        if statement.strip():
            db.execute(statement)


EVENTS_SQL = """
CREATE TABLE pipeline_events (
    pipeline_id TEXT NOT NULL REFERENCES pipelines(id) ON DELETE CASCADE,
    event_id TEXT NOT NULL,
    recorded_micros INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (pipeline_id, event_id)
);
CREATE INDEX pipeline_events_order ON pipeline_events (pipeline_id, recorded_micros, event_id);
CREATE TABLE cluster_events (
    event_id TEXT PRIMARY KEY,
    recorded_micros INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX cluster_events_order ON cluster_events (recorded_micros, event_id);
"""


def create_events(db: sqlite_utils.Database) -> None:
    """Version 10: pipeline and cluster monitor events (compiler-and-events.md §6)."""
    for statement in EVENTS_SQL.split(";"):
        if statement.strip():
            db.execute(statement)


# Append-only: the position of a step is its schema version.
MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    create_pipelines,
    add_simulated_flag,
    create_api_keys,
    add_simulation_state,
    create_meta,
    create_data_plane,
    add_change_stamp,
    add_tag_index,
    create_admin,
    create_events,
]


def migrate(db: sqlite_utils.Database, transaction) -> int:
    """Apply the missing steps under the write lock, so racing workers apply each once."""
    with transaction(db):
        current = db.execute("PRAGMA user_version").fetchone()[0]
        for version, step in enumerate(MIGRATIONS[current:], start=current + 1):
            step(db)
            db.execute(f"PRAGMA user_version = {version}")
    return len(MIGRATIONS)
