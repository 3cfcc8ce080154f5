"""Blueprint registry: the factory registers every module listed here."""

from app.blueprints import api_keys
from app.blueprints import lifecycle
from app.blueprints import pipelines
from app.blueprints import platform
from app.blueprints import programs

MODULES = (pipelines, lifecycle, programs, api_keys, platform)


def register_blueprints(api) -> None:
    """Register each module's blueprint on the Api."""
    for module in MODULES:
        api.register_blueprint(module.blp)
