"""Command line: `pipeline-store init-db|import|export|copy|serve|openapi|api-key|token|reset|
snapshot`.

`pipeline-store` is a click group of its own (no Flask options such as `-e/--env-file`); the
same commands are registered on the app's Flask CLI too, so `flask --app app ...` works.
"""

import json
import os
import sys

import click
from flask import current_app
from flask import json as flask_json
from flask.cli import ScriptInfo
from flask.cli import with_appcontext

from app import gunicorn_conf
from app import storage
from app.admin import cli as admin_cli
from app.auth import cli as auth_cli
from app.http.context import domain
from app.pipelines.importer import InvalidRecord
from app.pipelines.importer import import_pipelines
from app.pipelines.reads import export_pipelines
from app.settings_schema import SettingsError


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create or upgrade the database (idempotent, never destructive)."""
    version = verify(current_app)
    click.echo(f"Database ready at {storage.describe(current_app)} (schema version {version}).")


@click.command("import")
@click.argument("file", type=click.File("r"))
@with_appcontext
def import_command(file):
    """Import pipelines from a JSON array in the List Pipelines shape (all or nothing)."""
    try:
        items = json.load(file)
    except json.JSONDecodeError as exc:
        raise click.ClickException(f"{file.name} is not valid JSON: {exc}") from exc
    try:
        count = import_pipelines(domain(), items)
    except InvalidRecord as exc:
        raise click.ClickException(f"nothing imported from {file.name}:\n{exc}") from exc
    click.echo(f"Imported {count} pipeline(s).")


@click.command("export")
@click.argument("file", type=click.File("w"), default="-")
@with_appcontext
def export_command(file):
    """Export every pipeline as List Pipelines returns it (`selector=all`)."""
    # The same state a client would see now: due simulated transitions are applied first.
    json.dump(export_pipelines(domain()), file, indent=2, ensure_ascii=False)
    file.write("\n")


@click.command("copy")
@click.argument("source")
@click.argument("destination")
def copy_command(source, destination):
    """Copy every pipeline, key and data row from SOURCE into the empty DESTINATION.

    Each is a SQLite file path or a postgresql:// URL (SQLite to Postgres, or back). Ids,
    timestamps and counters are kept; DESTINATION's schema is created first.
    """
    from app.storage import transfer  # the Postgres driver, only for this command

    try:
        copied = transfer.copy_database(source, destination)
    except storage.StorageError as exc:
        raise click.ClickException(str(exc)) from None
    rows = ", ".join(f"{count} {table}" for table, count in copied.items())
    click.echo(f"Copied into {storage.redact(destination)}: {rows}.")


@click.command("serve")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on (0.0.0.0: every interface).",
)
@click.option(
    "--port",
    default=8080,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="TCP port to listen on (0: any free port).",
)
@click.option(
    "--workers",
    default=gunicorn_conf.workers,
    show_default=True,
    type=click.IntRange(min=1),
    help="gunicorn worker processes, all sharing the database.",
)
@click.option(
    "--threads",
    default=gunicorn_conf.threads,
    show_default=True,
    type=click.IntRange(min=1),
    help="Threads per worker: requests one worker runs at once.",
)
@with_appcontext
def serve_command(host, port, workers, threads):
    """Serve the API with gunicorn (the database is initialised first)."""
    verify(current_app)
    # The interpreter running this command has gunicorn, whatever PATH says. Every other
    # gunicorn setting comes from app/gunicorn_conf.py.
    argv = [sys.executable, "-m", "gunicorn", "--config", gunicorn_conf.CONFIG_ARGUMENT]
    argv += ["--workers", str(workers), "--threads", str(threads), "--bind", f"{host}:{port}"]
    # Requests are logged by the app itself (README "Logs"), so no gunicorn access log.
    argv += ["app:serve_app()"]
    click.echo(f"Serving on http://{host}:{port} with {workers} worker(s) x {threads} thread(s)")
    sys.stdout.flush()
    # The workers build their own app from the same environment and instance folder.
    os.environ.setdefault("PIPELINE_STORE_INSTANCE_PATH", current_app.instance_path)
    os.execvp(argv[0], argv)


COMMANDS = (
    init_db_command,
    import_command,
    export_command,
    copy_command,
    serve_command,
    *auth_cli.COMMANDS,
    *admin_cli.COMMANDS,
)


def init_app(app) -> None:
    """Register the commands on the app's `flask` CLI."""
    for command in COMMANDS:
        app.cli.add_command(command)


def verify(app) -> int:
    """Check the whole database file before serving; a damaged one is one line, not a trace."""
    try:
        return storage.verify(app)
    except storage.StorageError as exc:
        raise click.ClickException(str(exc)) from None


@click.group("openapi")
def openapi_group():
    """The generated OpenAPI document."""


@openapi_group.command("write")
@click.argument("file", type=click.File("w"))
@with_appcontext
def openapi_write_command(file):
    """Write the OpenAPI document (JSON) to FILE (`-` for stdout)."""
    spec = current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    file.write(flask_json.dumps(spec, indent=2, sort_keys=False) + "\n")


def make_app():
    """Build the app for the console script; a bad setting or database is one line."""
    from app import create_app

    try:
        return create_app()
    except (storage.StorageError, SettingsError) as exc:
        raise click.ClickException(str(exc)) from None


@click.group("pipeline-store", context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    package_name="pipeline-store",
    prog_name="pipeline-store",
    message="%(prog)s %(version)s",
    help="Print pipeline-store's version and exit.",
)
@click.pass_context
def main(ctx):
    """pipeline-store: Feldera's pipeline-management API on SQLite.

    Settings come from instance/config.py and PIPELINE_STORE_<KEY> variables (README,
    Configuration); PIPELINE_STORE_INSTANCE_PATH chooses the instance folder.
    """
    # Commands written for Flask's CLI find the app through this object (built on first use,
    # so --help and --version need no database).
    ctx.obj = ScriptInfo(create_app=make_app, set_debug_flag=False)


for _command in (*COMMANDS, openapi_group):
    main.add_command(_command)
