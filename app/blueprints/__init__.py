"""Blueprint registry: the factory registers every module listed here."""

from app.blueprints import api_keys
from app.blueprints import data
from app.blueprints import docs_assets
from app.blueprints import events
from app.blueprints import lifecycle
from app.blueprints import monitoring
from app.blueprints import pipeline_tools
from app.blueprints import pipelines
from app.blueprints import platform
from app.blueprints import platform_admin
from app.blueprints import programs
from app.blueprints import status_page
from app.blueprints import streams

MODULES = (
    pipelines,
    lifecycle,
    programs,
    data,
    streams,
    monitoring,
    events,
    pipeline_tools,
    api_keys,
    platform,
    platform_admin,
)
# Pages for people in a browser: plain Flask blueprints, not part of the OpenAPI document.
PAGES = (status_page, docs_assets)


def register_blueprints(api) -> None:
    """Register each module's blueprint on the Api."""
    for module in MODULES:
        api.register_blueprint(module.blp)


def register_pages(app) -> None:
    """Register the page blueprints on the app."""
    for module in PAGES:
        app.register_blueprint(module.blp)
