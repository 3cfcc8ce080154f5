"""The program_config field spec and its normalization."""

import re
from typing import Any

from app.pipeline_config.checks import bool_
from app.pipeline_config.checks import enum
from app.pipeline_config.checks import fail
from app.pipeline_config.checks import optional
from app.pipeline_config.checks import str_
from app.pipeline_config.checks import struct

_RUNTIME_VERSION = re.compile(r"v[0-9]+\.[0-9]+\.[0-9]+|[0-9a-f]{40}")


def _runtime_version(value: Any) -> str:
    if not _RUNTIME_VERSION.fullmatch(str_(value)):
        raise fail(
            f"The requested runtime version '{value}' is neither a valid version (vX.Y.Z)"
            " nor a valid git hash."
        )
    return value


_PROGRAM_CONFIG = struct(
    "ProgramConfig",
    [
        ("profile", optional(enum("dev", "unoptimized", "optimized", "optimized_symbols")), None),
        ("cache", bool_, True),
        ("runtime_version", optional(_runtime_version), None),
        ("use_platform_compiler", bool_, False),
    ],
)


PROGRAM_CONFIG_DEFAULTS: dict = _PROGRAM_CONFIG({})


def normalize_program_config(value: Any) -> dict:
    """Return the complete normalized program_config (None counts as {}); raise ConfigError."""
    return _PROGRAM_CONFIG({} if value is None else value)
