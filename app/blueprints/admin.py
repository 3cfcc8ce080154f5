"""The admin API under `/__admin/` (pipeline-store's): reset, snapshots, faults, clock, journal."""

from flask import current_app
from flask.views import MethodView

from app import errors
from app import storage
from app.admin import clock
from app.admin import faults
from app.admin import journal
from app.admin import reset
from app.admin import snapshots
from app.http.api import NO_CACHE
from app.http.api import Blueprint
from app.http.api import empty_response
from app.http.context import domain
from app.schemas.admin import AdvanceSchema
from app.schemas.admin import ClockSchema
from app.schemas.admin import FaultSchema
from app.schemas.admin import JournalConfigSchema
from app.schemas.admin import JournalEntrySchema
from app.schemas.admin import JournalQuerySchema
from app.schemas.admin import NewFaultSchema
from app.schemas.admin import ResetResultSchema
from app.schemas.admin import ResetSchema
from app.schemas.admin import SnapshotSchema

blp = Blueprint(
    "admin",
    __name__,
    url_prefix="/__admin",
    description="pipeline-store's own controls for tests: reset, snapshots, fault injection, "
    "the simulation clock and the request journal. Not part of Feldera's API. Served with "
    "`AUTH=none` by default (setting `ADMIN_API`); with `AUTH=bearer` only to a token or JWT "
    "with the `admin` role, never to an API key.",
)
AUTH_ERRORS = (
    errors.AuthenticationFailed,
    errors.InsufficientPermissions,
    errors.AdminCredentialRefused,
)

# Every snapshot route needs the SQLite file: on Postgres each answers 501 before anything else.
SNAPSHOT_ERRORS = (errors.SnapshotsUnavailable, *AUTH_ERRORS)


def snapshot_folder() -> str:
    """This instance's snapshot folder."""
    return snapshots.folder(storage.database_path(current_app))


@blp.route("/reset")
class Reset(MethodView):
    """Delete pipelines and their data."""

    @blp.doc(operationId="admin_reset")
    @blp.arguments(ResetSchema)
    @blp.response(200, ResetResultSchema)
    @blp.errors(errors.InvalidRequestBody, *AUTH_ERRORS)
    def post(self, body):
        """Reset the store

        Deletes every pipeline (or those whose name starts with `name_prefix` and carry
        `tag`), with their data and logs, in one transaction. API keys stay unless
        `drop_api_keys`.
        """
        return reset.reset(domain(), **body), NO_CACHE


@blp.route("/snapshots")
class Snapshots(MethodView):
    """Saved states of the whole store."""

    @blp.doc(operationId="admin_list_snapshots")
    @blp.response(200, SnapshotSchema(many=True))
    @blp.errors(*SNAPSHOT_ERRORS)
    def get(self):
        """List snapshots"""
        return snapshots.list_all(snapshot_folder()), NO_CACHE


@blp.route("/snapshots/<string:name>")
class SnapshotByName(MethodView):
    """One snapshot."""

    @blp.doc(operationId="admin_save_snapshot")
    @blp.response(201, SnapshotSchema)
    @blp.errors(errors.InvalidSnapshotName, *SNAPSHOT_ERRORS)
    def put(self, name):
        """Save a snapshot

        Copies the whole store (pipelines, data, API keys, fault rules, clock) with SQLite's
        online backup, replacing a snapshot of the same name.
        """
        return snapshots.save(domain(), snapshot_folder(), name), NO_CACHE

    @blp.doc(operationId="admin_delete_snapshot")
    @blp.response(200, description="Snapshot deleted (empty body).")
    @blp.errors(errors.InvalidSnapshotName, errors.UnknownSnapshot, *SNAPSHOT_ERRORS)
    def delete(self, name):
        """Delete a snapshot"""
        snapshots.delete(snapshot_folder(), name)
        return empty_response()


@blp.route("/snapshots/<string:name>/restore")
class SnapshotRestore(MethodView):
    """Go back to a snapshot."""

    @blp.doc(operationId="admin_restore_snapshot")
    @blp.response(200, SnapshotSchema)
    @blp.errors(
        errors.InvalidSnapshotName,
        errors.UnknownSnapshot,
        errors.SnapshotTooNew,
        *SNAPSHOT_ERRORS,
    )
    def post(self, name):
        """Restore a snapshot

        Replaces the store's contents with the snapshot's in one write: every worker sees
        the old state before and the restored one after. The journal is cleared.
        """
        return snapshots.restore(domain(), snapshot_folder(), name), NO_CACHE


