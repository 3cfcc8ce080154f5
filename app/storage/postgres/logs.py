"""Each pipeline's log lines on Postgres, numbered from 1 in the order they were written."""

from collections.abc import Sequence

import psycopg


class PostgresLogRows:
    """The pipeline_logs table; callers hold the transaction for writes."""

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn

    def bounds(self, pipeline_id: str) -> tuple[int, int]:
        """Return (first, last) sequence numbers kept; (0, 0) when there is none."""
        row = self.conn.execute(
            "SELECT min(seq), max(seq) FROM pipeline_logs WHERE pipeline_id = %s", [pipeline_id]
        ).fetchone()
        return (row[0] or 0, row[1] or 0)

    def append(self, pipeline_id: str, lines: Sequence[str]) -> int:
        """Append lines after the last one; return the last sequence number."""
        last = self.bounds(pipeline_id)[1]
        with self.conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO pipeline_logs (pipeline_id, seq, line) VALUES (%s, %s, %s)",
                [(pipeline_id, last + i, line) for i, line in enumerate(lines, start=1)],
            )
        return last + len(lines)

    def since(self, pipeline_id: str, after: int, limit: int = 1000) -> list[tuple[int, str]]:
        """Return (seq, line) of up to `limit` lines after `after`, in order."""
        rows = self.conn.execute(
            "SELECT seq, line FROM pipeline_logs WHERE pipeline_id = %s AND seq > %s "
            "ORDER BY seq LIMIT %s",
            [pipeline_id, after, None if limit < 0 else limit],
        )
        return [tuple(row) for row in rows]

    def prune(self, pipeline_id: str, before: int) -> None:
        """Drop the lines numbered below `before`."""
        self.conn.execute(
            "DELETE FROM pipeline_logs WHERE pipeline_id = %s AND seq < %s", [pipeline_id, before]
        )
