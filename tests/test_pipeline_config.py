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
