"""The runtime_config field spec, its normalization and the storage-restricted edits."""

import re
import uuid
from typing import Any

from app.pipeline_config.checks import REQUIRED
from app.pipeline_config.checks import U16
from app.pipeline_config.checks import U32
from app.pipeline_config.checks import U64
from app.pipeline_config.checks import USIZE
from app.pipeline_config.checks import Check
from app.pipeline_config.checks import ConfigError
from app.pipeline_config.checks import any_
from app.pipeline_config.checks import bool_
from app.pipeline_config.checks import enum
from app.pipeline_config.checks import f64
from app.pipeline_config.checks import fail
from app.pipeline_config.checks import invalid_type
from app.pipeline_config.checks import map_
from app.pipeline_config.checks import nulls
from app.pipeline_config.checks import optional
from app.pipeline_config.checks import seq
from app.pipeline_config.checks import str_
from app.pipeline_config.checks import struct
from app.pipeline_config.units import renamed_durations
from app.pipeline_config.units import renamed_sizes
from app.serde_text import one_of
from app.timeutil import normalize_timestamp

_RESERVED_ENV = frozenset({"HOSTNAME", "RUST_LOG", "TOKIO_WORKER_THREADS"})
_RESERVED_ENV_PREFIXES = ("FELDERA_", "KUBERNETES_", "TOKIO_")
_OFFSET = re.compile(r"([+-])([0-9]{2})(?::?([0-9]{2}))?")


def _timezone_offset(value: Any) -> str:
    if str_(value) in ("Z", "z"):
        return "+00:00"
    match = _OFFSET.fullmatch(value)
    if match is None or int(match[2]) > 23 or int(match[3] or 0) > 59:
        raise invalid_type(value, 'a UTC offset such as "+05:30"', "value")
    hours, minutes = match[2], match[3] or "00"
    sign = "-" if match[1] == "-" and (hours, minutes) != ("00", "00") else "+"
    return f"{sign}{hours}:{minutes}"


def _timestamp(value: Any) -> str:
    try:
        return normalize_timestamp(str_(value))
    except ValueError:
        raise fail("input contains invalid characters") from None


def _start_from_checkpoint(value: Any) -> str:
    if str_(value) == "latest":
        return value
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise invalid_type(value, '"latest" or a UUID', "value") from None


_SYNC_CONFIG = struct(
    "SyncConfig",
    [
        ("endpoint", optional(str_), None),
        ("bucket", str_, REQUIRED),
        *nulls(str_, "region", "provider", "access_key", "secret_key"),
        ("start_from_checkpoint", optional(_start_from_checkpoint), None),
        ("fail_if_no_checkpoint", bool_, False),
        *nulls(U32, "transfers", "checkers"),
        ("ignore_checksum", optional(bool_), None),
        ("multi_thread_streams", optional(U32), None),
        ("multi_thread_cutoff", optional(str_), None),
        ("upload_concurrency", optional(U32), None),
        ("standby", bool_, False),
        ("pull_interval", U64, 10),
        ("push_interval", optional(U64), None),
        ("flags", optional(seq(str_)), None),
        ("retention_min_count", U32, 10),
        ("retention_min_age", U32, 30),
        ("read_bucket", optional(str_), None),
        ("optimize_download_resources", bool_, True),
    ],
)
_BACKEND_CONFIGS: dict[str, Check | None] = {
    "default": None,
    "file": struct(
        "FileBackendConfig",
        [
            ("async_threads", optional(bool_), None),
            ("ioop_delay", optional(U64), None),
            ("sync", optional(_SYNC_CONFIG), None),
        ],
    ),
    "object": struct("ObjectStorageConfig", [("url", str_, REQUIRED)], extras=str_),
}


