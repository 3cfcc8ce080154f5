"""A throwaway PostgreSQL cluster for the tests: Debian's initdb + pg_ctl, never a download.

Each pytest process (each xdist worker) that needs one starts its own cluster in a temporary
folder on a free loopback port, and stops it when the session ends. Tests share one database
holding the current schema, emptied (TRUNCATE) before each test: much cheaper than a database
each; tests that need a second database or an empty one create it. initdb refuses to run
as root, so as root the cluster runs as the `postgres` user (Debian's package creates it).
A machine without PostgreSQL skips these tests with the reason; CI (`CI` set) fails instead,
since `.ci/run` installs it.
"""

import contextlib
import glob
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import uuid

import pytest

from tests.server import free_port

TEMPLATE = "pipeline_store_template"
# Tables the schema fills with its one row, and the schema version: never emptied.
KEPT = ("pipeline_store_schema", "pipeline_changes", "admin_state")
# Durability is pointless for a cluster thrown away at the end: trade it for speed.
SERVER_OPTIONS = (
    "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
    "-c max_connections=400 -c shared_buffers=32MB"
)


def bin_dir() -> str | None:
    """The folder of the newest installed initdb (Debian keeps them off PATH), or None."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: int(re.search(r"/(\d+)/bin/", path).group(1)),
    )
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


def unavailable_reason() -> str | None:
    """Why no cluster can be started here, or None."""
    if bin_dir() is None:
        return "PostgreSQL is not installed (apt-get install postgresql): no initdb found"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no `postgres` user for initdb to run as"
    return None


def require_postgres() -> None:
    """Skip (fail under CI) unless a throwaway cluster can be started."""
    reason = unavailable_reason()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: CI must run the Postgres tests", pytrace=False)
    pytest.skip(reason)


class Cluster:
    """One PostgreSQL server on a temporary data folder, trusting loopback connections."""

    def __init__(self):
        self.bin = bin_dir()
        # As root the folder goes to /tmp: the `postgres` user cannot enter root's TMPDIR.
        parent = "/tmp" if os.geteuid() == 0 else None
        self.folder = tempfile.mkdtemp(prefix="pipeline-store-pg-", dir=parent)
        self.data = os.path.join(self.folder, "data")
        self.port = 0
        self.as_user = []
        if os.geteuid() == 0:
            account = pwd.getpwnam("postgres")
            os.chown(self.folder, account.pw_uid, account.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def run(self, *command: str) -> None:
        """Run one of the cluster's programs as the cluster's user."""
        subprocess.run(
            [*self.as_user, os.path.join(self.bin, command[0]), *command[1:]],
            check=True,
            capture_output=True,
            cwd=self.folder,
        )

    def start(self) -> None:
        """initdb, then start the server on a free port (retried if another took it)."""
        self.run("initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "--no-locale",
                 "-E", "UTF8", "--no-sync")  # fmt: skip
        for attempt in range(3):
            self.port = free_port()
            options = (
                f"-p {self.port} -c listen_addresses=127.0.0.1 "
                f"-c unix_socket_directories={self.folder} {SERVER_OPTIONS}"
            )
            log = os.path.join(self.folder, "server.log")
            try:
                self.run("pg_ctl", "-D", self.data, "-l", log, "-o", options, "-w", "start")
                break
            except subprocess.CalledProcessError:
                if attempt == 2:
                    with open(log) as lines:
                        raise RuntimeError(f"PostgreSQL did not start: {lines.read()}") from None
        self.admin(f"CREATE DATABASE {TEMPLATE}")
        from app.storage.postgres import initialize

        initialize(self.url(TEMPLATE))
        self.shared = self.new_database()

    def url(self, database: str = "postgres") -> str:
        """The URL of one of the cluster's databases."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def admin(self, sql: str) -> None:
        """Run one statement outside a transaction (CREATE/DROP DATABASE)."""
        import psycopg

        with contextlib.closing(psycopg.connect(self.url(), autocommit=True)) as conn:
            conn.execute(sql)

    def emptied_database(self) -> str:
        """The shared test database with every table emptied; return its URL."""
        import psycopg

        with contextlib.closing(psycopg.connect(self.shared, autocommit=True)) as conn:
            tables = [
                row[0]
                for row in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND NOT tablename = ANY(%s)",
                    [list(KEPT)],
                )
            ]
            conn.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        return self.shared

    def new_database(self, migrated: bool = True) -> str:
        """Create a fresh database (with the current schema, or empty); return its URL."""
        name = f"t_{uuid.uuid4().hex[:16]}"
        template = TEMPLATE if migrated else "template0"
        # FILE_COPY: with fsync off, cloning the small template is ~3x faster than WAL_LOG.
        self.admin(f"CREATE DATABASE {name} TEMPLATE {template} STRATEGY = FILE_COPY")
        return self.url(name)

    def stop(self) -> None:
        """Stop the server at once and delete its folder."""
        with contextlib.suppress(subprocess.CalledProcessError, FileNotFoundError):
            self.run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)
