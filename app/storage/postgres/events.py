"""Pipeline and cluster monitor events on Postgres: JSON snapshots ordered by their moment."""

import json
from collections.abc import Mapping

import psycopg


class PostgresEventRows:
    """The pipeline_events and cluster_events tables; callers hold the transaction for writes."""

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn

    def add_pipeline_event(
        self, pipeline_id: str, event_id: str, micros: int, body: Mapping, keep: int
    ) -> None:
        """Store one pipeline event and drop that pipeline's events beyond the newest `keep`."""
        self.conn.execute(
            "INSERT INTO pipeline_events (pipeline_id, event_id, recorded_micros, body) "
            "VALUES (%s, %s, %s, %s)",
            [pipeline_id, event_id, micros, json.dumps(body)],
        )
        self.conn.execute(
            "DELETE FROM pipeline_events WHERE pipeline_id = %s AND event_id NOT IN ("
            "SELECT event_id FROM pipeline_events WHERE pipeline_id = %s "
            "ORDER BY recorded_micros DESC, event_id DESC LIMIT %s)",
            [pipeline_id, pipeline_id, keep],
        )

    def pipeline_events(self, pipeline_id: str, limit: int = -1) -> list[dict]:
        """Return a pipeline's events, newest first."""
        rows = self.conn.execute(
            "SELECT body FROM pipeline_events WHERE pipeline_id = %s "
            "ORDER BY recorded_micros DESC, event_id DESC LIMIT %s",
            [pipeline_id, None if limit < 0 else limit],
        )
        return [json.loads(row[0]) for row in rows]

    def pipeline_event(self, pipeline_id: str, event_id: str) -> dict | None:
        """Return one of a pipeline's events, or None."""
        row = self.conn.execute(
            "SELECT body FROM pipeline_events WHERE pipeline_id = %s AND event_id = %s",
            [pipeline_id, event_id],
        ).fetchone()
        return None if row is None else json.loads(row[0])

    def add_cluster_event(self, event_id: str, micros: int, body: Mapping, keep: int) -> None:
        """Store one cluster event, keeping the newest `keep`."""
        self.conn.execute(
            "INSERT INTO cluster_events (event_id, recorded_micros, body) VALUES (%s, %s, %s)",
            [event_id, micros, json.dumps(body)],
        )
        self.conn.execute(
            "DELETE FROM cluster_events WHERE event_id NOT IN (SELECT event_id FROM "
            "cluster_events ORDER BY recorded_micros DESC, event_id DESC LIMIT %s)",
            [keep],
        )

    def cluster_events(self, limit: int = -1) -> list[dict]:
        """Return the cluster events, newest first."""
        rows = self.conn.execute(
            "SELECT body FROM cluster_events ORDER BY recorded_micros DESC, event_id DESC LIMIT %s",
            [None if limit < 0 else limit],
        )
        return [json.loads(row[0]) for row in rows]

    def cluster_event(self, event_id: str) -> dict | None:
        """Return one cluster event, or None."""
        row = self.conn.execute(
            "SELECT body FROM cluster_events WHERE event_id = %s", [event_id]
        ).fetchone()
        return None if row is None else json.loads(row[0])
