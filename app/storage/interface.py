"""The store's contract: what the domain may ask of any backend (SQLite or Postgres).

Records are plain dicts keyed by column name, with JSON columns decoded. A store knows rows and
SQL only: it never derives a status, schedules a transition or raises an HTTP error. Writes
happen inside `Store.write()`, which holds the database's write lock for its whole block.
"""

from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class PipelineFilter:
    """Which rows a list shows: every tag in `tags`, and names starting with `name_prefix`."""

    tags: tuple[str, ...] = ()
    name_prefix: str = ""


EVERY_PIPELINE = PipelineFilter()


class PipelineRows(Protocol):
    """The pipelines table."""

    def render_list(self, fields: Sequence[str], where: PipelineFilter = EVERY_PIPELINE) -> str:
        """Return the rows `where` selects as one JSON array of objects with exactly `fields`.

        Ordered by id. Filters run inside the query, on indexes (case-sensitive matches).
        """

    def stamp_and_due(self, now_micros: int) -> tuple[str, bool]:
        """Return `change_stamp()` and whether any transition is due by then, read together.

        One consistent read, as cheap as the probe alone: a poll's first look.
        """

    def change_stamp(self) -> str:
        """Return a value that differs after every committed change to what rows show.

        It moves with every insert, delete and update of a shown column, in the same
        transaction as the change (the simulation's private columns do not move it), and is
        never reused for other contents, even in a database restored from a backup.
        """

    def render_one(self, name: str, fields: Sequence[str]) -> str | None:
        """Return one row rendered as in `render_list`, or None for an unknown name."""

    def get(self, name: str) -> dict | None:
        """Return the record with this name, or None."""

    def get_many(self, pipeline_ids: Sequence[str]) -> list[dict]:
        """Return the records with these ids (unknown ids skipped), in id order."""

    def names_and_ids(self) -> list[tuple[str, str]]:
        """Return (name, id) of every row."""

    def insert(self, record: dict) -> None:
        """Insert a complete record; raise NameTaken if its name is in use."""

    def update(self, pipeline_id: str, columns: dict) -> None:
        """Write the given columns of one row; raise NameTaken on a rename clash."""

    def delete(self, pipeline_id: str) -> None:
        """Delete one row."""


class Schedule(Protocol):
    """When each pipeline's next simulated transition is due (epoch microseconds)."""

    def anything_due(self, now_micros: int) -> bool:
        """Tell whether any row is due; must be cheap (requests call it first)."""

    def due_ids(self, now_micros: int, limit: int = -1) -> list[str]:
        """Return the ids of due rows, most overdue first (-1: no limit)."""

    def set_schedule(self, pipeline_id: str, next_micros: int | None) -> None:
        """Store when the row is next due (None: nothing scheduled)."""


class ApiKeyRows(Protocol):
    """The api_keys table (only hashes of keys are stored)."""

    def list(self, tenant_id: str) -> list[dict]:
        """Return the tenant's keys in creation order."""

    def get(self, tenant_id: str, name: str) -> dict | None:
        """Return the tenant's key with this name, or None."""

    def find_by_hash(self, key_hash: str) -> dict | None:
        """Return the key with this hash in any tenant, or None."""

    def insert(self, record: dict) -> None:
        """Insert a key row; raise NameTaken if the tenant has a key with this name."""

    def delete(self, tenant_id: str, name: str) -> bool:
        """Delete the tenant's key with this name; return whether one existed."""


class DataRows(Protocol):
    """Each pipeline's simulated data plane: a state row, a log of batches, checkpoints, deltas.

    Payloads are opaque bytes to the store. Versions number a pipeline's data changes.
    """

    def head(self, pipeline_id: str) -> tuple[str, int, bool] | None:
        """Return (incarnation_uuid, version, live) of a pipeline's data, or None (cheap)."""

    def state(self, pipeline_id: str) -> dict | None:
        """Return the state row with JSON columns decoded, or None."""

    def put_state(self, state: Mapping) -> None:
        """Insert or replace a state row (every column given)."""

    def update_state(self, pipeline_id: str, columns: Mapping) -> None:
        """Write some columns of a state row."""

    def delete(self, pipeline_id: str) -> None:
        """Delete a pipeline's state, batches, checkpoints and deltas."""

    def drop_relations(self, pipeline_id: str, relations: Sequence[str]) -> None:
        """Delete every batch, checkpoint and delta of some relations."""

    def add_batches(self, pipeline_id: str, version: int, payloads: Mapping[str, bytes]) -> None:
        """Store the batches that make `version`, one per relation."""

    def batches(self, pipeline_id: str, after: int, upto: int) -> list[tuple[int, str, bytes]]:
        """Return (version, relation, payload) with after < version <= upto, in order."""

    def checkpoints(self, pipeline_id: str) -> list[tuple[str, int, bytes]]:
        """Return (relation, version, payload) of the latest checkpoint of each relation."""

    def put_checkpoint(self, pipeline_id: str, version: int, payloads: Mapping[str, bytes]) -> None:
        """Store whole contents as of `version`, replacing the previous checkpoint and the
        batches it includes."""

    def add_deltas(self, pipeline_id: str, version: int, payloads: Mapping[str, bytes]) -> None:
        """Store what `version` changed in some relations."""

    def deltas(
        self, pipeline_id: str, relations: Iterable[str], after: int, upto: int
    ) -> list[tuple[int, str, bytes]]:
        """Return (version, relation, payload) of the given relations, in version order."""

    def prune_deltas(self, pipeline_id: str, upto: int) -> None:
        """Forget deltas of versions up to `upto`."""


