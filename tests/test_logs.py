"""Structured logs on stderr: one line per request and per simulation event, logfmt or JSON."""

import json
import logging
import os
import re
import subprocess
import sys

import pytest
import requests

from app import create_app
from app.logs import StructuredFormatter
from tests.server import ROOT
from tests.server import free_port
from tests.server import gunicorn_server
from tests.server import stderr_path
from tests.server import wait_until_ready
from tests.simulation import PROGRAM
from tests.simulation import Simulation

LOGFMT_PAIR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)')


def logfmt(line: str) -> dict:
    """Parse one logfmt line (quoted values unescaped)."""
    pairs = {}
    for key, value in LOGFMT_PAIR.findall(line):
        if value.startswith('"'):
            value = json.loads(value)  # logfmt's escapes are JSON's for these characters
        pairs[key] = value
    return pairs


def events(text: str, parse=logfmt) -> list[dict]:
    """The log lines of one captured stderr, parsed."""
    return [parse(line) for line in text.splitlines() if line]


def record(name: str, exc_info=None, **fields) -> logging.LogRecord:
    """A log record as `app.logs.event` makes it."""
    made = logging.LogRecord("app.test", logging.WARNING, __file__, 1, name, (), exc_info)
    made.fields = fields
    return made


def test_logfmt_quotes_and_escapes_so_every_event_is_one_line():
    line = StructuredFormatter("logfmt").format(
        record("compile", pipeline="p 1", message='say "hi"\nbye', injected=True, gone=None)
    )
    assert "\n" not in line
    parsed = logfmt(line)
    assert parsed["event"] == "compile"
    assert parsed["level"] == "warning"
    assert parsed["pipeline"] == "p 1"
    assert parsed["message"] == 'say "hi"\nbye'
    assert (parsed["injected"], parsed["gone"]) == ("true", "null")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", parsed["ts"])


def test_json_lines_carry_the_exception_on_the_same_line():
    try:
        raise ValueError("boom")
    except ValueError:
        line = StructuredFormatter("json").format(record("failed", sys.exc_info(), n=3))
    assert "\n" not in line
    parsed = json.loads(line)
    assert (parsed["event"], parsed["n"], parsed["logger"]) == ("failed", 3, "app.test")
    assert "ValueError: boom" in parsed["exc"]


@pytest.mark.parametrize("style, parse", [("logfmt", logfmt), ("json", json.loads)])
def test_each_request_is_one_line_on_stderr(tmp_path, capsys, style, parse):
    app = create_app({"DATABASE": str(tmp_path / "l.sqlite3"), "LOG_FORMAT": style})
    client = app.test_client()
    assert client.get("/v0/pipelines?selector=status").status_code == 200
    assert client.get("/v0/pipelines/missing").status_code == 404
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = [e for e in events(captured.err, parse) if e["event"] == "request"]
    assert [(e["method"], e["path"], str(e["status"])) for e in lines] == [
        ("GET", "/v0/pipelines?selector=status", "200"),
        ("GET", "/v0/pipelines/missing", "404"),
    ]
    assert all(float(e["ms"]) >= 0 and str(e["pid"]) == str(os.getpid()) for e in lines)


def test_a_handler_of_the_users_gets_request_records_with_their_fields(tmp_path, capsys):
    app = create_app({"DATABASE": str(tmp_path / "l.sqlite3")})
    seen = []
    handler = logging.Handler()
    handler.emit = seen.append
    requests_logger = logging.getLogger("app.requests")
    requests_logger.addHandler(handler)
    try:
        assert app.test_client().get("/v0/pipelines?selector=all").status_code == 200
    finally:
        requests_logger.removeHandler(handler)
    [record] = seen
    assert record.getMessage() == "request"
    assert (record.fields["path"], record.fields["status"]) == ("/v0/pipelines?selector=all", 200)
    # The app's own line is written all the same: that very record, formatted.
    [line] = [e for e in events(capsys.readouterr().err) if e["event"] == "request"]
    assert line == logfmt(StructuredFormatter("logfmt").format(record))


def test_log_level_warning_silences_requests(tmp_path, capsys):
    app = create_app({"DATABASE": str(tmp_path / "l.sqlite3"), "LOG_LEVEL": "WARNING"})
    assert app.test_client().get("/v0/pipelines").status_code == 200
    assert capsys.readouterr().err == ""


def simulation_events(text: str) -> list[tuple]:
    """The simulation's lines: (event, pipeline, and what changed)."""
    found = []
    for line in events(text):
        if line.get("logger") != "app.simulation":
            continue
        what = {k: v for k, v in line.items() if k not in ("ts", "level", "logger", "event")}
        found.append((line["event"], what))
    return found


