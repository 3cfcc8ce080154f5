"""The simulation's schedule on Postgres: one indexed column of epoch microseconds per row."""

import psycopg


class PostgresSchedule:
    """Due-transition queries on the pipelines table."""

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn

    def anything_due(self, now_micros: int) -> bool:
        """Tell whether any row has a transition due; one probe of a partial index."""
        row = self.conn.execute(
            "SELECT 1 FROM pipelines WHERE next_transition_at <= %s LIMIT 1", [now_micros]
        ).fetchone()
        return row is not None

    def due_ids(self, now_micros: int, limit: int = -1) -> list[str]:
        """Return the ids of the rows with a transition due, most overdue first."""
        rows = self.conn.execute(
            "SELECT id FROM pipelines WHERE next_transition_at <= %s "
            'ORDER BY next_transition_at, id COLLATE "C" LIMIT %s',
            [now_micros, None if limit < 0 else limit],
        )
        return [row[0] for row in rows]

    def set_schedule(self, pipeline_id: str, next_micros: int | None) -> None:
        """Store when the row is next due (None: nothing scheduled)."""
        self.conn.execute(
            "UPDATE pipelines SET next_transition_at = %s WHERE id = %s",
            [next_micros, pipeline_id],
        )
