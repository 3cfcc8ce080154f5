"""Reset: delete pipelines (all, or by name prefix and tag) with their data, in one transaction."""

from app.pipelines.context import Context


def reset(
    ctx: Context,
    name_prefix: str = "",
    tag: str | None = None,
    drop_api_keys: bool = False,
    admin_state: bool | None = None,
) -> dict:
    """Delete the pipelines selected; return what went.

    `admin_state` (default: only when nothing is filtered) also deletes fault rules and the
    journal's entries and puts the clock back on the wall clock.
    """
    everything = not name_prefix and tag is None
    also_admin = everything if admin_state is None else admin_state
    pipelines, keys = ctx.store.admin.reset(name_prefix, tag, drop_api_keys, also_admin)
    return {"pipelines_deleted": pipelines, "api_keys_deleted": keys, "admin_state": also_admin}
