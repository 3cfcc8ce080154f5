"""Decode one ingress request body: the changes to apply, the records counted, the errors."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from app.dataplane.changes import Change
from app.dataplane.csv_ingress import CsvIngress
from app.dataplane.errors import DataplaneError
from app.dataplane.gcpause import gc_paused
from app.dataplane.ingress_config import IngressConfig
from app.dataplane.json_ingress import JsonIngress
from app.dataplane.parse_errors import ENVELOPE_TAG
from app.dataplane.parse_errors import ErrorLog
from app.dataplane.parse_errors import ParseError
from app.dataplane.parse_errors import parse_errors_error
from app.dataplane.relations import Relation


@dataclass
class Decoded:
    """What a request contributes: good changes in order, and what went wrong.

    Upstream ingests the good records of a request even when others fail (spec §2.5), so a
    store applies `changes` whatever `error()` says; the answer is then 400 ParseErrors.
    """

    changes: list[Change] = field(default_factory=list)
    records: int = 0  # events accepted (rows or envelopes), for the stats counters
    num_bytes: int = 0
    log: ErrorLog = field(default_factory=ErrorLog)

    def error(self) -> DataplaneError | None:
        """Return the ParseErrors answer when any record failed."""
        return parse_errors_error(self.log) if self.log else None


def decode_body(table: Relation, config: IngressConfig, body: bytes) -> Decoded:
    """Decode an ingress body for `table` with the request's parser configuration."""
    decoded = Decoded(num_bytes=len(body))
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as err:
        bad = list(body[err.start : err.end])
        description = "failed to parse string as a JSON document: invalid UTF-8"
        if config.format == "csv":
            description = "failed to deserialize CSV record: invalid UTF-8"
        decoded.log.add(ParseError(description, invalid_bytes=bad, tag=ENVELOPE_TAG))
        return decoded
    decoder = CsvIngress(table) if config.format == "csv" else JsonIngress(table, config)
    with gc_paused():
        decoded.records = decoder.decode(text, decoded.changes, decoded.log)
    return decoded