@blp.route("/faults")
class Faults(MethodView):
    """Fault rules, applied by every worker."""

    @blp.doc(operationId="admin_list_faults")
    @blp.response(200, FaultSchema(many=True))
    @blp.errors(*AUTH_ERRORS)
    def get(self):
        """List fault rules

        In creation order, the first rule that fires for a request decides. Spent and
        expired rules stay listed until deleted.
        """
        return faults.list_rules(domain()), NO_CACHE

    @blp.doc(operationId="admin_add_fault")
    @blp.arguments(NewFaultSchema)
    @blp.response(201, FaultSchema)
    @blp.errors(errors.InvalidRequestBody, *AUTH_ERRORS)
    def post(self, body):
        """Add a fault rule

        Requests matching `method` and `path` get `status` (with `error_code`, `message`,
        `details`, `Retry-After`), after `latency_ms`, or a dropped connection, with
        `probability`, at most `count` times, for `duration_seconds`.
        """
        return faults.new_rule(domain(), body), NO_CACHE

    @blp.doc(operationId="admin_delete_faults")
    @blp.response(200, description="Every rule deleted (empty body).")
    @blp.errors(*AUTH_ERRORS)
    def delete(self):
        """Delete every fault rule"""
        faults.delete_all(domain())
        return empty_response()


@blp.route("/faults/<int:fault_id>")
class FaultById(MethodView):
    """One fault rule."""

    @blp.doc(operationId="admin_get_fault")
    @blp.response(200, FaultSchema)
    @blp.errors(errors.UnknownFaultRule, *AUTH_ERRORS)
    def get(self, fault_id):
        """Get a fault rule"""
        return faults.get_rule(domain(), fault_id), NO_CACHE

    @blp.doc(operationId="admin_delete_fault")
    @blp.response(200, description="Rule deleted (empty body).")
    @blp.errors(errors.UnknownFaultRule, *AUTH_ERRORS)
    def delete(self, fault_id):
        """Delete a fault rule"""
        faults.delete_rule(domain(), fault_id)
        return empty_response()


@blp.route("/clock")
class Clock(MethodView):
    """The simulation clock."""

    @blp.doc(operationId="admin_get_clock")
    @blp.response(200, ClockSchema)
    @blp.errors(*AUTH_ERRORS)
    def get(self):
        """Get the clock"""
        return clock.show(domain()), NO_CACHE


@blp.route("/clock/freeze")
class ClockFreeze(MethodView):
    """Stop the clock."""

    @blp.doc(operationId="admin_freeze_clock")
    @blp.response(200, ClockSchema)
    @blp.errors(*AUTH_ERRORS)
    def post(self):
        """Freeze the clock

        The simulation's time stands still (for every worker) until advanced or resumed.
        """
        return clock.move(domain(), "freeze"), NO_CACHE


@blp.route("/clock/advance")
class ClockAdvance(MethodView):
    """Move the clock forward."""

    @blp.doc(operationId="admin_advance_clock")
    @blp.arguments(AdvanceSchema)
    @blp.response(200, ClockSchema)
    @blp.errors(errors.InvalidRequestBody, *AUTH_ERRORS)
    def post(self, body):
        """Advance the clock

        Moves the simulation `seconds` ahead, frozen or not: every transition due by then
        happens on the next request, as if the time had passed.
        """
        return clock.move(domain(), "advance", body["seconds"]), NO_CACHE


@blp.route("/clock/resume")
class ClockResume(MethodView):
    """Let the clock run again."""

    @blp.doc(operationId="admin_resume_clock")
    @blp.response(200, ClockSchema)
    @blp.errors(*AUTH_ERRORS)
    def post(self):
        """Resume the clock

        The clock runs again from where it stood (its offset from the wall clock is kept).
        """
        return clock.move(domain(), "resume"), NO_CACHE


@blp.route("/journal")
class Journal(MethodView):
    """The last requests of the Feldera API surface."""

    @blp.doc(operationId="admin_list_journal")
    @blp.arguments(JournalQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, JournalEntrySchema(many=True))
    @blp.errors(errors.InvalidQueryParameter, *AUTH_ERRORS)
    def get(self, method, path, limit):
        """List recorded requests

        Newest first. Recorded only while the journal is on (`PUT /__admin/journal`).
        """
        return journal.entries(domain(), method, path, limit), NO_CACHE

    @blp.doc(operationId="admin_configure_journal")
    @blp.arguments(JournalConfigSchema)
    @blp.response(200, JournalConfigSchema)
    @blp.errors(errors.InvalidRequestBody, *AUTH_ERRORS)
    def put(self, body):
        """Turn the journal on or off

        Keeps the last `size` requests (0: off, the default: it costs a write per request).
        Clears what was recorded.
        """
        return journal.configure(domain(), body["size"]), NO_CACHE

    @blp.doc(operationId="admin_clear_journal")
    @blp.response(200, description="Journal cleared (empty body).")
    @blp.errors(*AUTH_ERRORS)
    def delete(self):
        """Clear the journal"""
        journal.clear(domain())
        return empty_response()
