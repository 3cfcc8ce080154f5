"""The simulation's schedule on SQLite: one indexed column of epoch microseconds per row."""

import sqlite_utils


class SqliteSchedule:
    """Due-transition queries on the pipelines table."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db

    def anything_due(self, now_micros: int) -> bool:
        """Tell whether any row has a transition due; one probe of a partial index."""
        row = self.db.execute(
            "SELECT 1 FROM pipelines WHERE next_transition_at <= ? LIMIT 1", [now_micros]
        ).fetchone()
        return row is not None

    def due_ids(self, now_micros: int, limit: int = -1) -> list[str]:
        """Return the ids of the rows with a transition due, most overdue first."""
        rows = self.db.execute(
            "SELECT id FROM pipelines WHERE next_transition_at <= ? "
            "ORDER BY next_transition_at, id LIMIT ?",
            [now_micros, limit],
        )
        return [row[0] for row in rows]

    def set_schedule(self, pipeline_id: str, next_micros: int | None) -> None:
        """Store when the row is next due (None: nothing scheduled)."""
        self.db.execute(
            "UPDATE pipelines SET next_transition_at = ? WHERE id = ?", [next_micros, pipeline_id]
        )
