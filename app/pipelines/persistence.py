"""Writing pipeline records through the store, with every column the rules derive completed."""

from app.dataplane_service import transitions
from app.errors import DuplicateName
from app.monitor import pipeline_events
from app.pipelines.status import DERIVATION_INPUTS
from app.pipelines.status import derive_deployment_fields
from app.simulator.model import DATA_EFFECTS
from app.simulator.model import STATUS_TRAIL
from app.simulator.schedule import insert_columns
from app.simulator.schedule import schedule_changes
from app.storage import NameTaken
from app.storage import Store


def insert(store: Store, record: dict, simulated: bool = True) -> None:
    """Store a complete new record (derived fields included); a taken name is DuplicateName.

    `simulated` is False only for imported fixtures (see `insert_columns`).
    """
    row = {**record, **insert_columns(record, simulated)}
    try:
        store.pipelines.insert(row)
    except NameTaken:
        raise DuplicateName() from None
    transitions.after_insert(store, row)
    if simulated:
        pipeline_events.record(store, None, row)


def save(store: Store, current: dict, changes: dict) -> dict:
    """Write `changes` to the stored `current`, completed by every rule; return the new record.

    The combined statuses are derived again when their inputs change, and the simulation's
    schedule is marked for planning when the change can move it. What the change does to the
    pipeline's data plane (and the log lines it prints) is written in the same transaction.
    """
    changes = dict(changes)
    effects = changes.pop(DATA_EFFECTS, ())
    trail = changes.pop(STATUS_TRAIL, ())
    changes.update(schedule_changes(current, changes))
    record = {**current, **changes}
    if not DERIVATION_INPUTS.isdisjoint(changes):
        record.update(derive_deployment_fields(record))
    written = {k: v for k, v in record.items() if k in changes or v != current.get(k)}
    try:
        store.pipelines.update(current["id"], written)
    except NameTaken:
        raise DuplicateName() from None
    transitions.after_save(store, current, record, effects, trail)
    pipeline_events.record(store, current, record)
    return record
