"""Programs without a pipeline: `POST /v0/validate_program` compiles SQL and reports."""

import json

from app import errors
from app.compiler.validate_program import validate_program
from app.http.api import Blueprint
from app.http.api import json_response
from app.http.context import settings
from app.schemas.programs import ValidateProgramRequestSchema

blp = Blueprint(
    "programs",
    __name__,
    url_prefix="/v0",
    description="Validate SQL programs (simulated compiler).",
)


@blp.route("/validate_program", methods=["POST"])
@blp.doc(operationId="validate_program")
@blp.arguments(ValidateProgramRequestSchema)
@blp.response(200, {"type": "object"}, description="`Success`, `SqlError` or `SystemError`.")
@blp.errors(
    errors.InvalidRequestBody,
    errors.InvalidRuntimeVersion,
    errors.PayloadTooLarge,
    errors.CompilerTimeout,
)
def validate(body):
    """Validate a program

    Required role: `write`. Compiles the SQL only (no Rust, no pipeline) with the simulated
    compiler. SQL errors are a 200 `SqlError` with the compiler's messages, warnings included;
    warnings are not returned on success, as upstream.
    """
    result = validate_program(
        body["program_code"],
        body["runtime_version"],
        body["ir"],
        deadline_seconds=settings().simulation.compile_budget_seconds,
    )
    return json_response(json.dumps(result))
