"""Command line for credentials: `api-key create|list|delete` and `token create`."""

import click
from flask import current_app
from flask.cli import with_appcontext

from app.auth import DEFAULT_TENANT_ID
from app.auth.api_keys import create_api_key
from app.auth.api_keys import delete_api_key
from app.auth.api_keys import list_api_keys
from app.auth.roles import MINTABLE_ROLES
from app.auth.roles import PRINCIPAL_ROLES
from app.auth.tokens import issue_token
from app.auth.tokens import parse_duration
from app.config import DEV_SECRET_KEY
from app.errors import ApiError
from app.http.context import domain


@click.group("api-key")
def api_key_group():
    """Create, list and delete API keys (how a fresh install gets its first credential)."""


@api_key_group.command("create")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(MINTABLE_ROLES),
    default="read",
    show_default=True,
    help="What the key may do.",
)
@with_appcontext
def create_command(name, role):
    """Create an API key and print it (the only time it is shown)."""
    try:
        # The operator holds the database itself, so acts as admin.
        created = create_api_key(domain(), DEFAULT_TENANT_ID, name, role, "admin")
    except ApiError as exc:
        raise click.ClickException(f"{exc.error_code}: {exc.message}") from exc
    click.echo(created["api_key"])
    click.echo(
        f"API key '{name}' ({role}) created. Store it now: it cannot be shown again.", err=True
    )


@api_key_group.command("list")
@with_appcontext
def list_command():
    """List API keys: name, role and id (never the key)."""
    for row in list_api_keys(domain(), DEFAULT_TENANT_ID):
        click.echo(f"{row['name']}\t{row['role']}\t{row['id']}")


@api_key_group.command("delete")
@click.argument("name")
@with_appcontext
def delete_command(name):
    """Delete an API key; requests using it fail from then on."""
    try:
        delete_api_key(domain(), DEFAULT_TENANT_ID, name)
    except ApiError as exc:
        raise click.ClickException(f"{exc.error_code}: {exc.message}") from exc
    click.echo(f"API key '{name}' deleted.", err=True)


@click.group("token")
def token_group():
    """Self-issued bearer tokens, signed with SECRET_KEY."""


@token_group.command("create")
@click.option(
    "--role",
    type=click.Choice(PRINCIPAL_ROLES),
    default="read",
    show_default=True,
    help="What the token may do.",
)
@click.option(
    "--expires-in",
    default="7d",
    show_default=True,
    help="Lifetime: a number with unit s, m, h or d.",
)
@with_appcontext
def token_create_command(role, expires_in):
    """Print a token valid for --expires-in on every server sharing this SECRET_KEY."""
    secret = current_app.config.get("SECRET_KEY")
    secret = None if secret is None else str(secret)
    if secret in (None, "", DEV_SECRET_KEY):
        raise click.ClickException(
            "SECRET_KEY is unset or the default; set PIPELINE_STORE_SECRET_KEY (or "
            "instance/config.py) to the server's secret first"
        )
    try:
        seconds = parse_duration(expires_in)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--expires-in") from exc
    click.echo(issue_token(secret, role, seconds))
    click.echo(f"Token ({role}) valid for {seconds} s.", err=True)


COMMANDS = (api_key_group, token_group)
