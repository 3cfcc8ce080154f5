"""Blueprint registry: the factory registers every module listed here."""

from app.blueprints import pipelines

MODULES = (pipelines,)


def register_blueprints(api) -> None:
    """Register each module's blueprint on the Api."""
    for module in MODULES:
        api.register_blueprint(module.blp)
