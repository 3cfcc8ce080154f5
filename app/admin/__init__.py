"""The admin API under `/__admin/`: reset, snapshots, faults, time and the request journal.

Off the Feldera API surface, so no Feldera client meets it by accident. `state` reads the
shared state once per request, `hooks` applies it (clock, faults, journal), the other modules
are the operations the blueprint (app/blueprints/admin.py) and the CLI (`cli`) expose.
"""

from app.admin import hooks
from app.blueprints import admin as admin_blueprint

SETTING = "ADMIN_API"


def enabled(config) -> bool:
    """Whether the admin API is served: `on`, or `auto` (the default) with `AUTH=none`."""
    mode = config.get(SETTING, "auto")
    return mode == "on" or (mode == "auto" and config["AUTH"] == "none")


def init_app(app, api) -> None:
    """Register the admin blueprint and its request hooks when the setting enables them."""
    # The hooks run on every request either way: the clock and the journal are shared state
    # a CLI or another server may have set; faults are refused only when the API is off.
    hooks.init_app(app)
    if enabled(app.config):
        api.register_blueprint(admin_blueprint.blp)
