"""Validate and normalize runtime_config / program_config the way upstream's serde types do."""

import copy
import json
import re
import uuid
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any

from app.timeutil import normalize_timestamp

# A check takes one submitted JSON value and returns its normalized form or raises ConfigError.
Check = Callable[[Any], Any]
Field = tuple[str, Check, Any]

# Marks a struct field without a default: serde reports it as a missing field.
_REQUIRED = object()

_REASON_PREFIX = {
    "DeserializationFailed": "could not deserialize due to: ",
    "EnterpriseFeature": "enterprise feature: ",
    "InvalidPipelineEnv": "invalid pipeline environment: ",
}
_RESERVED_ENV = frozenset({"HOSTNAME", "RUST_LOG", "TOKIO_WORKER_THREADS"})
_RESERVED_ENV_PREFIXES = ("FELDERA_", "KUBERNETES_", "TOKIO_")
_OFFSET = re.compile(r"([+-])([0-9]{2})(?::?([0-9]{2}))?")
_RUNTIME_VERSION = re.compile(r"v[0-9]+\.[0-9]+\.[0-9]+|[0-9a-f]{40}")


class ConfigError(Exception):
    """A runtime_config/program_config that upstream would refuse."""

    def __init__(self, kind: str, text: str) -> None:
        self.kind = kind
        self.text = text
        self.reason = _REASON_PREFIX[kind] + text
        super().__init__(self.reason)


def _fail(text: str) -> ConfigError:
    return ConfigError("DeserializationFailed", text)


