import copy
import json
from pathlib import Path

import pytest

from app.pipeline_config import PROGRAM_CONFIG_DEFAULTS
from app.pipeline_config import RUNTIME_CONFIG_DEFAULTS
from app.pipeline_config import ConfigError
from app.pipeline_config import config_error_message
from app.pipeline_config import normalize_program_config
from app.pipeline_config import normalize_runtime_config
from app.pipeline_config import storage_restricted_changes

SEED = Path(__file__).parent / "data" / "seed-list-pipelines.json"

# crud.md §2.6, written out by hand so a wrong table entry cannot hide behind the constant.
EXPECTED_DEFAULTS = {
    "workers": 8,
    "max_rss_mb": None,
    "datafusion_memory_mb": None,
    "hosts": 1,
    "storage": {
        "backend": {"name": "default"},
        "min_storage_bytes": None,
        "min_step_storage_bytes": None,
        "compression": "default",
        "cache_mib": None,
    },
    "fault_tolerance": {"model": "none", "checkpoint_interval_secs": 60},
    "cpu_profiler": True,
    "tracing": False,
    "tracing_endpoint_jaeger": "127.0.0.1:6831",
    "min_batch_size_records": 0,
    "max_buffering_delay_usecs": 0,
    "resources": {
        "cpu_cores_min": None,
        "cpu_cores_max": None,
        "memory_mb_min": None,
        "memory_mb_max": None,
        "storage_mb_max": None,
        "storage_class": None,
        "service_account_name": None,
        "namespace": None,
    },
    "clock_resolution_usecs": 1000000,
    "clock_timezone_offset": None,
    "pin_cpus": [],
    "provisioning_timeout_secs": None,
    "max_parallel_connector_init": None,
    "init_containers": None,
    "checkpoint_during_suspend": True,
    "http_workers": None,
    "io_workers": None,
    "env": {},
    "dev_tweaks": {},
    "logging": None,
    "pipeline_template_configmap": None,
}
FT_ENABLED = {"model": "exactly_once", "checkpoint_interval_secs": 60}
ENV_MESSAGE = "the following environment variable(s) are reserved and cannot be overridden: "


def with_defaults(**changes):
    return {**copy.deepcopy(EXPECTED_DEFAULTS), **changes}


def runtime_error(value, *, enterprise=False) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        normalize_runtime_config(value, enterprise=enterprise)
    return info.value


def program_error(value) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        normalize_program_config(value)
    return info.value


@pytest.mark.parametrize("value", [None, {}])
def test_empty_runtime_config_gives_full_defaults_in_upstream_order(value):
    config = normalize_runtime_config(value)
    assert config == EXPECTED_DEFAULTS
    assert list(config) == list(EXPECTED_DEFAULTS)
    assert list(config["storage"]) == list(EXPECTED_DEFAULTS["storage"])
    assert list(config["resources"]) == list(EXPECTED_DEFAULTS["resources"])
    assert RUNTIME_CONFIG_DEFAULTS == EXPECTED_DEFAULTS


def test_results_are_independent_copies():
    first = normalize_runtime_config({})
    first["resources"]["namespace"] = "changed"
    first["pin_cpus"].append(1)
    assert normalize_runtime_config({}) == EXPECTED_DEFAULTS
    assert RUNTIME_CONFIG_DEFAULTS == EXPECTED_DEFAULTS


def test_workers_only_fills_everything_else():
    assert normalize_runtime_config({"workers": 123}) == with_defaults(workers=123)


def seed_pipelines() -> list[dict]:
    return json.loads(SEED.read_text())


@pytest.mark.parametrize("index", [0, 1])
def test_seed_runtime_config_normalizes_to_itself_plus_newer_keys(index):
    submitted = seed_pipelines()[index]["runtime_config"]
    config = normalize_runtime_config(submitted)
    assert config == {**submitted, "datafusion_memory_mb": None, "clock_timezone_offset": None}
    assert list(config) == list(EXPECTED_DEFAULTS)


@pytest.mark.parametrize("index", [0, 1])
def test_seed_program_config_gains_use_platform_compiler(index):
    submitted = seed_pipelines()[index]["program_config"]
    config = normalize_program_config(submitted)
    assert config == {**submitted, "use_platform_compiler": False}
    assert list(config) == ["profile", "cache", "runtime_version", "use_platform_compiler"]


