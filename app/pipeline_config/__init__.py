"""Validate and normalize runtime_config / program_config the way upstream's serde types do."""

from app.pipeline_config.checks import ConfigError
from app.pipeline_config.checks import config_error
from app.pipeline_config.checks import config_error_message
from app.pipeline_config.program import PROGRAM_CONFIG_DEFAULTS
from app.pipeline_config.program import normalize_program_config
from app.pipeline_config.runtime import RUNTIME_CONFIG_DEFAULTS
from app.pipeline_config.runtime import normalize_runtime_config
from app.pipeline_config.runtime import storage_restricted_changes

__all__ = [
    "PROGRAM_CONFIG_DEFAULTS",
    "RUNTIME_CONFIG_DEFAULTS",
    "ConfigError",
    "config_error",
    "config_error_message",
    "normalize_program_config",
    "normalize_runtime_config",
    "storage_restricted_changes",
]