def _unexpected(value: Any) -> str:
    """Describe a JSON value like serde's `Unexpected`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean `{'true' if value else 'false'}`"
    if isinstance(value, int):
        return f"integer `{value}`"
    if isinstance(value, float):
        return f"floating point `{value!r}`"
    if isinstance(value, str):
        return f"string {json.dumps(value, ensure_ascii=False)}"
    return "sequence" if isinstance(value, list) else "map"


def _invalid_type(value: Any, expected: str, problem: str = "type") -> ConfigError:
    return _fail(f"invalid {problem}: {_unexpected(value)}, expected {expected}")


def _one_of(names: Iterable[str]) -> str:
    quoted = [f"`{name}`" for name in names]
    if len(quoted) <= 2:
        return " or ".join(quoted)
    return "one of " + ", ".join(quoted)


def _uint(name: str, bits: int) -> Check:
    limit = (1 << bits) - 1

    def check(value: Any) -> int:
        # bool is an int in Python but never in JSON/serde.
        if isinstance(value, bool) or not isinstance(value, int):
            raise _invalid_type(value, name)
        if not 0 <= value <= limit:
            raise _invalid_type(value, name, "value")
        return value

    return check


_U16 = _uint("u16", 16)
_U32 = _uint("u32", 32)
_U64 = _uint("u64", 64)
_USIZE = _uint("usize", 64)


def _f64(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _invalid_type(value, "f64")
    # serde stores an f64, so an integer input comes back as `2.0`.
    return float(value)


def _scalar(kind: type, expected: str) -> Check:
    def check(value: Any) -> Any:
        if not isinstance(value, kind):
            raise _invalid_type(value, expected)
        return value

    return check


_bool = _scalar(bool, "a boolean")
_str = _scalar(str, "a string")


def _any(value: Any) -> Any:
    return copy.deepcopy(value)


def _optional(check: Check) -> Check:
    return lambda value: None if value is None else check(value)


def _enum(*names: str) -> Check:
    def check(value: Any) -> str:
        if _str(value) not in names:
            raise _fail(f"unknown variant `{value}`, expected {_one_of(names)}")
        return value

    return check


def _seq(item: Check) -> Check:
    def check(value: Any) -> list:
        if not isinstance(value, list):
            raise _invalid_type(value, "a sequence")
        return [item(element) for element in value]

    return check


def _map(item: Check) -> Check:
    def check(value: Any) -> dict:
        if not isinstance(value, dict):
            raise _invalid_type(value, "a map")
        # Upstream maps are BTreeMaps, so they serialize sorted by key.
        return {key: item(value[key]) for key in sorted(value)}

    return check


def _struct(
    name: str, fields: Iterable[Field], *, extras: Check | None = None, skip_none: bool = False
) -> Check:
    """Build a check for a `#[serde(default)]` struct; `extras` keeps unknown keys (flatten)."""
    table = {key: (check, default) for key, check, default in fields}

    def check(value: Any) -> dict:
        if not isinstance(value, dict):
            raise _invalid_type(value, f"struct {name}")
        # serde visits entries in input order, so the first bad entry is the one reported.
        parsed = {key: table[key][0](item) for key, item in value.items() if key in table}
        out = {}
        for key, (field_check, default) in table.items():
            if key not in parsed and default is _REQUIRED:
                raise _fail(f"missing field `{key}`")
            item = parsed[key] if key in parsed else field_check(default)
            if not (skip_none and item is None):
                out[key] = item
        if extras is not None:
            out.update((key, extras(value[key])) for key in sorted(value) if key not in table)
        return out

    return check


def _nulls(check: Check, *keys: str) -> list[Field]:
    """Fields of one nullable type that default to null."""
    return [(key, _optional(check), None) for key in keys]


def _timezone_offset(value: Any) -> str:
    if _str(value) in ("Z", "z"):
        return "+00:00"
    match = _OFFSET.fullmatch(value)
    if match is None or int(match[2]) > 23 or int(match[3] or 0) > 59:
        raise _invalid_type(value, 'a UTC offset such as "+05:30"', "value")
    hours, minutes = match[2], match[3] or "00"
    sign = "-" if match[1] == "-" and (hours, minutes) != ("00", "00") else "+"
    return f"{sign}{hours}:{minutes}"


def _timestamp(value: Any) -> str:
    try:
        return normalize_timestamp(_str(value))
    except ValueError:
        raise _fail("input contains invalid characters") from None


def _start_from_checkpoint(value: Any) -> str:
    if _str(value) == "latest":
        return value
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise _invalid_type(value, '"latest" or a UUID', "value") from None


def _runtime_version(value: Any) -> str:
    if not _RUNTIME_VERSION.fullmatch(_str(value)):
        raise _fail(
            f"The requested runtime version '{value}' is neither a valid version (vX.Y.Z)"
            " nor a valid git hash."
        )
    return value


_SYNC_CONFIG = _struct(
    "SyncConfig",
    [
        ("endpoint", _optional(_str), None),
        ("bucket", _str, _REQUIRED),
        *_nulls(_str, "region", "provider", "access_key", "secret_key"),
        ("start_from_checkpoint", _optional(_start_from_checkpoint), None),
        ("fail_if_no_checkpoint", _bool, False),
        *_nulls(_U32, "transfers", "checkers"),
        ("ignore_checksum", _optional(_bool), None),
        ("multi_thread_streams", _optional(_U32), None),
        ("multi_thread_cutoff", _optional(_str), None),
        ("upload_concurrency", _optional(_U32), None),
        ("standby", _bool, False),
        ("pull_interval", _U64, 10),
        ("push_interval", _optional(_U64), None),
        ("flags", _optional(_seq(_str)), None),
        ("retention_min_count", _U32, 10),
        ("retention_min_age", _U32, 30),
        ("read_bucket", _optional(_str), None),
        ("optimize_download_resources", _bool, True),
    ],
)
_BACKEND_CONFIGS: dict[str, Check | None] = {
    "default": None,
    "file": _struct(
        "FileBackendConfig",
        [
            ("async_threads", _optional(_bool), None),
            ("ioop_delay", _optional(_U64), None),
            ("sync", _optional(_SYNC_CONFIG), None),
        ],
    ),
    "object": _struct("ObjectStorageConfig", [("url", _str, _REQUIRED)], extras=_str),
}


def _storage_backend(value: Any) -> dict:
    """Check the adjacently tagged `{"name": .., "config": ..}` backend enum."""
    if not isinstance(value, dict):
        raise _invalid_type(value, "adjacently tagged enum StorageBackendConfig")
    if "name" not in value:
        raise _fail("missing field `name`")
    name = _str(value["name"])
    if name not in _BACKEND_CONFIGS:
        raise _fail(f"unknown variant `{name}`, expected {_one_of(_BACKEND_CONFIGS)}")
    config_check = _BACKEND_CONFIGS[name]
    if config_check is None:
        if value.get("config") is not None:
            raise _invalid_type(value["config"], "unit variant")
        return {"name": name}
    if "config" not in value:
        raise _fail("missing field `config`")
    return {"name": name, "config": config_check(value["config"])}


_STORAGE_OPTIONS = _struct(
    "StorageOptions",
    [
        ("backend", _storage_backend, {"name": "default"}),
        *_nulls(_USIZE, "min_storage_bytes", "min_step_storage_bytes"),
        ("compression", _enum("default", "none", "snappy"), "default"),
        ("cache_mib", _optional(_USIZE), None),
    ],
)


def _storage(value: Any) -> dict | None:
    # Older clients sent a plain bool to switch storage on or off.
    if value is True:
        return _STORAGE_OPTIONS({})
    if value is False or value is None:
        return None
    if not isinstance(value, dict):
        raise _invalid_type(value, "a boolean or struct StorageOptions")
    return _STORAGE_OPTIONS(value)


_FT_CONFIG = _struct(
    "FtConfig",
    [
        # An FtConfig object without `model` means "enable fault tolerance".
        ("model", _enum("none", "at_least_once", "exactly_once"), "exactly_once"),
        ("checkpoint_interval_secs", _optional(_U64), 60),
    ],
)


def _fault_tolerance(value: Any) -> dict:
    if value is None:
        return _FT_CONFIG({"model": "none"})
    if isinstance(value, str):
        # Legacy spellings from before FtConfig existed; both meant "enabled".
        if value not in ("initial_state", "latest_checkpoint"):
            raise _invalid_type(value, "`initial_state` or `latest_checkpoint`", "value")
        return _FT_CONFIG({})
    if not isinstance(value, dict):
        raise _invalid_type(value, "a string or struct FtConfig")
    return _FT_CONFIG(value)


_RESOURCES = _struct(
    "ResourceConfig",
    [
        *_nulls(_f64, "cpu_cores_min", "cpu_cores_max"),
        *_nulls(_U64, "memory_mb_min", "memory_mb_max", "storage_mb_max"),
        *_nulls(_str, "storage_class", "service_account_name", "namespace"),
    ],
)
# Known tweaks are typed and omitted when null; unknown ones pass through for other runtimes.
# The known keys serialize in alphabetical order, so the table is grouped by type and sorted.
_DEV_TWEAKS = _struct(
    "DevTweaks",
    sorted(
        [
            *_nulls(_bool, "adaptive_joins", "disable_auto_transaction", "eager_evict"),
            *_nulls(_bool, "enable_roaring", "fetch_distinct", "fetch_join", "now_http_driven"),
            *_nulls(_bool, "optimize_input_during_commit", "stack_overflow_backtrace"),
            *_nulls(_bool, "streaming_exchange"),
            *_nulls(_f64, "balancer_balance_tax", "balancer_key_distribution_refresh_threshold"),
            *_nulls(_f64, "balancer_min_relative_improvement_threshold"),
            *_nulls(_f64, "bloom_false_positive_rate"),
            *_nulls(_U64, "balancer_min_absolute_improvement_threshold", "storage_mb_max"),
            *_nulls(_U64, "splitter_chunk_size_records"),
            *_nulls(_USIZE, "buffer_max_buckets", "fbuf_slab_bytes_per_class"),
            *_nulls(_U32, "max_level0_batch_size_records", "merger_threads"),
            *_nulls(_U32, "negative_weight_multiplier"),
            *_nulls(
                _enum("shared_per_worker_pair", "per_thread", "global"),
                "buffer_cache_allocation_strategy",
            ),
            *_nulls(_enum("s3_fifo", "lru"), "buffer_cache_strategy"),
            *_nulls(_enum("push_merger", "list_merger"), "merger"),
            *_nulls(_timestamp, "now_offset"),
        ],
        key=lambda field: field[0],
    ),
    extras=_any,
    skip_none=True,
)
_TEMPLATE = _struct(
    "PipelineTemplateConfig", [("name", _str, _REQUIRED), ("key", _str, "pipelineTemplate")]
)

_RUNTIME_CONFIG = _struct(
    "RuntimeConfig",
    [
        ("workers", _U16, 8),
        *_nulls(_U64, "max_rss_mb", "datafusion_memory_mb"),
        ("hosts", _USIZE, 1),
        ("storage", _storage, True),
        ("fault_tolerance", _fault_tolerance, None),
        ("cpu_profiler", _bool, True),
        ("tracing", _bool, False),
        ("tracing_endpoint_jaeger", _str, "127.0.0.1:6831"),
        ("min_batch_size_records", _U64, 0),
        ("max_buffering_delay_usecs", _U64, 0),
        ("resources", _RESOURCES, {}),
        ("clock_resolution_usecs", _optional(_U64), 1_000_000),
        ("clock_timezone_offset", _optional(_timezone_offset), None),
        ("pin_cpus", _seq(_USIZE), []),
        *_nulls(_U64, "provisioning_timeout_secs", "max_parallel_connector_init"),
        ("init_containers", _any, None),
        ("checkpoint_during_suspend", _bool, True),
        *_nulls(_U64, "http_workers", "io_workers"),
        ("env", _map(_str), {}),
        ("dev_tweaks", _DEV_TWEAKS, {}),
        ("logging", _optional(_str), None),
        ("pipeline_template_configmap", _optional(_TEMPLATE), None),
    ],
)
_PROGRAM_CONFIG = _struct(
    "ProgramConfig",
    [
        ("profile", _optional(_enum("dev", "unoptimized", "optimized", "optimized_symbols")), None),
        ("cache", _bool, True),
        ("runtime_version", _optional(_runtime_version), None),
        ("use_platform_compiler", _bool, False),
    ],
)

RUNTIME_CONFIG_DEFAULTS: dict = _RUNTIME_CONFIG({})
PROGRAM_CONFIG_DEFAULTS: dict = _PROGRAM_CONFIG({})

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


def normalize_program_config(value: Any) -> dict:
    """Return the complete normalized program_config (None counts as {}); raise ConfigError."""
    return _PROGRAM_CONFIG({} if value is None else value)


def config_error_message(field: str, value: Any, err: ConfigError) -> str:
    """Return upstream's message for an invalid `field` whose submitted JSON was `value`."""
    pretty = json.dumps(value, indent=2, ensure_ascii=False)
    return f"JSON for '{field}' field:\n{pretty}\n\n... is not valid due to: {err.reason}"


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