IDEMPOTENCE_INPUTS = [
    {},
    {"workers": 3, "storage": True, "resources": {"cpu_cores_max": 2}},
    {"storage": False, "clock_timezone_offset": "-0800", "env": {"B": "1", "A": "2"}},
    {
        "fault_tolerance": None,
        "dev_tweaks": {"zeta": [1], "merger": None, "bloom_false_positive_rate": 1},
    },
    {"dev_tweaks": {"now_offset": "2024-05-01T12:00:00.5+02:00"}},
    {"pipeline_template_configmap": {"name": "tpl"}, "init_containers": [{"name": "x"}]},
    {"storage": {"backend": {"name": "object", "config": {"url": "s3://b/p", "region": "eu"}}}},
    {"storage": {"backend": {"name": "file", "config": {"sync": {"bucket": "b"}}}}},
]


@pytest.mark.parametrize("value", IDEMPOTENCE_INPUTS)
def test_normalization_is_idempotent(value):
    once = normalize_runtime_config(value)
    twice = normalize_runtime_config(once)
    assert twice == once
    assert json.dumps(twice) == json.dumps(once)


@pytest.mark.parametrize("value", [{}, {"profile": "dev", "runtime_version": "v0.96.0"}])
def test_program_config_normalization_is_idempotent(value):
    once = normalize_program_config(value)
    assert normalize_program_config(once) == once


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("clock_resolution_usecs", None),
        ("max_rss_mb", None),
        ("provisioning_timeout_secs", 30),
        ("logging", None),
        ("storage", None),
        ("pipeline_template_configmap", None),
        ("init_containers", None),
    ],
)
def test_explicit_value_on_nullable_key_is_kept(key, value):
    assert normalize_runtime_config({key: value})[key] == value


def test_explicit_null_inside_nested_objects_is_kept():
    config = normalize_runtime_config(
        {"fault_tolerance": {"model": "at_least_once", "checkpoint_interval_secs": None}},
        enterprise=True,
    )
    assert config["fault_tolerance"] == {"model": "at_least_once", "checkpoint_interval_secs": None}


def test_unknown_keys_are_dropped_at_every_level():
    config = normalize_runtime_config(
        {
            "bogus": 1,
            "resources": {"namespace": "ns", "gpu": 2},
            "storage": {
                "compression": "none",
                "extra": True,
                "backend": {"name": "default", "x": 1},
            },
            "pipeline_template_configmap": {"name": "t", "other": "y"},
        }
    )
    assert "bogus" not in config
    assert config["resources"] == {**EXPECTED_DEFAULTS["resources"], "namespace": "ns"}
    assert config["storage"] == {**EXPECTED_DEFAULTS["storage"], "compression": "none"}
    assert config["pipeline_template_configmap"] == {"name": "t", "key": "pipelineTemplate"}


def test_dev_tweaks_drop_known_nulls_and_keep_unknown_keys():
    config = normalize_runtime_config(
        {
            "dev_tweaks": {
                "zeta": None,
                "merger": None,
                "alpha": {"nested": [1, 2]},
                "fetch_join": True,
                "adaptive_joins": False,
                "balancer_balance_tax": 1,
            }
        }
    )
    assert config["dev_tweaks"] == {
        "adaptive_joins": False,
        "balancer_balance_tax": 1.0,
        "fetch_join": True,
        "alpha": {"nested": [1, 2]},
        "zeta": None,
    }
    assert list(config["dev_tweaks"]) == [
        "adaptive_joins",
        "balancer_balance_tax",
        "fetch_join",
        "alpha",
        "zeta",
    ]
    assert isinstance(config["dev_tweaks"]["balancer_balance_tax"], float)


def test_dev_tweaks_now_offset_is_normalized_to_utc():
    tweaks = {"now_offset": "2024-05-01T12:00:00.500+02:00"}
    config = normalize_runtime_config({"dev_tweaks": tweaks})
    assert config["dev_tweaks"] == {"now_offset": "2024-05-01T10:00:00.500Z"}


def test_object_storage_keeps_unknown_string_options_sorted_after_url():
    backend = {"name": "object", "config": {"url": "s3://b", "zone": "z", "access_key": "k"}}
    config = normalize_runtime_config({"storage": {"backend": backend}})
    assert config["storage"]["backend"] == backend
    assert list(config["storage"]["backend"]["config"]) == ["url", "access_key", "zone"]


def test_env_is_kept_and_sorted():
    assert normalize_runtime_config({"env": {"ZED": "1", "ALPHA": ""}})["env"] == {
        "ALPHA": "",
        "ZED": "1",
    }
    assert list(normalize_runtime_config({"env": {"ZED": "1", "ALPHA": ""}})["env"]) == [
        "ALPHA",
        "ZED",
    ]


def test_cpu_fields_accept_integers_and_become_floats():
    resources = normalize_runtime_config({"resources": {"cpu_cores_min": 1, "cpu_cores_max": 2.5}})[
        "resources"
    ]
    assert (resources["cpu_cores_min"], resources["cpu_cores_max"]) == (1.0, 2.5)
    assert isinstance(resources["cpu_cores_min"], float)