def _storage_backend(value: Any) -> dict:
    """Check the adjacently tagged `{"name": .., "config": ..}` backend enum."""
    if not isinstance(value, dict):
        raise invalid_type(value, "adjacently tagged enum StorageBackendConfig")
    if "name" not in value:
        raise fail("missing field `name`")
    name = str_(value["name"])
    if name not in _BACKEND_CONFIGS:
        raise fail(f"unknown variant `{name}`, expected {one_of(_BACKEND_CONFIGS)}")
    config_check = _BACKEND_CONFIGS[name]
    if config_check is None:
        if value.get("config") is not None:
            raise invalid_type(value["config"], "unit variant")
        return {"name": name}
    if "config" not in value:
        raise fail("missing field `config`")
    return {"name": name, "config": config_check(value["config"])}


_STORAGE_OPTIONS = struct(
    "StorageOptions",
    [
        ("backend", _storage_backend, {"name": "default"}),
        *nulls(USIZE, "min_storage_bytes", "min_step_storage_bytes"),
        ("compression", enum("default", "none", "snappy"), "default"),
        ("cache_mib", optional(USIZE), None),
    ],
    renames=renamed_sizes("", ("min_spill_size", "min_storage_bytes")),
)


def _storage(value: Any) -> dict | None:
    # Older clients sent a plain bool to switch storage on or off.
    if value is True:
        return _STORAGE_OPTIONS({})
    if value is False or value is None:
        return None
    if not isinstance(value, dict):
        raise invalid_type(value, "a boolean or struct StorageOptions")
    return _STORAGE_OPTIONS(value)


_FT_CONFIG = struct(
    "FtConfig",
    [
        # An FtConfig object without `model` means "enable fault tolerance".
        ("model", enum("none", "at_least_once", "exactly_once"), "exactly_once"),
        ("checkpoint_interval_secs", optional(U64), 60),
    ],
    renames=renamed_durations("s", ("checkpoint_interval", "checkpoint_interval_secs")),
)


def _fault_tolerance(value: Any) -> dict:
    if value is None:
        return _FT_CONFIG({"model": "none"})
    if isinstance(value, str):
        # Legacy spellings from before FtConfig existed; both meant "enabled".
        if value not in ("initial_state", "latest_checkpoint"):
            raise invalid_type(value, "`initial_state` or `latest_checkpoint`", "value")
        return _FT_CONFIG({})
    if not isinstance(value, dict):
        raise invalid_type(value, "a string or struct FtConfig")
    return _FT_CONFIG(value)


_RESOURCES = struct(
    "ResourceConfig",
    [
        *nulls(f64, "cpu_cores_min", "cpu_cores_max"),
        *nulls(U64, "memory_mb_min", "memory_mb_max", "storage_mb_max"),
        *nulls(str_, "storage_class", "service_account_name", "namespace"),
    ],
    # 0.369's `storage_min` and `volume_attributes_class` have no 0.337 key: dropped as unknown.
    renames=renamed_sizes(
        "M",
        ("memory_min", "memory_mb_min"),
        ("memory_max", "memory_mb_max"),
        ("storage_max", "storage_mb_max"),
    ),
)
# Known tweaks are typed and omitted when null; unknown ones pass through for other runtimes.
# The known keys serialize in alphabetical order, so the table is grouped by type and sorted.
_DEV_TWEAKS = struct(
    "DevTweaks",
    sorted(
        [
            *nulls(bool_, "adaptive_joins", "disable_auto_transaction", "eager_evict"),
            *nulls(bool_, "enable_roaring", "fetch_distinct", "fetch_join", "now_http_driven"),
            *nulls(bool_, "optimize_input_during_commit", "stack_overflow_backtrace"),
            *nulls(bool_, "streaming_exchange"),
            *nulls(f64, "balancer_balance_tax", "balancer_key_distribution_refresh_threshold"),
            *nulls(f64, "balancer_min_relative_improvement_threshold"),
            *nulls(f64, "bloom_false_positive_rate"),
            *nulls(U64, "balancer_min_absolute_improvement_threshold", "storage_mb_max"),
            *nulls(U64, "splitter_chunk_size_records"),
            *nulls(USIZE, "buffer_max_buckets", "fbuf_slab_bytes_per_class"),
            *nulls(U32, "max_level0_batch_size_records", "merger_threads"),
            *nulls(U32, "negative_weight_multiplier"),
            *nulls(
                enum("shared_per_worker_pair", "per_thread", "global"),
                "buffer_cache_allocation_strategy",
            ),
            *nulls(enum("s3_fifo", "lru"), "buffer_cache_strategy"),
            *nulls(enum("push_merger", "list_merger"), "merger"),
            *nulls(_timestamp, "now_offset"),
        ],
        key=lambda field: field[0],
    ),
    extras=any_,
    skip_none=True,
)
_TEMPLATE = struct(
    "PipelineTemplateConfig", [("name", str_, REQUIRED), ("key", str_, "pipelineTemplate")]
)

