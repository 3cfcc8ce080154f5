"""A browser's WebSocket query with auth on: the token travels as a subprotocol (spec §4.x)."""

import base64
import contextlib
import json

import requests
import simple_websocket

from app import create_app
from tests.feldera_sdk import FelderaClient
from tests.feldera_sdk import PipelineBuilder
from tests.server import gunicorn_server

SECRET = "e2e-secret"  # what tests.server gives gunicorn
ENV = {"PIPELINE_STORE_AUTH": "bearer", "PIPELINE_STORE_SIMULATION_SCALE": "0"}


def bearer_protocol(token: str) -> str:
    """`feldera-bearer.<base64url, no padding>`, as the web console offers it."""
    return "feldera-bearer." + base64.urlsafe_b64encode(token.encode()).decode().rstrip("=")


def test_the_console_authenticates_a_websocket_with_a_subprotocol(tmp_path):
    instance = tmp_path / "instance"
    app = create_app({"DATABASE": str(instance / "pipelines.sqlite3"), "SECRET_KEY": SECRET})
    minted = app.test_cli_runner().invoke(args=["api-key", "create", "ops", "--role", "write"])
    key = minted.stdout.strip()
    with gunicorn_server(instance, workers=1, env=ENV) as (url, _):
        client = FelderaClient(url, api_key=key)
        pipeline = PipelineBuilder(
            client, "ws", "CREATE TABLE t (x INT) WITH ('materialized' = 'true');"
        )
        pipeline = pipeline.create_or_replace()
        pipeline.start()
        pipeline.input_json("t", [{"x": 1}, {"x": 2}])
        endpoint = url.replace("http://", "ws://") + "/v0/pipelines/ws/query"
        handshake = {
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Key": base64.b64encode(b"0123456789abcdef").decode(),
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Protocol": "feldera-ws-v1",
        }
        refused = requests.get(f"{url}/v0/pipelines/ws/query", headers=handshake, timeout=10)
        assert (refused.status_code, refused.json()["error_code"]) == (401, "AuthenticationFailed")
        ws = simple_websocket.Client.connect(
            endpoint, subprotocols=["feldera-ws-v1", bearer_protocol(key)]
        )
        try:
            # Only upstream's own subprotocol is echoed, never the token.
            assert ws.subprotocol == "feldera-ws-v1"
            ws.send(json.dumps({"sql": "SELECT SUM(x) AS s FROM t", "format": "json"}))
            assert json.loads(ws.receive(timeout=10)) == {"s": 3}
        finally:
            with contextlib.suppress(simple_websocket.ConnectionClosed):
                ws.close()
        pipeline.stop(force=True)