@pytest.mark.parametrize(
    ("storage", "expected"),
    [
        (True, EXPECTED_DEFAULTS["storage"]),
        (False, None),
        (None, None),
        ({}, EXPECTED_DEFAULTS["storage"]),
        ({"cache_mib": 64}, {**EXPECTED_DEFAULTS["storage"], "cache_mib": 64}),
        (
            {"backend": {"name": "file", "config": {"ioop_delay": 5}}},
            {
                **EXPECTED_DEFAULTS["storage"],
                "backend": {
                    "name": "file",
                    "config": {"async_threads": None, "ioop_delay": 5, "sync": None},
                },
            },
        ),
    ],
)
def test_storage_forms(storage, expected):
    assert normalize_runtime_config({"storage": storage})["storage"] == expected


@pytest.mark.parametrize(
    ("fault_tolerance", "expected"),
    [
        (None, EXPECTED_DEFAULTS["fault_tolerance"]),
        ({"model": "none"}, EXPECTED_DEFAULTS["fault_tolerance"]),
        (
            {"model": "none", "checkpoint_interval_secs": 5},
            {"model": "none", "checkpoint_interval_secs": 5},
        ),
    ],
)
@pytest.mark.parametrize("enterprise", [False, True])
def test_disabled_fault_tolerance_is_accepted_by_every_edition(
    fault_tolerance, expected, enterprise
):
    config = normalize_runtime_config({"fault_tolerance": fault_tolerance}, enterprise=enterprise)
    assert config["fault_tolerance"] == expected


@pytest.mark.parametrize(
    ("fault_tolerance", "expected"),
    [
        ({}, FT_ENABLED),
        (
            {"checkpoint_interval_secs": 10},
            {"model": "exactly_once", "checkpoint_interval_secs": 10},
        ),
        ({"model": "at_least_once"}, {"model": "at_least_once", "checkpoint_interval_secs": 60}),
        ({"model": "exactly_once", "unknown": 1}, FT_ENABLED),
        ("initial_state", FT_ENABLED),
        ("latest_checkpoint", FT_ENABLED),
    ],
)
def test_enabled_fault_tolerance_needs_enterprise(fault_tolerance, expected):
    config = normalize_runtime_config({"fault_tolerance": fault_tolerance}, enterprise=True)
    assert config["fault_tolerance"] == expected
    err = runtime_error({"fault_tolerance": fault_tolerance})
    assert (err.kind, err.text, err.reason) == (
        "EnterpriseFeature",
        "fault tolerance",
        "enterprise feature: fault tolerance",
    )


@pytest.mark.parametrize(
    ("env", "reported"),
    [
        ({"HOSTNAME": "h"}, "HOSTNAME"),
        ({"RUST_LOG": "debug", "OK": "1"}, "RUST_LOG"),
        ({"TOKIO_WORKER_THREADS": "4"}, "TOKIO_WORKER_THREADS"),
        (
            {"TOKIO_X": "1", "KUBERNETES_SERVICE_HOST": "h", "FELDERA_A": "1"},
            "FELDERA_A, KUBERNETES_SERVICE_HOST, TOKIO_X",
        ),
        ({"RUST_LOG": "x", "HOSTNAME": "y"}, "HOSTNAME, RUST_LOG"),
    ],
)
def test_reserved_env_keys_are_rejected_sorted(env, reported):
    err = runtime_error({"env": env})
    assert err.kind == "InvalidPipelineEnv"
    assert err.text == ENV_MESSAGE + reported
    assert err.reason == "invalid pipeline environment: " + ENV_MESSAGE + reported


@pytest.mark.parametrize(
    "key", ["RUST_BACKTRACE", "hostname", "feldera_x", "MY_TOKIO_X", "KUBERNETES"]
)
def test_similar_env_keys_are_allowed(key):
    assert normalize_runtime_config({"env": {key: "v"}})["env"] == {key: "v"}


def test_fault_tolerance_is_checked_before_env():
    err = runtime_error({"env": {"RUST_LOG": "x"}, "fault_tolerance": {}})
    assert err.kind == "EnterpriseFeature"


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        ("+05:30", "+05:30"),
        ("-08:00", "-08:00"),
        ("+0530", "+05:30"),
        ("-03", "-03:00"),
        ("Z", "+00:00"),
        ("-00:00", "+00:00"),
        ("+23:59", "+23:59"),
        (None, None),
    ],
)
def test_clock_timezone_offset_is_normalized(offset, expected):
    assert (
        normalize_runtime_config({"clock_timezone_offset": offset})["clock_timezone_offset"]
        == expected
    )