_RUNTIME_CONFIG = struct(
    "RuntimeConfig",
    [
        ("workers", U16, 8),
        *nulls(U64, "max_rss_mb", "datafusion_memory_mb"),
        ("hosts", USIZE, 1),
        ("storage", _storage, True),
        ("fault_tolerance", _fault_tolerance, None),
        ("cpu_profiler", bool_, True),
        ("tracing", bool_, False),
        ("tracing_endpoint_jaeger", str_, "127.0.0.1:6831"),
        ("min_batch_size_records", U64, 0),
        ("max_buffering_delay_usecs", U64, 0),
        ("resources", _RESOURCES, {}),
        ("clock_resolution_usecs", optional(U64), 1_000_000),
        ("clock_timezone_offset", optional(_timezone_offset), None),
        ("pin_cpus", seq(USIZE), []),
        *nulls(U64, "provisioning_timeout_secs", "max_parallel_connector_init"),
        ("init_containers", any_, None),
        ("checkpoint_during_suspend", bool_, True),
        *nulls(U64, "http_workers", "io_workers"),
        ("env", map_(str_), {}),
        ("dev_tweaks", _DEV_TWEAKS, {}),
        ("logging", optional(str_), None),
        ("pipeline_template_configmap", optional(_TEMPLATE), None),
    ],
    renames=[
        *renamed_sizes(
            "M", ("max_rss", "max_rss_mb"), ("datafusion_memory", "datafusion_memory_mb")
        ),
        *renamed_durations(
            "us",
            ("max_buffering_delay", "max_buffering_delay_usecs"),
            ("clock_resolution", "clock_resolution_usecs"),
        ),
        *renamed_durations("s", ("provisioning_timeout", "provisioning_timeout_secs")),
    ],
)
RUNTIME_CONFIG_DEFAULTS: dict = _RUNTIME_CONFIG({})

# The §5.3 runtime_config paths that cannot change while storage is in use, in report order.
_STORAGE_RESTRICTED = (
    "workers",
    "hosts",
    "fault_tolerance",
    "resources.storage_mb_max",
    "resources.namespace",
    "resources.storage_class",
    "clock_timezone_offset",
)


def normalize_runtime_config(value: Any, *, enterprise: bool = False) -> dict:
    """Return the complete normalized runtime_config (None counts as {}); raise ConfigError."""
    config = _RUNTIME_CONFIG({} if value is None else value)
    if not enterprise and config["fault_tolerance"]["model"] != "none":
        raise ConfigError("EnterpriseFeature", "fault tolerance")
    reserved = [
        key
        for key in config["env"]
        if key in _RESERVED_ENV or key.startswith(_RESERVED_ENV_PREFIXES)
    ]
    if reserved:
        # `env` is already sorted, so the keys are listed in sorted order.
        raise ConfigError(
            "InvalidPipelineEnv",
            "the following environment variable(s) are reserved and cannot be overridden: "
            + ", ".join(reserved),
        )
    return config


def _dig(config: dict, path: str) -> Any:
    """Look up a dotted `path`; a missing key counts as its default (e.g. `hosts` → 1)."""
    value: Any = config
    default: Any = RUNTIME_CONFIG_DEFAULTS
    for key in path.split("."):
        default = default[key]
        value = value.get(key, default) if isinstance(value, dict) else default
    return value


def storage_restricted_changes(old: dict, new: dict) -> list[str]:
    """List the runtime_config edits that are forbidden while storage is not cleared."""
    return [
        f"`runtime_config.{path}`"
        for path in _STORAGE_RESTRICTED
        if _dig(old, path) != _dig(new, path)
    ]
