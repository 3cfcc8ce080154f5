"""The app factory's configuration layers: defaults, instance file, environment, test overrides."""

from app import create_app


def test_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("PIPELINE_STORE_INSTANCE_PATH", str(tmp_path))
    app = create_app()
    assert not app.testing
    assert app.config["DATABASE"] == "pipelines.sqlite3"
    assert app.config["EDITION"] == "open-source"
    assert app.config["PLATFORM_VERSION"] == "0.369.0"
    assert (tmp_path / "pipelines.sqlite3").exists()


def test_layers_override_in_order(tmp_path, monkeypatch):
    monkeypatch.setenv("PIPELINE_STORE_INSTANCE_PATH", str(tmp_path))
    (tmp_path / "config.py").write_text('EDITION = "enterprise"\nPLATFORM_VERSION = "1.0.0"\n')
    monkeypatch.setenv("PIPELINE_STORE_PLATFORM_VERSION", "2.0.0")
    monkeypatch.setenv("PIPELINE_STORE_BUSY_TIMEOUT_MS", "1234")
    app = create_app({"DATABASE": str(tmp_path / "x.sqlite3")})
    assert app.config["EDITION"] == "enterprise"  # instance/config.py
    assert app.config["PLATFORM_VERSION"] == "2.0.0"  # environment beats the file
    assert app.config["BUSY_TIMEOUT_MS"] == 1234  # values are parsed as JSON
    assert app.config["DATABASE"] == str(tmp_path / "x.sqlite3")  # test overrides win


def test_testing_flag(app):
    assert app.testing


def test_openapi_document(client):
    spec = client.get("/openapi.json").get_json()
    list_op = spec["paths"]["/v0/pipelines"]["get"]
    assert list_op["operationId"] == "list_pipelines"
    selector = next(p for p in list_op["parameters"] if p["name"] == "selector")
    assert selector["schema"]["enum"] == ["all", "status", "status_with_connectors"]
    error = spec["components"]["schemas"]["ErrorResponse"]
    assert set(error["properties"]) == {"message", "error_code", "details"}
    for path in spec["paths"].values():
        for method, operation in path.items():
            if method == "parameters":
                continue
            assert operation["summary"]
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")) or status == "default":
                    if "$ref" in response:
                        response = spec["components"]["responses"][response["$ref"].split("/")[-1]]
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorResponse"}
    assert client.get("/docs").status_code == 200