@pytest.mark.parametrize(
    "offset", ["+5:30", "05:30", "+24:00", "+05:60", "UTC", "", "+05:30:00", "+٠٥:٣٠"]
)
def test_invalid_clock_timezone_offset_is_rejected(offset):
    err = runtime_error({"clock_timezone_offset": offset})
    assert err.kind == "DeserializationFailed"
    assert err.text == f'invalid value: string "{offset}", expected a UTC offset such as "+05:30"'


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("abc", 'invalid type: string "abc", expected struct RuntimeConfig'),
        ([], "invalid type: sequence, expected struct RuntimeConfig"),
        ({"workers": "abc"}, 'invalid type: string "abc", expected u16'),
        ({"workers": -1}, "invalid value: integer `-1`, expected u16"),
        ({"workers": 65536}, "invalid value: integer `65536`, expected u16"),
        ({"workers": 2.0}, "invalid type: floating point `2.0`, expected u16"),
        ({"workers": True}, "invalid type: boolean `true`, expected u16"),
        ({"workers": None}, "invalid type: null, expected u16"),
        ({"max_rss_mb": -5}, "invalid value: integer `-5`, expected u64"),
        ({"hosts": "2"}, 'invalid type: string "2", expected usize'),
        ({"cpu_profiler": 1}, "invalid type: integer `1`, expected a boolean"),
        ({"tracing_endpoint_jaeger": None}, "invalid type: null, expected a string"),
        ({"resources": {"cpu_cores_max": "2"}}, 'invalid type: string "2", expected f64'),
        ({"resources": {"cpu_cores_max": False}}, "invalid type: boolean `false`, expected f64"),
        ({"resources": None}, "invalid type: null, expected struct ResourceConfig"),
        ({"pin_cpus": [1, -2]}, "invalid value: integer `-2`, expected usize"),
        ({"pin_cpus": {}}, "invalid type: map, expected a sequence"),
        ({"env": {"A": 1}}, "invalid type: integer `1`, expected a string"),
        ({"env": None}, "invalid type: null, expected a map"),
        ({"dev_tweaks": []}, "invalid type: sequence, expected struct DevTweaks"),
        (
            {"dev_tweaks": {"merger": "x"}},
            "unknown variant `x`, expected `push_merger` or `list_merger`",
        ),
        (
            {"dev_tweaks": {"merger_threads": 1.5}},
            "invalid type: floating point `1.5`, expected u32",
        ),
        ({"storage": 5}, "invalid type: integer `5`, expected a boolean or struct StorageOptions"),
        (
            {"storage": {"compression": "zstd"}},
            "unknown variant `zstd`, expected one of `default`, `none`, `snappy`",
        ),
        (
            {"storage": {"backend": {"name": "s3"}}},
            "unknown variant `s3`, expected one of `default`, `file`, `object`",
        ),
        ({"storage": {"backend": {}}}, "missing field `name`"),
        ({"storage": {"backend": {"name": "object"}}}, "missing field `config`"),
        ({"storage": {"backend": {"name": "object", "config": {}}}}, "missing field `url`"),
        (
            {"storage": {"backend": {"name": "object", "config": {"url": "u", "k": 1}}}},
            "invalid type: integer `1`, expected a string",
        ),
        (
            {"storage": {"backend": {"name": "file", "config": {"sync": {}}}}},
            "missing field `bucket`",
        ),
        (
            {"fault_tolerance": "bogus"},
            'invalid value: string "bogus", expected `initial_state` or `latest_checkpoint`',
        ),
        ({"fault_tolerance": 3}, "invalid type: integer `3`, expected a string or struct FtConfig"),
        (
            {"fault_tolerance": {"model": "maybe"}},
            "unknown variant `maybe`, expected one of `none`, `at_least_once`, `exactly_once`",
        ),
        ({"clock_timezone_offset": 5}, "invalid type: integer `5`, expected a string"),
        ({"pipeline_template_configmap": {}}, "missing field `name`"),
        ({"clock_resolution_usecs": 1.5}, "invalid type: floating point `1.5`, expected u64"),
    ],
)
def test_deserialization_failures(value, text):
    err = runtime_error(value, enterprise=True)
    assert (err.kind, err.text) == ("DeserializationFailed", text)
    assert err.reason == f"could not deserialize due to: {text}"
    assert str(err) == err.reason


def test_first_bad_entry_in_input_order_is_reported():
    err = runtime_error({"tracing": "no", "workers": "abc"})
    assert err.text == 'invalid type: string "no", expected a boolean'


@pytest.mark.parametrize("value", [None, {}])
def test_empty_program_config_gives_defaults(value):
    expected = {
        "profile": None,
        "cache": True,
        "runtime_version": None,
        "use_platform_compiler": False,
    }
    assert normalize_program_config(value) == expected
    assert list(normalize_program_config(value)) == list(expected)
    assert PROGRAM_CONFIG_DEFAULTS == expected


