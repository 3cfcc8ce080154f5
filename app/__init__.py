"""pipeline-store: Feldera's pipeline-management API on SQLite."""

import os
import sys

from flask import Flask

from app import admin
from app import auth
from app import cli
from app import logs
from app import settings_schema
from app import storage
from app.auth.openapi import BearerSecurityPlugin
from app.blueprints import register_blueprints
from app.blueprints import register_pages
from app.config import DefaultConfig
from app.http import context
from app.http import cors
from app.http import error_handlers
from app.http import request_guard
from app.http import sessions
from app.http.api import Api

ENV_PREFIX = "PIPELINE_STORE"


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the application: defaults, instance config, env, test overrides."""
    instance_path = os.environ.get(f"{ENV_PREFIX}_INSTANCE_PATH")
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    app.config.from_object(DefaultConfig)
    known = set(app.config)  # Flask's keys and ours: anything else the layers add is a typo
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env(ENV_PREFIX)
    if test_config:
        app.config.update(test_config)
    # Tests may add keys of their own (CLOCK); the file and the environment may not.
    settings_schema.apply(app.config, set(app.config) - known - set(test_config or ()), os.environ)
    logs.init_app(app)
    # Keep upstream's key order in every JSON response (Flask sorts keys by default).
    app.json.sort_keys = False
    os.makedirs(app.instance_path, exist_ok=True)

    # First: hostile browsers are refused before anything else looks at a request.
    request_guard.init_app(app)
    # Refuses an unsafe setup before the database is opened; its hook runs next.
    auth.init_app(app)
    error_handlers.init_app(app)
    cli.init_app(app)
    storage.init_app(app)
    context.init_app(app)
    cors.init_app(app)
    sessions.init_app(app)
    api = Api(app, spec_kwargs={"extra_plugins": [BearerSecurityPlugin()]})
    register_blueprints(api)
    # Test controls off Feldera's surface (`/__admin/`), when the ADMIN_API setting allows.
    admin.init_app(app, api)
    register_pages(app)
    return app


def serve_app() -> Flask:
    """create_app() for a gunicorn worker: a bad setting or database stops it with one line."""
    try:
        return create_app()
    except (storage.StorageError, settings_schema.SettingsError) as exc:
        sys.stderr.write(f"pipeline-store: {exc}\n")
        # gunicorn's "worker failed to boot" code: the master stops instead of respawning.
        raise SystemExit(3) from None
