"""Completion tokens (spec §3): what they encode, and the status they report."""

from __future__ import annotations

import base64
import binascii
import json

from app import errors
from app.dataplane.identifiers import canonical_name
from app.dataplane_service import counters
from app.dataplane_service import gate
from app.dataplane_service import loading
from app.pipelines.context import Context

PREFIX = "invalid completion token: "


def encode(incarnation: str, endpoint_id: int, records: int) -> str:
    """URL-safe base64 (no padding) of `{"u": incarnation, "e": endpoint id, "c": records}`."""
    text = json.dumps({"u": incarnation, "e": endpoint_id, "c": records}, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _invalid(reason: str) -> errors.InvalidParam:
    text = PREFIX + reason
    return errors.InvalidParam(f"Invalid parameter: {text}.", {"error": text})


def decode(token: str) -> tuple[str, int, int]:
    """Return (incarnation, endpoint id, records) of a token; raise InvalidParam."""
    try:
        padded = token + "=" * (-len(token) % 4)
        raw = base64.b64decode(padded, altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as err:
        raise _invalid(f"completion token is not a valid base64 string: {err}") from None
    try:
        value = json.loads(raw)
        fields = (value["u"], value["e"], value["c"])
    except (ValueError, KeyError, TypeError) as err:
        raise _invalid(f"error parsing completion token: {err}") from None
    incarnation, endpoint_id, records = fields
    if not (isinstance(incarnation, str) and isinstance(endpoint_id, int)):
        raise _invalid("error parsing completion token: invalid type")
    if not isinstance(records, int) or records < 0:
        raise _invalid("error parsing completion token: invalid type")
    return fields


def _state(ctx: Context, name: str) -> dict:
    record = gate.with_controller(ctx, name)
    loading.current(ctx, record)  # makes sure an imported fixture has its data state
    return ctx.store.data.state(record["id"])


def status(ctx: Context, name: str, token: str) -> dict:
    """GET /completion_status: complete once every record the token counts is processed."""
    state = _state(ctx, name)
    incarnation, endpoint_id, records = decode(token)
    current = state["incarnation_uuid"]
    if incarnation != current:
        text = (
            "Completion token was created by a previous incarnation of the pipeline (incarnation "
            f"uuid: {incarnation}) and is not valid for the current incarnation ({current}). "
            "This indicates that the pipeline was suspended and resumed from a checkpoint or "
            "restarted after a failure."
        )
        raise errors.PipelineRestarted(text, {"error": text})
    stats = state["stats"]
    endpoint = next((e for e in stats["endpoints"].values() if e["id"] == endpoint_id), None)
    if endpoint is None:
        text = (
            f"completion token specifies input endpoint id {endpoint_id}, which doesn't exist; "
            "this indicates that the input connector was deleted after the completion token "
            "was generated"
        )
        raise errors.UnknownEndpointInCompletionToken(text, {"endpoint_id": endpoint_id})
    if records > endpoint["records"]:
        return {"status": "inprogress", "step": None}
    # Records are processed as they arrive: a counted record is a completed one.
    return {"status": "complete", "step": counters.step_of(endpoint, records, stats["steps"])}


def endpoint_name(table: str, connector: str) -> str:
    """`<canonical table>.<connector>` (spec §0)."""
    return f"{canonical_name(table)[0]}.{connector}"


def connector_token(ctx: Context, name: str, table: str, connector: str) -> dict:
    """GET /tables/{t}/connectors/{c}/completion_token: a token for the connector's position."""
    state = _state(ctx, name)
    full = endpoint_name(table, connector)
    endpoint = state["stats"]["endpoints"].get(full)
    if endpoint is None:
        raise errors.UnknownInputEndpoint(
            f"unknown input endpoint name '{full}'", {"endpoint_name": full}
        )
    return {"token": encode(state["incarnation_uuid"], endpoint["id"], endpoint["records"])}
