"""pipeline-store: Feldera's pipeline-management API on SQLite."""

import os
import sys

from flask import Flask

from app import auth
from app import cli
from app import storage
from app.auth.openapi import BearerSecurityPlugin
from app.blueprints import register_blueprints
from app.config import DefaultConfig
from app.http import context
from app.http import cors
from app.http import error_handlers
from app.http import request_guard
from app.http.api import Api

ENV_PREFIX = "PIPELINE_STORE"


def create_app(test_config: dict | None = None) -> Flask:
    """Create and configure the application: defaults, instance config, env, test overrides."""
    instance_path = os.environ.get(f"{ENV_PREFIX}_INSTANCE_PATH")
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    app.config.from_object(DefaultConfig)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env(ENV_PREFIX)
    if test_config:
        app.config.update(test_config)
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
    api = Api(app, spec_kwargs={"extra_plugins": [BearerSecurityPlugin()]})
    register_blueprints(api)
    return app


def serve_app() -> Flask:
    """create_app() for a gunicorn worker: an unusable database stops the server with one line."""
    try:
        return create_app()
    except storage.StorageError as exc:
        sys.stderr.write(f"pipeline-store: {exc}\n")
        # gunicorn's "worker failed to boot" code: the master stops instead of respawning.
        raise SystemExit(3) from None