def test_compiles_and_deployments_are_logged_once(tmp_path, capsys):
    sim = Simulation(tmp_path)
    sim.compiled("p1")  # compiled at 8
    sim.at(10).act("p1", "start")
    sim.at(12).get("p1")  # provisioning since 11
    sim.at(30).get("p1")  # initializing at 13, running at 16: one catch-up, one line
    sim.get("p1")  # a second read settles nothing new, so logs nothing
    logged = simulation_events(capsys.readouterr().err)
    assert logged == [
        ("compile", {"pipeline": "p1", "program_version": "1", "status": "Success"}),
        (
            "deployment",
            {
                "pipeline": "p1",
                "from": "Stopped",
                "to": "Provisioning",
                "desired": "Running",
                "at": "2030-01-01T00:00:11Z",
            },
        ),
        (
            "deployment",
            {
                "pipeline": "p1",
                "from": "Provisioning",
                "to": "Running",
                "desired": "Running",
                "at": "2030-01-01T00:00:16Z",
            },
        ),
    ]


def test_injected_faults_are_logged_as_such(tmp_path, capsys):
    sim = Simulation(tmp_path)
    sim.running("crashy", PROGRAM + "\n-- pipeline-store: crash-after 2 disk on fire")
    sim.at(60).get("crashy")
    sim.at(0).create("broken", "-- pipeline-store: sql-error no such table")
    sim.at(60).get("broken")
    logged = simulation_events(capsys.readouterr().err)
    errors = [what for name, what in logged if name == "deployment_error"]
    assert errors == [
        {
            "pipeline": "crashy",
            "error_code": "RuntimeError.WorkerPanic",
            "message": errors[0]["message"],
            "injected": "true",
        }
    ]
    assert "disk on fire" in errors[0]["message"]
    compiles = {what["pipeline"]: what for name, what in logged if name == "compile"}
    assert compiles["broken"]["status"] == "SqlError"
    assert compiles["broken"]["injected"] == "true"
    assert "injected" not in compiles["crashy"]  # a successful compile injects nothing


def test_a_real_server_logs_requests_and_events_to_stderr(tmp_path):
    instance = tmp_path / "instance"
    env = {"PIPELINE_STORE_LOG_FORMAT": "json", "PIPELINE_STORE_SIMULATION_SCALE": "0"}
    with gunicorn_server(instance, workers=2, env=env) as (url, log_path):
        body = {"name": "served", "program_code": PROGRAM}
        assert requests.post(f"{url}/v0/pipelines", json=body, timeout=10).status_code == 201
        assert requests.get(f"{url}/v0/pipelines/served", timeout=10).status_code == 200
    lines = events(stderr_path(log_path).read_text(), parse=parse_json_or_skip)
    ours = [line for line in lines if line]
    posted = [e for e in ours if e["event"] == "request" and e["method"] == "POST"]
    assert [(e["path"], e["status"]) for e in posted] == [("/v0/pipelines", 201)]
    assert {"event": "compile", "pipeline": "served", "status": "Success"}.items() <= next(
        e for e in ours if e["event"] == "compile"
    ).items()


def parse_json_or_skip(line: str) -> dict | None:
    """Our JSON lines; gunicorn's own lines (its master's notices) are not ours."""
    try:
        return json.loads(line)
    except json.JSONDecodeError:
        return None


def test_serve_logs_no_gunicorn_access_lines_on_stdout(tmp_path):
    script = os.path.join(os.path.dirname(sys.executable), "pipeline-store")
    port = free_port()
    env = {**os.environ, "PIPELINE_STORE_INSTANCE_PATH": str(tmp_path)}
    out, err = tmp_path / "out.log", tmp_path / "err.log"
    with open(out, "wb") as stdout, open(err, "wb") as stderr:
        command = [script, "serve", "--port", str(port), "--workers", "1"]
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=stdout, stderr=stderr)
    try:
        wait_until_ready(f"http://127.0.0.1:{port}", process, err)
        assert requests.get(f"http://127.0.0.1:{port}/v0/pipelines", timeout=10).ok
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert "/v0/pipelines" not in out.read_text()  # no access log on stdout
    requested = [logfmt(line) for line in err.read_text().splitlines() if "event=request" in line]
    assert {"method": "GET", "path": "/v0/pipelines", "status": "200"}.items() <= requested[
        -1
    ].items()


def test_events_of_a_rolled_back_transaction_are_dropped(tmp_path, capsys):
    from app.http.context import domain
    from app.pipelines.catch_up import settling

    app = create_app({"DATABASE": str(tmp_path / "r.sqlite3")})
    fields = {"pipeline": "p", "from": "Stopped", "to": "Provisioning"}
    with app.test_request_context():
        ctx = domain()
        with pytest.raises(RuntimeError), settling(ctx):
            ctx.pending_events.append(("deployment", fields))
            raise RuntimeError("the change was refused")  # nothing was settled after all
        assert ctx.pending_events == []
        assert "event=deployment" not in capsys.readouterr().err
        with settling(ctx):
            ctx.pending_events.append(("deployment", fields))
        assert ctx.pending_events == []
        assert "event=deployment pipeline=p from=Stopped to=Provisioning" in capsys.readouterr().err
