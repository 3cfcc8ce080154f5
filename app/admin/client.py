"""A small Python client of the admin API (`/__admin/`), as the pytest plugin hands it out.

Standard library only, so a test project needs nothing beyond pipeline-store itself:

    admin = AdminClient("http://127.0.0.1:8080")
    admin.faults.add("/v0/pipelines/*", status=503, retry_after=0, count=2)
    admin.clock.advance(30)
    assert admin.journal.entries(path="/v0/pipelines/*", method="GET")
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request


class AdminError(Exception):
    """The admin API refused a request; `status` and `body` are its answer."""

    def __init__(self, status: int, body):
        message = body.get("message") if isinstance(body, dict) else body
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.body = body


class AdminClient:
    """The admin API of one pipeline-store server; `token` for `AUTH=bearer` (role admin)."""

    def __init__(self, url: str, token: str | None = None, timeout: float = 30.0):
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.faults = Faults(self)
        self.clock = Clock(self)
        self.journal = Journal(self)
        self.snapshot = Snapshots(self)

    def call(self, method: str, path: str, body=None, query: dict | None = None):
        """Send one request; return the decoded JSON answer (None when empty)."""
        url = f"{self.url}/__admin{path}"
        if query:
            url += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                text = response.read()
        except urllib.error.HTTPError as exc:
            text = exc.read()
            try:
                answer = json.loads(text)
            except ValueError:
                answer = text.decode(errors="replace")
            raise AdminError(exc.code, answer) from None
        return json.loads(text) if text else None

    def reset(
        self,
        name_prefix: str = "",
        tag: str | None = None,
        drop_api_keys: bool = False,
        admin_state: bool | None = None,
    ) -> dict:
        """Delete pipelines (all, or by name prefix and tag) and their data; see the API."""
        body = {"name_prefix": name_prefix, "tag": tag, "drop_api_keys": drop_api_keys}
        if admin_state is not None:
            body["admin_state"] = admin_state
        return self.call("POST", "/reset", body)


class Faults:
    """Fault rules: `add`, `list`, `get`, `delete`, `clear`."""

    def __init__(self, client: AdminClient):
        self.client = client

    def add(self, path: str, status: int | None = None, method: str = "*", **options) -> dict:
        """Add a rule (options: error_code, message, details, retry_after, latency_ms,
        drop_connection, probability, count, duration_seconds); return it."""
        body = {"path": path, "status": status, "method": method, **options}
        return self.client.call("POST", "/faults", body)

    def list(self) -> list[dict]:
        """Every rule, with its hits and remaining count."""
        return self.client.call("GET", "/faults")

    def get(self, fault_id: int) -> dict:
        """One rule."""
        return self.client.call("GET", f"/faults/{fault_id}")

    def delete(self, fault_id: int) -> None:
        """Delete one rule."""
        self.client.call("DELETE", f"/faults/{fault_id}")

    def clear(self) -> None:
        """Delete every rule."""
        self.client.call("DELETE", "/faults")


class Clock:
    """The simulation clock shared by every worker."""

    def __init__(self, client: AdminClient):
        self.client = client

    def now(self) -> dict:
        """`{now, frozen, offset_seconds}`."""
        return self.client.call("GET", "/clock")

    def freeze(self) -> dict:
        """Stop the clock."""
        return self.client.call("POST", "/clock/freeze")

    def advance(self, seconds: float) -> dict:
        """Move the clock `seconds` ahead."""
        return self.client.call("POST", "/clock/advance", {"seconds": seconds})

    def resume(self) -> dict:
        """Let the clock run again from where it stands."""
        return self.client.call("POST", "/clock/resume")


class Journal:
    """The last requests the server answered on the Feldera API."""

    def __init__(self, client: AdminClient):
        self.client = client

    def enable(self, size: int = 1000) -> None:
        """Keep the last `size` requests (clears the journal)."""
        self.client.call("PUT", "/journal", {"size": size})

    def disable(self) -> None:
        """Stop recording."""
        self.client.call("PUT", "/journal", {"size": 0})

    def entries(
        self, method: str | None = None, path: str | None = None, limit: int = 100
    ) -> list[dict]:
        """Recorded requests, newest first; `path` is a GLOB pattern."""
        return self.client.call(
            "GET", "/journal", query={"method": method, "path": path, "limit": limit}
        )

    def clear(self) -> None:
        """Forget what was recorded."""
        self.client.call("DELETE", "/journal")


class Snapshots:
    """Saved states of the whole store."""

    def __init__(self, client: AdminClient):
        self.client = client

    def save(self, name: str) -> dict:
        """Save the store under `name`."""
        return self.client.call("PUT", f"/snapshots/{urllib.parse.quote(name, safe='')}")

    def restore(self, name: str) -> dict:
        """Go back to the snapshot `name`."""
        return self.client.call("POST", f"/snapshots/{urllib.parse.quote(name, safe='')}/restore")

    def list(self) -> list[dict]:
        """Every snapshot."""
        return self.client.call("GET", "/snapshots")

    def delete(self, name: str) -> None:
        """Delete a snapshot."""
        self.client.call("DELETE", f"/snapshots/{urllib.parse.quote(name, safe='')}")
