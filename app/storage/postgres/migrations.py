"""Explicit schema migrations for Postgres: the same numbered steps, by the same names, as SQLite's.

Column types mirror the SQLite schema so `copy` moves rows unchanged: JSON is stored as text
(the stored bytes are rendered as they are, keeping upstream's key order, which jsonb would
sort), booleans as integers, epoch microseconds as bigint, payloads as bytea.
"""

from collections.abc import Callable

import psycopg

from app.storage.sqlite.migrations import NULLABLE
from app.storage.sqlite.migrations import PIPELINE_COLUMNS

# The schema version, as SQLite's PRAGMA user_version (created before the first step).
VERSION_TABLE = "pipeline_store_schema"
TYPES = {str: "text", int: "bigint"}


def run(conn: psycopg.Connection, script: str) -> None:
    """Execute each statement of a script (DDL is transactional on Postgres)."""
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def create_pipelines(conn: psycopg.Connection) -> None:
    """Version 1: the pipelines table."""
    columns = ", ".join(
        f"{name} {TYPES[kind]}{'' if name in NULLABLE else ' NOT NULL'}"
        for name, kind in PIPELINE_COLUMNS.items()
    )
    conn.execute(f"CREATE TABLE pipelines ({columns}, PRIMARY KEY (id))")
    conn.execute("CREATE UNIQUE INDEX pipelines_name ON pipelines (name)")


def add_simulated_flag(conn: psycopg.Connection) -> None:
    """Version 2: whether the simulation may move the pipeline (imported fixtures stay still)."""
    conn.execute("ALTER TABLE pipelines ADD COLUMN simulated bigint NOT NULL DEFAULT 0")


def create_api_keys(conn: psycopg.Connection) -> None:
    """Version 3: API keys, stored only as the Base64 SHA-256 of the key (platform.md §A3)."""
    run(
        conn,
        """
        CREATE TABLE api_keys (
            id text PRIMARY KEY, tenant_id text NOT NULL, name text NOT NULL,
            hash text NOT NULL, role text NOT NULL
        );
        CREATE UNIQUE INDEX unique_api_key_name ON api_keys (tenant_id, name);
        CREATE UNIQUE INDEX api_keys_hash ON api_keys (hash)
        """,
    )


def add_simulation_state(conn: psycopg.Connection) -> None:
    """Version 4: the lifecycle simulator's schedule and private state (app/simulator)."""
    run(
        conn,
        """
        ALTER TABLE pipelines ADD COLUMN next_transition_at bigint;
        ALTER TABLE pipelines ADD COLUMN simulated_since text;
        ALTER TABLE pipelines ADD COLUMN simulation text;
        CREATE INDEX pipelines_next_transition ON pipelines (next_transition_at)
            WHERE next_transition_at IS NOT NULL;
        UPDATE pipelines SET next_transition_at = 0 WHERE simulated = 1
        """,
    )


def create_meta(conn: psycopg.Connection) -> None:
    """Version 5: facts about the store itself (the last health probe)."""
    conn.execute("CREATE TABLE meta (key text PRIMARY KEY, value text)")


DATA_PLANE_SQL = """
CREATE TABLE data_state (
    pipeline_id text PRIMARY KEY REFERENCES pipelines(id) ON DELETE CASCADE,
    incarnation_uuid text NOT NULL,
    live bigint NOT NULL,
    version bigint NOT NULL,
    checkpoint_version bigint NOT NULL,
    start_micros bigint NOT NULL,
    initial_start_micros bigint NOT NULL,
    rows bigint NOT NULL,
    tables text NOT NULL,
    stats text NOT NULL
);
CREATE TABLE data_batches (
    pipeline_id text NOT NULL REFERENCES pipelines(id) ON DELETE CASCADE,
    version bigint NOT NULL,
    relation text NOT NULL,
    payload bytea NOT NULL,
    PRIMARY KEY (pipeline_id, version, relation)
);
CREATE TABLE data_checkpoints (
    pipeline_id text NOT NULL REFERENCES pipelines(id) ON DELETE CASCADE,
    relation text NOT NULL,
    version bigint NOT NULL,
    payload bytea NOT NULL,
    PRIMARY KEY (pipeline_id, relation)
);
CREATE TABLE data_deltas (
    pipeline_id text NOT NULL REFERENCES pipelines(id) ON DELETE CASCADE,
    version bigint NOT NULL,
    relation text NOT NULL,
    payload bytea NOT NULL,
    PRIMARY KEY (pipeline_id, version, relation)
);
CREATE TABLE pipeline_logs (
    pipeline_id text NOT NULL REFERENCES pipelines(id) ON DELETE CASCADE,
    seq bigint NOT NULL,
    line text NOT NULL,
    PRIMARY KEY (pipeline_id, seq)
)
"""


def create_data_plane(conn: psycopg.Connection) -> None:
    """Version 6: the simulated data plane (a log of Arrow batches per pipeline) and logs."""
    run(conn, DATA_PLANE_SQL)


# Columns of the pipelines table that no response shows; changing only these moves no stamp.
INTERNAL_COLUMNS = frozenset({"simulated", "next_transition_at", "simulated_since", "simulation"})
# A random 63-bit nonce per change: a restored or new database never reuses a stamp.
NONCE = "floor(random() * 9.2e18)::bigint"


