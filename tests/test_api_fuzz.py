"""Property test: every operation of the app's own /openapi.json, beyond CRUD, never fails.

The CRUD operations get a larger budget in test_crud_fuzz.py; this sweeps the rest
(lifecycle actions, API keys, platform routes) for 5xx answers and off-spec responses.
"""

import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis.errors import Unsatisfiable
from schemathesis.specs.openapi.checks import response_schema_conformance
from schemathesis.specs.openapi.checks import status_code_conformance

from tests.test_crud_fuzz import EXISTING
from tests.test_crud_fuzz import NEGATIVE
from tests.test_crud_fuzz import POSITIVE
from tests.test_crud_fuzz import RUNS
from tests.test_crud_fuzz import app  # noqa: F401  (the fixture)
from tests.test_crud_fuzz import cases
from tests.test_crud_fuzz import load_schema

# 5xx answers upstream gives on purpose, each documented on its operation.
DELIBERATE = {
    500: {"SamplyProfilingFailure", "CheckpointFetchError"},
    501: {"EnterpriseFeature", "SingleTenant"},
    503: {"PipelineInteractionNotDeployed"},
}
COVERED_ELSEWHERE = {operation_id for operation_id, _, _ in RUNS}


# The sweep is split so pytest-xdist runs its parts side by side (it is the suite's longest).
SHARDS = 4


def operations_to_sweep(schema) -> list:
    """The operations this module sweeps: all but CRUD (test_crud_fuzz) and the admin API."""
    swept = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.definition.raw.get("operationId") in COVERED_ELSEWHERE:
            continue
        if operation.path.startswith("/__admin"):
            continue  # its fault rules break other answers on purpose: test_admin_fuzz.py
        swept.append(operation)
    return swept


def test_the_sweep_reaches_lifecycle_actions_and_api_keys(app):  # noqa: F811
    paths = {operation.path for operation in operations_to_sweep(load_schema(app))}
    assert any(path.endswith("/start") for path in paths)
    assert "/v0/api_keys" in paths


@pytest.mark.parametrize("shard", range(SHARDS))
def test_every_other_operation(app, shard):  # noqa: F811
    client = app.test_client()
    operations = operations_to_sweep(load_schema(app))[shard::SHARDS]
    assert operations
    for operation in operations:
        for mode in (POSITIVE, NEGATIVE):
            for name in EXISTING:
                client.post("/v0/pipelines", json={"name": name, "program_code": ""})

            @given(case=cases(operation, mode))
            @settings(
                max_examples=8,
                deadline=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            def call(case):
                response = case.call()
                if response.status_code >= 500:
                    code = response.json()["error_code"]
                    assert code in DELIBERATE.get(response.status_code, ()), response.text
                case.validate_response(
                    response, checks=[response_schema_conformance, status_code_conformance]
                )

            try:
                call()
            except Unsatisfiable:
                # Nothing to make invalid: the operation takes no input to negate.
                assert mode is NEGATIVE
