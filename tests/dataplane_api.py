"""Data-plane tests through the Flask test client: running pipelines, ingress, queries."""

import json

from app import create_app

# Transitions immediate, short waits: every test drives a pipeline in a few milliseconds.
FAST = {
    "SIMULATION_SCALE": 0,
    "STREAM_FOLLOW_SECONDS": 0,
    "INGRESS_PAUSED_WAIT_SECONDS": 0.3,
}
JSON = {"Content-Type": "application/json"}


class DataApi:
    """An app on a temporary database with shortcuts for the data plane routes."""

    def __init__(self, tmp_path, database: str | None = None, **settings):
        """`database` is a DATABASE setting (the `database` fixture); default a file in tmp_path."""
        self.database = database or str(tmp_path / "pipelines.sqlite3")
        self.app = create_app(
            {"TESTING": True, "DATABASE": self.database, "SECRET_KEY": "test", **FAST, **settings}
        )
        self.client = self.app.test_client()

    def create(self, name: str, sql: str) -> None:
        """Create (and, with the scale at 0, compile) a pipeline."""
        response = self.client.post("/v0/pipelines", json={"name": name, "program_code": sql})
        assert response.status_code == 201, response.get_json()

    def action(self, name: str, action: str, query: str = "", status: int = 202):
        """POST a lifecycle action."""
        url = f"/v0/pipelines/{name}/{action}" + (f"?{query}" if query else "")
        response = self.client.post(url, headers=JSON)
        assert response.status_code == status, response.get_json()
        return response

    def running(self, name: str, sql: str, initial: str = "running") -> None:
        """Create a pipeline and start it."""
        self.create(name, sql)
        self.action(name, "start", f"initial={initial}")
        status = self.status(name)
        assert status == initial.capitalize(), status

    def status(self, name: str) -> str:
        """The pipeline's deployment_status."""
        return self.client.get(f"/v0/pipelines/{name}?selector=status").get_json()[
            "deployment_status"
        ]

    def ingress(self, name: str, table: str, body, query: str = "format=json&update_format=raw"):
        """POST a body (JSON-encoded unless bytes or str) to a table; return the response."""
        if isinstance(body, list) and "array=" not in query:
            query += "&array=true"
        if not isinstance(body, bytes | str):
            body = json.dumps(body)
        return self.client.post(f"/v0/pipelines/{name}/ingress/{table}?{query}", data=body)

    def push(self, name: str, table: str, rows: list, query: str = "format=json&update_format=raw"):
        """Ingest rows (a JSON array) that must be accepted; return the token."""
        response = self.ingress(name, table, json.dumps(rows), query + "&array=true")
        assert response.status_code == 200, response.get_json()
        return response.get_json()["token"]

    def query(self, name: str, sql: str, fmt: str = "json"):
        """GET /query; return the response."""
        return self.client.get(
            f"/v0/pipelines/{name}/query", query_string={"sql": sql, "format": fmt}
        )

    def rows(self, name: str, sql: str) -> list[dict]:
        """Run a query that must succeed; return its rows."""
        response = self.query(name, sql)
        assert response.status_code == 200, response.get_json()
        return [json.loads(line) for line in response.data.decode().splitlines() if line]

    def stats(self, name: str) -> dict:
        """GET /stats, which must succeed."""
        response = self.client.get(f"/v0/pipelines/{name}/stats")
        assert response.status_code == 200, response.get_json()
        return response.get_json()


def error_of(response, status: int, code: str) -> dict:
    """Assert an error answer; return its body."""
    body = response.get_json()
    assert response.status_code == status, body
    assert body["error_code"] == code, body
    assert set(body) == {"message", "error_code", "details"}
    return body
