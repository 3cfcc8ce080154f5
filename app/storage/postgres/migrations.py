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


# Append-only, step for step the list in app/storage/sqlite/migrations.py (a test checks).
MIGRATIONS: list[Callable[[psycopg.Connection], None]] = [
    create_pipelines,
    add_simulated_flag,
    create_api_keys,
    add_simulation_state,
    create_meta,
    create_data_plane,
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
