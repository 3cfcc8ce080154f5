"""The domain's context for the current request: this request's store and the app's settings."""

from flask import current_app

from app.pipelines.context import Context
from app.pipelines.context import Settings
from app.storage import get_store

EXTENSION = "pipeline-store.settings"


def settings() -> Settings:
    """Return the app's domain settings (without opening the store)."""
    return current_app.extensions[EXTENSION]


def domain() -> Context:
    """Return the context domain operations run in for this request."""
    return Context(get_store(), settings())


def init_app(app) -> None:
    """Read the settings the domain depends on once, when the app is built."""
    app.extensions[EXTENSION] = Settings.from_config(app.config)
