"""Property test: every admin operation of /openapi.json answers as documented, never a 5xx."""

from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis.errors import Unsatisfiable
from schemathesis.specs.openapi.checks import response_schema_conformance
from schemathesis.specs.openapi.checks import status_code_conformance

from tests.test_crud_fuzz import NEGATIVE
from tests.test_crud_fuzz import POSITIVE
from tests.test_crud_fuzz import app  # noqa: F401  (the fixture)
from tests.test_crud_fuzz import cases
from tests.test_crud_fuzz import load_schema


def test_every_admin_operation(app):  # noqa: F811
    schema = load_schema(app)
    swept = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if not operation.path.startswith("/__admin"):
            continue
        for mode in (POSITIVE, NEGATIVE):

            @given(case=cases(operation, mode))
            @settings(
                max_examples=8,
                deadline=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            def call(case):
                response = case.call()
                assert response.status_code < 500, response.text
                case.validate_response(
                    response, checks=[response_schema_conformance, status_code_conformance]
                )

            try:
                call()
            except Unsatisfiable:
                assert mode is NEGATIVE
        swept.append(operation.path)
    assert "/__admin/faults" in swept
    assert "/__admin/snapshots/{name}/restore" in swept
