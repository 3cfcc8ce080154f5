"""One JSON body parser: every route that takes a body refuses a bad one with the same words."""

import io

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

LIMIT = 100
# Every route with a JSON body, and a body it accepts.
ROUTES = [
    ("POST", "/v0/pipelines"),
    ("PUT", "/v0/pipelines/p1"),
    ("PATCH", "/v0/pipelines/p1"),
    ("POST", "/v0/api_keys"),
]


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


def test_duplicate_keys_are_refused_like_serde(client):
    found = answers(client, b'{"name": "p1", "name": "p2"}')
    message = "Json deserialize error: duplicate field `name` at line 1 column 21"
    assert found == {(400, "InvalidRequestBody", message)}
