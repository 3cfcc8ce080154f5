"""Failure-injection directives: `-- pipeline-store: <name> [args]` comments in program_code."""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field

from app.compiler.lexer import Comment

PREFIX = re.compile(r"^--\s*pipeline-store\s*:\s*(?P<name>\S*)\s*(?P<args>.*?)\s*$", re.I)
KNOWN = ("sql-error", "rust-error", "system-error", "provisioning-timeout", "crash-after")
DEFAULT_MESSAGES = {
    "sql-error": "Injected SQL error",
    "rust-error": "Injected Rust compilation error",
    "system-error": "Injected system error",
    "crash-after": "Injected pipeline crash",
}


@dataclass
class Directives:
    """The directives found in a program; `invalid` holds (message, comment) pairs."""

    sql_errors: list[tuple[str, Comment]] = field(default_factory=list)
    rust_errors: list[str] = field(default_factory=list)
    system_error: str | None = None
    runtime_fault: dict | None = None
    invalid: list[tuple[str, Comment]] = field(default_factory=list)


def parse_directives(comments: list[Comment]) -> Directives:
    """Collect directives from line comments; the first system error / runtime fault wins."""
    found = Directives()
    for comment in comments:
        match = PREFIX.match(comment.text)
        if match is None:
            continue
        name, args = match["name"].lower(), match["args"]
        message = args or DEFAULT_MESSAGES.get(name, "")
        if name == "sql-error":
            found.sql_errors.append((message, comment))
        elif name == "rust-error":
            found.rust_errors.append(message)
        elif name == "system-error":
            found.system_error = found.system_error or message
        elif name == "provisioning-timeout":
            found.runtime_fault = found.runtime_fault or {"kind": "provisioning-timeout"}
        elif name == "crash-after":
            fault = _crash(args)
            if fault is None:
                text = f"Directive 'crash-after' needs a number of seconds >= 0, got '{args}'"
                found.invalid.append((text, comment))
            else:
                found.runtime_fault = found.runtime_fault or fault
        else:
            known = ", ".join(KNOWN)
            shown = name or "(nothing)"
            text = f"Unknown pipeline-store directive '{shown}' (known: {known})"
            found.invalid.append((text, comment))
    return found


def _crash(args: str) -> dict | None:
    """Parse `<seconds> [message]` of crash-after."""
    seconds, _, message = args.partition(" ")
    try:
        after = float(seconds)
    except ValueError:
        return None
    if not after >= 0 or after == float("inf"):
        return None
    return {
        "kind": "crash",
        "after_secs": after,
        "message": message.strip() or DEFAULT_MESSAGES["crash-after"],
    }