@pytest.mark.parametrize(
    ("value", "expected_changes"),
    [
        ({"profile": "optimized_symbols"}, {"profile": "optimized_symbols"}),
        ({"profile": None, "cache": False}, {"cache": False}),
        ({"runtime_version": "v0.96.0"}, {"runtime_version": "v0.96.0"}),
        (
            {"runtime_version": "f4dcac0989ca0fda7d2eb93602a49d007cb3b0ae"},
            {"runtime_version": "f4dcac0989ca0fda7d2eb93602a49d007cb3b0ae"},
        ),
        ({"use_platform_compiler": True, "unknown": 1}, {"use_platform_compiler": True}),
    ],
)
def test_program_config_accepts(value, expected_changes):
    assert normalize_program_config(value) == {**PROGRAM_CONFIG_DEFAULTS, **expected_changes}


@pytest.mark.parametrize(
    "version",
    ["", "0.96.0", "v0.96", "v0.96.0-rc1", "F4DCAC0989CA0FDA7D2EB93602A49D007CB3B0AE", "f4dcac0"],
)
def test_program_config_rejects_bad_runtime_version(version):
    err = program_error({"runtime_version": version})
    assert err.kind == "DeserializationFailed"
    assert err.text == (
        f"The requested runtime version '{version}' is neither a valid version (vX.Y.Z)"
        " nor a valid git hash."
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (
            {"profile": "fast"},
            "unknown variant `fast`, expected one of `dev`, `unoptimized`, `optimized`, "
            "`optimized_symbols`",
        ),
        ({"profile": 1}, "invalid type: integer `1`, expected a string"),
        ({"cache": "yes"}, 'invalid type: string "yes", expected a boolean'),
        ({"cache": None}, "invalid type: null, expected a boolean"),
        ({"use_platform_compiler": 0}, "invalid type: integer `0`, expected a boolean"),
        ({"runtime_version": 96}, "invalid type: integer `96`, expected a string"),
        ([], "invalid type: sequence, expected struct ProgramConfig"),
    ],
)
def test_program_config_deserialization_failures(value, text):
    err = program_error(value)
    assert (err.kind, err.text) == ("DeserializationFailed", text)


def test_config_error_message_pretty_prints_the_submitted_value():
    value = {"workers": "abc", "env": {}}
    err = runtime_error(value)
    assert config_error_message("runtime_config", value, err) == (
        "JSON for 'runtime_config' field:\n"
        "{\n"
        '  "workers": "abc",\n'
        '  "env": {}\n'
        "}\n\n"
        '... is not valid due to: could not deserialize due to: invalid type: string "abc", '
        "expected u16"
    )


def test_config_error_message_for_program_config_and_enterprise_feature():
    assert config_error_message("program_config", [], program_error([])).startswith(
        "JSON for 'program_config' field:\n[]\n\n... is not valid due to: could not deserialize"
    )
    value = {"fault_tolerance": {}}
    assert config_error_message("runtime_config", value, runtime_error(value)).endswith(
        '  "fault_tolerance": {}\n}\n\n... is not valid due to: enterprise feature: fault tolerance'
    )


@pytest.mark.parametrize(
    ("changes", "items"),
    [
        ({}, []),
        ({"tracing": True, "env": {"A": "b"}, "resources": {"memory_mb_max": 5}}, []),
        ({"workers": 4}, ["`runtime_config.workers`"]),
        ({"hosts": 2}, ["`runtime_config.hosts`"]),
        (
            {"fault_tolerance": {"model": "none", "checkpoint_interval_secs": 5}},
            ["`runtime_config.fault_tolerance`"],
        ),
        ({"resources": {"storage_mb_max": 10}}, ["`runtime_config.resources.storage_mb_max`"]),
        ({"resources": {"namespace": "ns"}}, ["`runtime_config.resources.namespace`"]),
        ({"resources": {"storage_class": "fast"}}, ["`runtime_config.resources.storage_class`"]),
        ({"clock_timezone_offset": "+01:00"}, ["`runtime_config.clock_timezone_offset`"]),
        (
            {
                "clock_timezone_offset": "+01:00",
                "resources": {"storage_class": "a", "namespace": "b", "storage_mb_max": 1},
                "fault_tolerance": {"model": "none", "checkpoint_interval_secs": 1},
                "hosts": 3,
                "workers": 1,
            },
            [
                "`runtime_config.workers`",
                "`runtime_config.hosts`",
                "`runtime_config.fault_tolerance`",
                "`runtime_config.resources.storage_mb_max`",
                "`runtime_config.resources.namespace`",
                "`runtime_config.resources.storage_class`",
                "`runtime_config.clock_timezone_offset`",
            ],
        ),
    ],
)
def test_storage_restricted_changes(changes, items):
    old = normalize_runtime_config({})
    new = normalize_runtime_config(changes)
    assert storage_restricted_changes(old, new) == items
    assert storage_restricted_changes(new, old) == items


