"""Shared checks of the table-driven compiler tests: upstream's messages and the SDK's text.

The SDK's exception text is produced by the real `feldera` SDK's own code
(FelderaClient._wait_for_compilation) reading the stored record pipeline-store would serve.
"""

import re

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
    for message in messages:
        check_position(code, message)


# A message that names the offending token, and the kind of name its quotes hold.
_NAMED = re.compile(
    r"^(?:Object|Column|Table|Expression|Key field|Unknown identifier) '([^']+)'"
    r"(?! already defined| of table)"
)
_FROM_TO = re.compile(r"^From line (\d+), column (\d+) to line (\d+), column (\d+): ")
_AT = re.compile(r"^At line (\d+), column (\d+): ")


def covered_text(code: str, message: dict) -> str:
    """The program text between a message's start and end positions (1-based, inclusive)."""
    lines = code.split("\n")
    first, last = message["start_line_number"], message["end_line_number"]
    if first == last:
        return lines[first - 1][message["start_column"] - 1 : message["end_column"]]
    middle = lines[first : last - 1]
    head = lines[first - 1][message["start_column"] - 1 :]
    return "\n".join([head, *middle, lines[last - 1][: message["end_column"]]])


def check_position(code: str, message: dict) -> None:
    """A message's range agrees with its own text, and covers the token it names."""
    if message["start_line_number"] == 0:
        assert message["snippet"] == ""
        return
    start = (message["start_line_number"], message["start_column"])
    end = (message["end_line_number"], message["end_column"])
    text = message["message"]
    if found := _FROM_TO.match(text):
        assert tuple(map(int, found.groups())) == (*start, *end), text
    elif found := _AT.match(text):
        assert tuple(map(int, found.groups())) == start == end, text
    covered = covered_text(code, message)
    body = _FROM_TO.sub("", _AT.sub("", text))
    if named := _NAMED.match(body):
        token = covered.replace('"', "").replace("`", "")
        assert token.lower() == named.group(1).lower(), (covered, text)
    # The snippet shows the first line of the range, underlined exactly under the range.
    line = code.split("\n")[start[0] - 1]
    assert f"{start[0]:5}|{line}\n" in message["snippet"]
    if start[0] == end[0]:
        width = end[1] - start[1] + 1
        caret = " " * (start[1] - 1 + 6) + "^" * width + "\n"
        assert caret in message["snippet"], (message["snippet"], caret)


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
