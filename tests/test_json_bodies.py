"""One JSON body parser: every route that takes a body refuses a bad one with the same words."""

import io
import re
import tempfile

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from app import create_app

LIMIT = 100


def body_routes() -> list[tuple[str, str]]:
    """Every (method, path) of the app's own OpenAPI document that takes a JSON body."""
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"TESTING": True, "DATABASE": f"{folder}/p.sqlite3"})
        spec = app.test_client().get("/openapi.json")
    return [
        (method.upper(), re.sub(r"\{[^}]+\}", "p1", path))
        for path, item in spec.get_json()["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "requestBody" in operation
    ]


ROUTES = body_routes()


def test_every_body_route_is_covered():
    assert ("POST", "/v0/validate_program") in ROUTES
    assert len(ROUTES) >= 5


@pytest.fixture
def small_app(app):
    """The app with a tiny body limit, so oversized bodies are cheap to make."""
    app.config.update(MAX_BODY_BYTES=LIMIT)
    return app


def answers(client, data: bytes, content_type: str = "application/json") -> set[tuple]:
    """(status, error_code, message) of every body route for the same body."""
    found = set()
    for method, path in ROUTES:
        response = client.open(path, method=method, data=data, content_type=content_type)
        body = response.get_json()
        found.add((response.status_code, body["error_code"], body["message"]))
    return found


def test_oversized_bodies(small_app):
    data = b'{"name": "' + b"x" * 200 + b'"}'
    assert answers(small_app.test_client(), data) == {
        (
            413,
            "PayloadTooLarge",
            f"JSON payload ({len(data)} bytes) is larger than allowed (limit: {LIMIT} bytes).",
        )
    }


def test_oversized_chunked_bodies(small_app):
    client = small_app.test_client()
    data = b'{"name": "' + b"x" * 200 + b'"}'
    for method, path in ROUTES:
        builder = EnvironBuilder(
            path=path, method=method, input_stream=io.BytesIO(data), content_type="application/json"
        )
        environ = builder.get_environ()
        # No Content-Length: like a chunked upload, the size is known only once read.
        del environ["CONTENT_LENGTH"]
        environ["wsgi.input_terminated"] = True
        response = client.open(Request(environ))
        assert response.status_code == 413, (path, response.get_data())
        assert response.get_json()["message"] == (
            f"JSON payload has exceeded limit ({LIMIT} bytes)."
        )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"a"', "Json deserialize error: EOF while parsing an object at line 1 column 4"),
        (b'{"name": "p1",}', "Json deserialize error: trailing comma at line 1 column 15"),
        (b'{"tags": [1,]}', "Json deserialize error: trailing comma at line 1 column 13"),
        (b"", "Json deserialize error: EOF while parsing a value at line 1 column 0"),
    ],
)
def test_malformed_bodies(client, data, message):
    found = answers(client, data)
    assert len(found) == 1, found
    assert found == {(400, "InvalidRequestBody", message)}


def test_wrong_content_type(client):
    assert answers(client, b'{"name": "p1"}', "text/plain") == {
        (400, "InvalidRequestBody", "Content type error")
    }


def test_duplicate_fields_are_refused_like_serde(client):
    for method, path in ROUTES:
        field = first_field(method, path)
        data = f'{{"{field}": "a", "{field}": "b"}}'
        response = client.open(path, method=method, data=data, content_type="application/json")
        # serde stops right after the repeated key's closing quote.
        column = len(f'{{"{field}": "a", "{field}"')
        assert response.status_code == 400, path
        assert response.get_json()["message"] == (
            f"Json deserialize error: duplicate field `{field}` at line 1 column {column}"
        )


def test_unknown_keys_may_repeat(client):
    data = '{"name": "p1", "program_code": "", "extra": 1, "extra": 2}'
    response = client.post("/v0/pipelines", data=data, content_type="application/json")
    assert response.status_code == 201


def first_field(method: str, path: str) -> str:
    """The first declared field of a route's request body."""
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"TESTING": True, "DATABASE": f"{folder}/p.sqlite3"})
        spec = app.test_client().get("/openapi.json").get_json()
    template = next(p for p in spec["paths"] if re.sub(r"\{[^}]+\}", "p1", p) == path)
    body = spec["paths"][template][method.lower()]["requestBody"]["content"]["application/json"]
    schema = body["schema"]
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].split("/")[-1]]
    return next(iter(schema["properties"]))
