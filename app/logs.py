"""Structured logs: one line per event on stderr, as logfmt or JSON lines (LOG_FORMAT).

Every module logs through a child of the `app` logger (`logging.getLogger(__name__)`), which
is also Flask's `app.logger`. `event()` attaches fields to a line; requests are logged by a
WSGI wrapper, one logger call each.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from datetime import UTC
from datetime import datetime

ROOT = "app"
REQUESTS = logging.getLogger("app.requests")
# The environ key holding perf_counter() at the moment a request reached the app.
STARTED = "pipeline_store.started"
# A logfmt value with spaces, quotes, `=`, a backslash or a control character (or an empty
# one) is quoted, as a JSON string: control characters escaped, so a line stays one line.
NEEDS_QUOTES = re.compile(r'[\s"=\\\x00-\x1f\x7f]|^$')


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a line is written (test captures included)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass  # StreamHandler.__init__ assigns one; the property always answers sys.stderr


class StructuredFormatter(logging.Formatter):
    """`ts level logger event` and the record's fields, as logfmt or one JSON object."""

    def __init__(self, style: str):
        super().__init__()
        self.render = render_json if style == "json" else render_logfmt

    def format(self, record: logging.LogRecord) -> str:
        exc = self.formatException(record.exc_info) if record.exc_info else None
        fields = getattr(record, "fields", {})
        return self.line(
            record.created, record.levelname, record.name, record.getMessage(), fields, exc
        )

    def line(self, created: float, level: str, logger: str, event: str, fields: dict, exc=None):
        """Render one line from its parts (a LogRecord's, or a request's without one)."""
        line = {"ts": timestamp(created), "level": level.lower(), "logger": logger, "event": event}
        line.update(fields)
        if exc:
            line["exc"] = exc
        return self.render(line)


def timestamp(created: float) -> str:
    """RFC 3339 in UTC with milliseconds, like the API's own stamps."""
    moment = datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")
    return moment.replace("+00:00", "Z")


def render_json(line: dict) -> str:
    """One JSON object; newlines inside values are escaped, so it stays one line."""
    return json.dumps(line, ensure_ascii=False, default=str)


def render_logfmt(line: dict) -> str:
    """`key=value` pairs; values with spaces, quotes or `=` are quoted (see NEEDS_QUOTES)."""
    return " ".join(f"{key}={logfmt_value(value)}" for key, value in line.items())


def logfmt_value(value) -> str:
    """A value as logfmt writes it."""
    # Checked by exact type first: every request line passes here about ten times.
    kind = type(value)
    if kind is str:
        return (
            value if NEEDS_QUOTES.search(value) is None else json.dumps(value, ensure_ascii=False)
        )
    if kind is int or kind is float:
        return repr(value)  # digits, sign, point, exponent, inf or nan: never quoted
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, default=str)
    elif not isinstance(value, str):
        value = str(value)
    if NEEDS_QUOTES.search(value) is None:
        return value
    return json.dumps(value, ensure_ascii=False)


def event(logger: logging.Logger, name: str, level: int = logging.INFO, **fields) -> None:
    """Log one event with fields (nothing is built when the level is off)."""
    if logger.isEnabledFor(level):
        logger.log(level, name, extra={"fields": fields})


def init_app(app) -> None:
    """Send the app's logs to stderr in LOG_FORMAT at LOG_LEVEL, and log every request."""
    logger = logging.getLogger(ROOT)
    for handler in [h for h in logger.handlers if isinstance(h, StderrHandler)]:
        logger.removeHandler(handler)  # a second app in one process replaces the first's
    handler = StderrHandler()
    handler.setFormatter(StructuredFormatter(app.config["LOG_FORMAT"]))
    logger.addHandler(handler)
    logger.setLevel(app.config["LOG_LEVEL"])
    # Our lines are complete; a root handler (pytest's, a user's) would print them twice.
    logger.propagate = False
    app.wsgi_app = RequestLog(app.wsgi_app, handler)


class RequestLog:
    """WSGI wrapper: one `request` line per request, with its status and duration."""

    def __init__(self, wsgi_app, handler: StderrHandler):
        self.wsgi_app = wsgi_app
        self.handler = handler

    def __call__(self, environ, start_response):
        # The moment the request reached the app, for whatever times it (the admin journal).
        environ[STARTED] = started = time.perf_counter()
        if not REQUESTS.isEnabledFor(logging.INFO):
            return self.wsgi_app(environ, start_response)
        status = []

        def recording_start_response(status_line, headers, exc_info=None):
            status.append(status_line)
            return start_response(status_line, headers, exc_info)

        try:
            return self.wsgi_app(environ, recording_start_response)
        finally:
            path = environ.get("PATH_INFO", "")
            query = environ.get("QUERY_STRING")
            self.write(
                {
                    "method": environ.get("REQUEST_METHOD"),
                    "path": f"{path}?{query}" if query else path,
                    "status": int(status[-1][:3]) if status else None,
                    "ms": round((time.perf_counter() - started) * 1000, 2),
                    "remote": environ.get("REMOTE_ADDR"),
                    "pid": os.getpid(),
                }
            )

    def only_handler(self) -> bool:
        """Whether a request line reaches the app's handler alone, unfiltered."""
        app_logger = REQUESTS.parent
        return (
            not REQUESTS.handlers
            and not REQUESTS.filters
            and REQUESTS.propagate
            and app_logger.name == ROOT
            and app_logger.handlers == [self.handler]
            and not app_logger.filters
            and not self.handler.filters
            and self.handler.level <= logging.INFO
        )

    def write(self, fields: dict) -> None:
        """Write the request line: straight to stderr while only the app's own handler listens."""
        handler = self.handler
        if not self.only_handler():
            record = REQUESTS.makeRecord(
                REQUESTS.name, logging.INFO, __file__, 0, "request", (), None
            )
            record.fields = fields
            REQUESTS.handle(record)
            return
        # A LogRecord and the handler chain cost more than the rest of a polled request's
        # logging; the line is the same as the formatter would write for one.
        text = handler.formatter.line(time.time(), "INFO", REQUESTS.name, "request", fields)
        with handler.lock:
            sys.stderr.write(text + "\n")