class LogRows(Protocol):
    """Each pipeline's log lines, numbered from 1 in writing order."""

    def bounds(self, pipeline_id: str) -> tuple[int, int]:
        """Return (first, last) sequence numbers kept; (0, 0) when there is none."""

    def append(self, pipeline_id: str, lines: Sequence[str]) -> int:
        """Append lines; return the last sequence number."""

    def since(self, pipeline_id: str, after: int, limit: int = 1000) -> list[tuple[int, str]]:
        """Return (seq, line) of up to `limit` lines after `after`, in order."""

    def prune(self, pipeline_id: str, before: int) -> None:
        """Drop the lines numbered below `before`."""


class AdminRows(Protocol):
    """The admin API's shared state, fault rules and request journal (app/admin)."""

    def probe(self, wall_us: int, fixed_us: int | None = None) -> tuple:
        """Return (version, clock offset µs, frozen at µs or None, journal size, rule count,
        whether a transition is due by `fixed_us`, else by the shared clock at `wall_us`,
        `PipelineRows.change_stamp()`), read together in one statement."""

    def move_clock(self, action: str, wall_us: int, delta_us: int = 0) -> None:
        """`freeze`, `advance` (by `delta_us`) or `resume` the shared clock, atomically."""

    def faults(self) -> list[dict]:
        """Return every fault rule in creation order."""

    def add_fault(self, rule: dict) -> dict:
        """Store a rule; return it with its id."""

    def delete_faults(self, fault_id: int | None = None) -> int:
        """Delete one rule, or all with None; return how many."""

    def consume_fault(self, fault_id: int) -> bool:
        """Count a hit if the rule has hits left (atomic across workers); tell whether."""

    def set_journal_size(self, size: int) -> None:
        """Keep the last `size` requests (0: none); drops what was recorded."""

    def record_request(self, size: int, entry: dict) -> None:
        """Record one request in a ring of `size` entries."""

    def journal(self, method: str | None, path: str | None, limit: int) -> list[dict]:
        """Return recorded requests, newest first, filtered by method and path GLOB."""

    def clear_journal(self) -> None:
        """Forget every recorded request."""

    def reset(
        self, name_prefix: str, tag: str | None, drop_api_keys: bool, admin_state: bool
    ) -> tuple[int, int]:
        """Delete selected pipelines (with data), maybe keys and admin state; one transaction."""

    def backup_to(self, path: str) -> None:
        """Copy the database into a new file (online backup)."""

    def schema_versions(self, path: str) -> tuple[int, int]:
        """Return a backup file's schema version and this server's."""

    def restore_from(self, path: str) -> None:
        """Replace the database's contents with a backup file's."""


class EventRows(Protocol):
    """Monitor events: snapshots of a pipeline's statuses, and cluster health rounds."""

    def add_pipeline_event(
        self, pipeline_id: str, event_id: str, micros: int, body: Mapping, keep: int
    ) -> None:
        """Store one pipeline event and drop that pipeline's events beyond the newest `keep`."""

    def pipeline_events(self, pipeline_id: str, limit: int = -1) -> list[dict]:
        """Return a pipeline's events, newest first."""

    def pipeline_event(self, pipeline_id: str, event_id: str) -> dict | None:
        """Return one of a pipeline's events, or None."""

    def add_cluster_event(self, event_id: str, micros: int, body: Mapping, keep: int) -> None:
        """Store one cluster event, keeping the newest `keep`."""

    def cluster_events(self, limit: int = -1) -> list[dict]:
        """Return the cluster events, newest first."""

    def cluster_event(self, event_id: str) -> dict | None:
        """Return one cluster event, or None."""


class Store(Protocol):
    """One connection to the database and the tables behind it."""

    pipelines: PipelineRows
    schedule: Schedule
    api_keys: ApiKeyRows
    data: DataRows
    logs: LogRows
    admin: AdminRows
    events: EventRows

    def read(self) -> AbstractContextManager[None]:
        """Run the block's reads on one consistent snapshot (inside a write: that one)."""

    def write(self) -> AbstractContextManager[None]:
        """Run the block as one atomic transaction holding the write lock.

        Raise StoreBusy when the lock cannot be had within the busy timeout, and
        StoreUnavailable when the database cannot be written at all.
        """

    def check_health(self, integrity_every_seconds: float) -> str | None:
        """Return why the database cannot be written or is damaged, or None when healthy.

        Cheap per call; a full integrity check runs at most once per the given interval.
        """

    def close(self) -> None:
        """Release the connection."""