def add_change_stamp(conn: psycopg.Connection) -> None:
    """Version 7: a stamp that every committed change to what clients see moves (ETags)."""
    run(
        conn,
        f"""
        CREATE TABLE pipeline_changes (
            id integer PRIMARY KEY CHECK (id = 1), counter bigint NOT NULL, nonce bigint NOT NULL
        );
        INSERT INTO pipeline_changes VALUES (1, 0, {NONCE})
        """,
    )
    # One statement (its body has semicolons of its own).
    conn.execute(
        "CREATE FUNCTION pipeline_changes_bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"UPDATE pipeline_changes SET counter = counter + 1, nonce = {NONCE}; RETURN NULL; END $$"
    )
    create_change_triggers(conn)


def add_tag_index(conn: psycopg.Connection) -> None:
    """Version 8: an index for `GET /v0/pipelines?tag=`, and one for `?name=` prefixes.

    SQLite keeps a table of tags in step by triggers; Postgres indexes the JSON column itself
    (GIN over `tags::jsonb`, queried with `@>`), so there is nothing to keep in step.
    text_pattern_ops lets `name LIKE 'prefix%'` use an index whatever the collation.
    """
    run(
        conn,
        """
        CREATE INDEX pipelines_tags ON pipelines USING gin ((tags::jsonb) jsonb_path_ops);
        CREATE INDEX pipelines_name_prefix ON pipelines (name text_pattern_ops)
        """,
    )


def create_change_triggers(conn: psycopg.Connection) -> None:
    """(Re)create the triggers moving the change stamp; call again after adding a column."""
    visible = [
        row[0]
        for row in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'pipelines' "
            "AND table_schema = current_schema() ORDER BY ordinal_position"
        )
        if row[0] not in INTERNAL_COLUMNS
    ]
    old = ", ".join(f"OLD.{column}" for column in visible)
    new = ", ".join(f"NEW.{column}" for column in visible)
    for event, condition in (
        ("INSERT", ""),
        ("DELETE", ""),
        ("UPDATE", f" WHEN (ROW({old}) IS DISTINCT FROM ROW({new}))"),
    ):
        name = f"pipeline_changes_{event.lower()}"
        conn.execute(f"DROP TRIGGER IF EXISTS {name} ON pipelines")
        conn.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON pipelines FOR EACH ROW{condition} "
            "EXECUTE FUNCTION pipeline_changes_bump()"
        )


ADMIN_SQL = """
CREATE TABLE admin_state (
    id integer PRIMARY KEY CHECK (id = 1),
    version bigint NOT NULL,
    clock_offset_us bigint NOT NULL,
    frozen_at_us bigint,
    journal_size bigint NOT NULL
);
INSERT INTO admin_state VALUES (1, {nonce}, 0, NULL, 0);
CREATE TABLE admin_faults (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    method text,
    path text NOT NULL,
    status bigint,
    error_code text,
    message text,
    details text,
    retry_after bigint,
    latency_ms bigint NOT NULL DEFAULT 0,
    drop_connection bigint NOT NULL DEFAULT 0,
    probability double precision NOT NULL DEFAULT 1.0,
    remaining bigint,
    hits bigint NOT NULL DEFAULT 0,
    expires_at_us bigint,
    created_at_us bigint NOT NULL
);
CREATE TABLE admin_journal (
    slot bigint PRIMARY KEY,
    seq bigint NOT NULL,
    at_us bigint NOT NULL,
    method text NOT NULL,
    path text NOT NULL,
    query text NOT NULL,
    status bigint NOT NULL,
    duration_us bigint NOT NULL,
    caller text NOT NULL
);
CREATE UNIQUE INDEX admin_journal_seq ON admin_journal (seq)
"""


def create_admin(conn: psycopg.Connection) -> None:
    """Version 9: the admin API's shared state, fault rules and request journal (app/admin)."""
    run(conn, ADMIN_SQL.format(nonce=NONCE))


EVENTS_SQL = """
CREATE TABLE pipeline_events (
    pipeline_id text NOT NULL REFERENCES pipelines(id) ON DELETE CASCADE,
    event_id text NOT NULL,
    recorded_micros bigint NOT NULL,
    body text NOT NULL,
    PRIMARY KEY (pipeline_id, event_id)
);
CREATE INDEX pipeline_events_order ON pipeline_events (pipeline_id, recorded_micros, event_id);
CREATE TABLE cluster_events (
    event_id text PRIMARY KEY,
    recorded_micros bigint NOT NULL,
    body text NOT NULL
);
CREATE INDEX cluster_events_order ON cluster_events (recorded_micros, event_id)
"""


def create_events(conn: psycopg.Connection) -> None:
    """Version 10: pipeline and cluster monitor events (compiler-and-events.md §6)."""
    run(conn, EVENTS_SQL)


# Append-only, step for step the list in app/storage/sqlite/migrations.py (a test checks).
MIGRATIONS: list[Callable[[psycopg.Connection], None]] = [
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


def current_version(conn: psycopg.Connection) -> int:
    """Return the schema version (0 for a database pipeline-store never touched)."""
    exists = conn.execute("SELECT to_regclass(%s)", [VERSION_TABLE]).fetchone()[0]
    if exists is None:
        return 0
    row = conn.execute(f"SELECT max(version) FROM {VERSION_TABLE}").fetchone()
    return row[0] or 0


def migrate(conn: psycopg.Connection, transaction) -> int:
    """Apply the missing steps in one transaction under the migration lock (racers wait)."""
    with transaction(conn):
        conn.execute(f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (version integer NOT NULL)")
        current = current_version(conn)
        for step in MIGRATIONS[current:]:
            step(conn)
        if current < len(MIGRATIONS):
            conn.execute(f"DELETE FROM {VERSION_TABLE}")
            conn.execute(f"INSERT INTO {VERSION_TABLE} (version) VALUES (%s)", [len(MIGRATIONS)])
    return len(MIGRATIONS)
