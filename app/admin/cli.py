"""Commands `pipeline-store reset` and `pipeline-store snapshot save|restore|list|delete`.

They work on the database file directly (no server needed); a running server sees their
effect at once, as it sees the admin API's.
"""

import click
from flask import current_app
from flask.cli import with_appcontext

from app import errors
from app import storage
from app.admin import reset as resets
from app.admin import snapshots
from app.http.context import domain


def run(operation):
    """Run an admin operation; its refusal becomes a one-line error."""
    try:
        return operation()
    except errors.ApiError as exc:
        raise click.ClickException(exc.message) from None


@click.command("reset")
@click.option("--prefix", default="", help="Only pipelines whose name starts with this.")
@click.option("--tag", default=None, help="Only pipelines carrying this tag.")
@click.option("--drop-api-keys", is_flag=True, help="Delete every API key too.")
@with_appcontext
def reset_command(prefix, tag, drop_api_keys):
    """Delete pipelines (all, or by name prefix and tag) with their data, in one transaction.

    Without a filter, fault rules, the request journal and the clock are reset too.
    """
    done = run(lambda: resets.reset(domain(), prefix, tag, drop_api_keys))
    click.echo(
        f"Deleted {done['pipelines_deleted']} pipeline(s) and "
        f"{done['api_keys_deleted']} API key(s)."
    )


@click.group("snapshot")
def snapshot_group():
    """Saved states of the whole store (in snapshots/ beside the database file)."""


def folder() -> str:
    """The instance's snapshot folder."""
    return snapshots.folder(storage.database_path(current_app))


@snapshot_group.command("save")
@click.argument("name")
@with_appcontext
def save_command(name):
    """Save the store as NAME (replacing a snapshot of that name)."""
    saved = run(lambda: snapshots.save(domain(), folder(), name))
    click.echo(f"Saved snapshot {saved['name']} ({saved['size_bytes']} bytes).")


@snapshot_group.command("restore")
@click.argument("name")
@with_appcontext
def restore_command(name):
    """Replace the store's contents with snapshot NAME's."""
    run(lambda: snapshots.restore(domain(), folder(), name))
    click.echo(f"Restored snapshot {name}.")


@snapshot_group.command("list")
@with_appcontext
def list_command():
    """List the snapshots: name, size, when saved."""
    for item in snapshots.list_all(folder()):
        click.echo(f"{item['name']}\t{item['size_bytes']}\t{item['saved_at']}")


@snapshot_group.command("delete")
@click.argument("name")
@with_appcontext
def delete_command(name):
    """Delete snapshot NAME."""
    run(lambda: snapshots.delete(folder(), name))
    click.echo(f"Deleted snapshot {name}.")


COMMANDS = (reset_command, snapshot_group)
