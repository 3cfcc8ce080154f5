"""Shared checks of the table-driven compiler tests: upstream's messages and the SDK's text.

The SDK's exception text is produced by the real `feldera` SDK's own code
(FelderaClient._wait_for_compilation) reading the stored record pipeline-store would serve.
"""

import pytest
from feldera.rest.feldera_client import FelderaClient
from feldera.rest.pipeline import Pipeline

from app.compiler import compile_program

STOPPING = ("Compilation error", "Stopping compilation due to errors")


class _StoredPipeline(FelderaClient):
    """The SDK's client reading one stored record instead of a server."""

    def __init__(self, record: dict):  # no HTTP client: only get_pipeline is used
        self.record = record

    def get_pipeline(self, pipeline_name, field_selector=None):
        return Pipeline.from_dict(dict(self.record))


def sdk_text(outcome) -> str:
    """The RuntimeError text `create_pipeline(..., wait=True)` raises for this outcome."""
    record = {
        "name": "p",
        "program_status": outcome.final_status,
        "program_error": outcome.program_error_final(),
        "program_info": outcome.program_info,
        "program_version": 1,
    }
    with pytest.raises(RuntimeError) as raised:
        _StoredPipeline(record)._wait_for_compilation("p")
    return str(raised.value)


def sdk_messages_text(messages: list[dict]) -> str:
    """What the SDK prints for a SqlError's messages (a null snippet prints as None)."""
    body = "".join(
        f"{m['error_type']}\n{m['message']}\nCode snippet:\n{m['snippet']}" for m in messages
    )
    return "Pipeline p failed to compile:\n" + body


def check_invalid(code: str, expected: list[tuple[str, str]]) -> None:
    """The program fails with exactly these messages (exit 1), and the SDK says so."""
    outcome = compile_program(code)
    assert (outcome.sql_status, outcome.final_status) == ("SqlError", "SqlError")
    messages = outcome.sql_compilation["messages"]
    assert [(m["error_type"], m["message"]) for m in messages] == expected
    assert outcome.sql_compilation["exit_code"] == 1
    assert sdk_text(outcome) == sdk_messages_text(messages)


def check_warned(code: str, expected: list[tuple[str, str]], unused: dict) -> None:
    """The program compiles with exactly these warnings and these columns flagged unused."""
    outcome = compile_program(code)
    assert outcome.final_status == "Success", outcome.sql_compilation
    messages = outcome.sql_compilation["messages"]
    assert [(m["error_type"], m["message"]) for m in messages] == expected
    assert outcome.sql_compilation["exit_code"] == 0 and all(m["warning"] for m in messages)
    # Warnings point somewhere in the program, with a snippet showing it.
    assert all(m["start_line_number"] > 0 and "^" in m["snippet"] for m in messages)
    flagged = {
        r["name"]: [f["name"] for f in r["fields"] if f["unused"]]
        for r in outcome.program_info["schema"]["inputs"]
    }
    assert {k: v for k, v in flagged.items() if v} == unused