def test_storage_restricted_changes_treat_missing_keys_as_defaults():
    legacy = {
        k: v for k, v in EXPECTED_DEFAULTS.items() if k not in ("hosts", "clock_timezone_offset")
    }
    assert storage_restricted_changes(legacy, normalize_runtime_config({})) == []
    assert storage_restricted_changes(legacy, normalize_runtime_config({"hosts": 2})) == [
        "`runtime_config.hosts`"
    ]


# Feldera 0.369 spellings: accepted on input, stored under the 0.337 keys in the old unit.
GI = 1 << 30
RESOURCES = EXPECTED_DEFAULTS["resources"]
STORAGE = EXPECTED_DEFAULTS["storage"]
FT_OFF = {"model": "none", "checkpoint_interval_secs": 60}


@pytest.mark.parametrize(
    ("submitted", "changes"),
    [
        ({"max_buffering_delay": "1ms"}, {"max_buffering_delay_usecs": 1000}),
        ({"clock_resolution": "2s"}, {"clock_resolution_usecs": 2_000_000}),
        ({"clock_resolution": "1m0.5s"}, {"clock_resolution_usecs": 60_500_000}),
        ({"provisioning_timeout": "1h30m"}, {"provisioning_timeout_secs": 5400}),
        ({"provisioning_timeout": "+1d"}, {"provisioning_timeout_secs": 86_400}),
        ({"provisioning_timeout": "0"}, {"provisioning_timeout_secs": 0}),
        ({"provisioning_timeout": "90\u00b5s"}, {"provisioning_timeout_secs": 1}),
        ({"max_rss": "16G"}, {"max_rss_mb": 16_000}),
        ({"max_rss": "4Gi"}, {"max_rss_mb": -(-4 * GI // 10**6)}),
        ({"datafusion_memory": "512MB"}, {"datafusion_memory_mb": 512}),
        ({"datafusion_memory": "2kB"}, {"datafusion_memory_mb": 1}),
        (
            {"fault_tolerance": {"model": "none", "checkpoint_interval": "5m"}},
            {"fault_tolerance": {"model": "none", "checkpoint_interval_secs": 300}},
        ),
        ({"resources": {"memory_max": "1G"}}, {"resources": {**RESOURCES, "memory_mb_max": 1000}}),
        ({"resources": {"memory_min": "1Mi"}}, {"resources": {**RESOURCES, "memory_mb_min": 2}}),
        (
            {"resources": {"storage_max": "400Gi"}},
            {"resources": {**RESOURCES, "storage_mb_max": 429_497}},
        ),
        (
            {"storage": {"min_spill_size": "10Mi"}},
            {"storage": {**STORAGE, "min_storage_bytes": 10 * (1 << 20)}},
        ),
        # Bytes are the old unit here, so a bare number is fine.
        (
            {"storage": {"min_spill_size": "4096"}},
            {"storage": {**STORAGE, "min_storage_bytes": 4096}},
        ),
        # An integer under a new name counts the old unit, as the 0.369 SDK reads it back.
        ({"provisioning_timeout": 30}, {"provisioning_timeout_secs": 30}),
        ({"max_rss": 4096}, {"max_rss_mb": 4096}),
    ],
)
def test_new_spellings_are_stored_under_the_old_keys(submitted, changes):
    config = normalize_runtime_config(submitted)
    assert config == with_defaults(**changes)
    assert list(config) == list(EXPECTED_DEFAULTS)
    assert list(config["resources"]) == list(RESOURCES)
    assert list(config["storage"]) == list(STORAGE)
    assert list(config["fault_tolerance"]) == list(FT_OFF)


@pytest.mark.parametrize(
    ("key", "text", "old_key", "stored"),
    [
        # Not a whole number of the old unit: rounded up, never down to zero.
        ("max_buffering_delay", "1ns", "max_buffering_delay_usecs", 1),
        ("max_buffering_delay", "1001ns", "max_buffering_delay_usecs", 2),
        ("clock_resolution", "0.5us", "clock_resolution_usecs", 1),
        ("clock_resolution", "1000ns", "clock_resolution_usecs", 1),
        ("provisioning_timeout", "1ms", "provisioning_timeout_secs", 1),
        ("provisioning_timeout", "1500ms", "provisioning_timeout_secs", 2),
        ("provisioning_timeout", "2s", "provisioning_timeout_secs", 2),
        ("provisioning_timeout", "1.000000001s", "provisioning_timeout_secs", 2),
        # A fraction first rounds to the nearest nanosecond (as the SDK), then up to seconds.
        ("provisioning_timeout", "1.0000000004s", "provisioning_timeout_secs", 1),
        ("max_rss", "1B", "max_rss_mb", 1),
        ("max_rss", "1000000B", "max_rss_mb", 1),
        ("max_rss", "1000001B", "max_rss_mb", 2),
        ("max_rss", "1.5M", "max_rss_mb", 2),
        ("max_rss", "0M", "max_rss_mb", 0),
        ("datafusion_memory", "1Ki", "datafusion_memory_mb", 1),
    ],
)
def test_new_spellings_round_up_to_the_old_unit(key, text, old_key, stored):
    assert normalize_runtime_config({key: text})[old_key] == stored


@pytest.mark.parametrize(
    ("submitted", "path", "expected"),
    [
        ({"max_rss": None}, ("max_rss_mb",), None),
        ({"datafusion_memory": None}, ("datafusion_memory_mb",), None),
        ({"clock_resolution": None}, ("clock_resolution_usecs",), None),  # not the default
        ({"provisioning_timeout": None}, ("provisioning_timeout_secs",), None),
        ({"resources": {"memory_max": None}}, ("resources", "memory_mb_max"), None),
        ({"storage": {"min_spill_size": None}}, ("storage", "min_storage_bytes"), None),
        (
            {"fault_tolerance": {"model": "none", "checkpoint_interval": None}},
            ("fault_tolerance", "checkpoint_interval_secs"),
            None,
        ),
    ],
)
def test_null_under_a_new_spelling_is_null_under_the_old_key(submitted, path, expected):
    value = normalize_runtime_config(submitted)
    for key in path:
        value = value[key]
    assert value == expected


def test_null_under_a_new_spelling_of_a_non_nullable_key_fails_like_the_old_one():
    assert runtime_error({"max_buffering_delay": None}).text == "invalid type: null, expected u64"
    assert runtime_error({"max_buffering_delay_usecs": None}).text == (
        "invalid type: null, expected u64"
    )


@pytest.mark.parametrize(
    ("value", "reported"),
    [
        ({"max_rss_mb": 1, "max_rss": "1G"}, "max_rss"),
        ({"max_rss": "1G", "max_rss_mb": 1}, "max_rss"),
        ({"datafusion_memory_mb": None, "datafusion_memory": None}, "datafusion_memory"),
        ({"max_buffering_delay": "1s", "max_buffering_delay_usecs": 5}, "max_buffering_delay"),
        ({"clock_resolution_usecs": 5, "clock_resolution": "1s"}, "clock_resolution"),
        ({"provisioning_timeout_secs": 5, "provisioning_timeout": "5s"}, "provisioning_timeout"),
        # The second spelling fails before its (here invalid) value is looked at.
        ({"provisioning_timeout_secs": 5, "provisioning_timeout": "bogus"}, "provisioning_timeout"),
        (
            {"fault_tolerance": {"checkpoint_interval_secs": 1, "checkpoint_interval": "1s"}},
            "checkpoint_interval",
        ),
        ({"resources": {"memory_mb_min": 1, "memory_min": "1G"}}, "memory_min"),
        ({"resources": {"memory_max": "1G", "memory_mb_max": 1}}, "memory_max"),
        ({"resources": {"storage_mb_max": 1, "storage_max": "1G"}}, "storage_max"),
        ({"storage": {"min_storage_bytes": 1, "min_spill_size": "1"}}, "min_spill_size"),
    ],
)
def test_both_spellings_of_one_setting_are_a_duplicate_field(value, reported):
    err = runtime_error(value, enterprise=True)
    assert (err.kind, err.text) == ("DeserializationFailed", f"duplicate field `{reported}`")


def test_a_bad_first_spelling_is_reported_before_the_duplicate():
    err = runtime_error({"provisioning_timeout": "5", "provisioning_timeout_secs": 5})
    assert err.text == "'5' in duration '5' has no unit"


DURATION_UNITS = "expected one of 'ns', 'us', 'ms', 's', 'm', 'h', 'd'"
SIZE_UNITS = (
    "expected one of 'k', 'M', 'G', 'T', 'P', 'E', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei',"
    " each with or without a trailing 'B'"
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ({"provisioning_timeout": "2"}, "'2' in duration '2' has no unit"),
        ({"provisioning_timeout": "1s5"}, "'5' in duration '1s5' has no unit"),
        ({"provisioning_timeout": "-1s"}, "duration '-1s' cannot be negative"),
        ({"provisioning_timeout": ""}, "duration is empty"),
        ({"provisioning_timeout": "+"}, "duration is empty"),
        ({"provisioning_timeout": "s"}, "'s' in duration 's' has no number in front of it"),
        ({"clock_resolution": "5x"}, f"unknown unit 'x' in duration '5x'; {DURATION_UNITS}"),
        ({"clock_resolution": "1 s"}, f"unknown unit ' s' in duration '1 s'; {DURATION_UNITS}"),
        ({"clock_resolution": "5S"}, f"unknown unit 'S' in duration '5S'; {DURATION_UNITS}"),
        (
            {"max_buffering_delay": "18446744073709551616s"},
            "duration '18446744073709551616s' is too large",
        ),
        # Fits the runtime's duration but not a u64 count of microseconds.
        (
            {"max_buffering_delay": "18446744073709551615s"},
            "duration '18446744073709551615s' is too large",
        ),
        (
            {"fault_tolerance": {"model": "none", "checkpoint_interval": "10"}},
            "'10' in duration '10' has no unit",
        ),
        ({"max_rss": "16000"}, "max_rss='16000' has no unit; write a size such as '16000M'"),
        ({"max_rss": "+1.5"}, "max_rss='+1.5' has no unit; write a size such as '+1.5M'"),
        (
            {"resources": {"memory_max": ".5"}},
            "memory_max='.5' has no unit; write a size such as '.5M'",
        ),
        ({"datafusion_memory": "4X"}, f"unknown unit 'X' in size '4X'; {SIZE_UNITS}"),
        ({"datafusion_memory": "4 GiB"}, f"unknown unit ' GiB' in size '4 GiB'; {SIZE_UNITS}"),
        ({"max_rss": "-1G"}, "size '-1G' cannot be negative"),
        ({"max_rss": ""}, "size is empty"),
        ({"max_rss": "Gi"}, "'Gi' in size 'Gi' has no number in front of it"),
        ({"max_rss": "20E"}, "size '20E' is too large"),
        ({"storage": {"min_spill_size": "."}}, "size '.' has no digits"),
        ({"max_rss": True}, 'invalid type: boolean `true`, expected a size such as "4Gi"'),
        ({"max_rss": [1]}, 'invalid type: sequence, expected a size such as "4Gi"'),
        ({"max_rss": -1}, "invalid value: integer `-1`, expected u64"),
        (
            {"provisioning_timeout": 1.5},
            'invalid type: floating point `1.5`, expected a duration such as "30s"',
        ),
    ],
)
def test_invalid_durations_and_sizes_are_refused(value, text):
    err = runtime_error(value)
    assert (err.kind, err.text) == ("DeserializationFailed", text)


def test_new_keys_without_a_0_337_equivalent_are_dropped():
    config = normalize_runtime_config(
        {"resources": {"storage_min": "1Gi", "volume_attributes_class": "fast"}}
    )
    assert config == EXPECTED_DEFAULTS


NEW_SPELLINGS = {
    "max_rss": "4Gi",
    "datafusion_memory": "1.5G",
    "max_buffering_delay": "250us",
    "clock_resolution": "0.1s",
    "provisioning_timeout": "1.5s",
    "fault_tolerance": {"model": "none", "checkpoint_interval": "90s"},
    "resources": {"memory_min": "1Gi", "memory_max": "8G", "storage_max": "1T"},
    "storage": {"min_spill_size": "1MiB"},
}


def test_new_spellings_normalize_idempotently_to_the_old_keys():
    once = normalize_runtime_config(NEW_SPELLINGS)
    twice = normalize_runtime_config(once)
    assert json.dumps(twice) == json.dumps(once)
    assert list(once) == list(EXPECTED_DEFAULTS)
    assert once == with_defaults(
        max_rss_mb=4295,
        datafusion_memory_mb=1500,
        max_buffering_delay_usecs=250,
        clock_resolution_usecs=100_000,
        provisioning_timeout_secs=2,
        fault_tolerance={"model": "none", "checkpoint_interval_secs": 90},
        resources={
            **RESOURCES,
            "memory_mb_min": 1074,
            "memory_mb_max": 8000,
            "storage_mb_max": 10**6,
        },
        storage={**STORAGE, "min_storage_bytes": 1 << 20},
    )


@pytest.mark.parametrize(
    ("changes", "items"),
    [
        ({"resources": {"storage_max": "10M"}}, ["`runtime_config.resources.storage_mb_max`"]),
        ({"resources": {"memory_max": "10M"}}, []),
        (
            {"fault_tolerance": {"model": "none", "checkpoint_interval": "5s"}},
            ["`runtime_config.fault_tolerance`"],
        ),
        ({"fault_tolerance": {"model": "none", "checkpoint_interval": "1m"}}, []),
    ],
)
def test_storage_restricted_changes_with_new_spellings(changes, items):
    old = normalize_runtime_config({})
    new = normalize_runtime_config(changes)
    assert storage_restricted_changes(old, new) == items
    assert storage_restricted_changes(new, old) == items
