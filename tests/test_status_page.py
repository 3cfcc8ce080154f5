"""The status page as HTML: the table, a page per pipeline, bearer mode, offline API docs."""

import ast
import html as html_module
import pathlib
import re

import pytest

from app import create_app
from tests.simulation import PROGRAM
from tests.simulation import Simulation

APP = pathlib.Path(__file__).resolve().parent.parent / "app"
SECRET = "status-page-secret-of-32-bytes-or-more"
BROKEN = "CREATE TABLE t (x INT);\nCREATE VIEW v AS SELECT nope FROM t;"


@pytest.fixture
def sim(tmp_path):
    """Three pipelines: running (tagged), failed to compile, compiling."""
    sim = Simulation(tmp_path)
    sim.running("orders", tags=["prod", "sales"], description="Orders per hour")
    sim.at(16).create("broken", BROKEN)
    sim.at(30).get("broken")
    sim.create("fresh", PROGRAM)
    return sim


def text(html: str) -> str:
    """Visible text, roughly: tags removed, entities decoded, whitespace squeezed."""
    return " ".join(html_module.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_index_lists_pipelines_with_badges_and_tags(sim):
    response = sim.client.get("/")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    shown = text(html)
    for name in ("orders", "broken", "fresh", "prod", "sales", "Orders per hour"):
        assert name in shown
    assert '<span class="badge good">Running</span>' in html
    assert '<span class="badge bad">SqlError</span>' in html
    assert '<span class="badge busy">Pending</span>' in html
    assert 'data-name="orders" data-tags="prod sales"' in html
    assert 'href="/pipelines/broken"' in html
    # Polls the list endpoint and refreshes through the server-rendered part.
    assert 'data-poll="/v0/pipelines?selector=status"' in html
    assert 'data-fragment="/ui/pipelines"' in html


def test_last_change_is_the_latest_status_stamp(sim):
    html = sim.client.get("/").get_data(as_text=True)
    orders_row = html.split('data-name="orders"')[1].split("</tr>")[0]
    assert '<time datetime="2030-01-01T00:00:16Z">' in orders_row


def test_pipeline_page_shows_program_errors_schema_config_and_timeline(sim):
    html = sim.client.get("/pipelines/broken").get_data(as_text=True)
    shown = text(html)
    assert "Column 'nope' not found" in shown
    assert "2|CREATE VIEW v AS SELECT nope FROM t;" in shown  # the snippet
    assert "CREATE TABLE t (x INT);" in shown  # program code
    assert '"workers": 8' in shown  # runtime config
    assert "Known once the SQL has compiled." in shown

    html = sim.client.get("/pipelines/orders").get_data(as_text=True)
    shown = text(html)
    assert "table t1 id INTEGER NOT NULL name VARCHAR" in shown
    assert "view v1 materialized id INTEGER NOT NULL" in shown
    events = html.split('id="events"')[1]
    assert events.index("2030-01-01T00:00:16Z") < events.index("2030-01-01T00:00:08Z")


def test_user_text_is_escaped(tmp_path):
    sim = Simulation(tmp_path)
    sim.create("xss", "CREATE TABLE t (x INT); -- <script>alert(1)</script>")
    html = sim.client.get("/pipelines/xss").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)" in html


def test_unknown_pipeline_is_a_page_not_json(sim):
    response = sim.client.get("/pipelines/nowhere")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "No pipeline is named" in response.get_data(as_text=True)
    assert sim.client.get("/ui/pipelines/nowhere").status_code == 404


def test_fragments_are_the_server_rendered_parts(sim):
    part = sim.client.get("/ui/pipelines")
    assert part.headers["Cache-Control"] == "no-cache"
    assert "<html" not in part.get_data(as_text=True)
    assert 'data-name="broken"' in part.get_data(as_text=True)


def test_favicon_and_assets_are_served(sim):
    with sim.client.get("/favicon.ico") as icon:
        assert icon.mimetype == "image/svg+xml"
    with sim.client.get("/static/status/status.js") as script:
        assert script.status_code == 200


@pytest.fixture
def bearer_app(tmp_path):
    """Bearer mode with one read key."""
    app = create_app(
        {"TESTING": True, "DATABASE": str(tmp_path / "b.sqlite3"), "SECRET_KEY": SECRET}
        | {"AUTH": "bearer"}
    )
    cli = app.test_cli_runner()
    key = cli.invoke(args=["api-key", "create", "viewer"]).stdout.strip()
    writer = cli.invoke(args=["api-key", "create", "w", "--role", "write"]).stdout.strip()
    created = app.test_client().post(
        "/v0/pipelines",
        json={"name": "secretive", "program_code": PROGRAM},
        headers={"Authorization": f"Bearer {writer}"},
    )
    assert created.status_code == 201
    return app, key


def test_bearer_mode_serves_a_shell_without_data(bearer_app):
    app, _key = bearer_app
    html = app.test_client().get("/").get_data(as_text=True)
    assert 'id="token-form"' in html
    assert "secretive" not in html
    page = app.test_client().get("/pipelines/secretive").get_data(as_text=True)
    assert 'id="token-form"' in page
    assert "CREATE TABLE" not in page and "data-name" not in page


def test_bearer_mode_parts_need_a_token(bearer_app):
    app, key = bearer_app
    client = app.test_client()
    refused = client.get("/ui/pipelines")
    assert refused.status_code == 401
    assert refused.get_json()["error_code"] == "AuthenticationFailed"
    assert client.get("/ui/pipelines/secretive").status_code == 401
    wrong = client.get("/ui/pipelines", headers={"Authorization": "Bearer apikey:wrong"})
    assert wrong.status_code == 401
    allowed = client.get("/ui/pipelines", headers={"Authorization": f"Bearer {key}"})
    assert allowed.status_code == 200
    assert 'data-name="secretive"' in allowed.get_data(as_text=True)


def test_the_host_guard_covers_the_pages(sim):
    for path in ("/", "/ui/pipelines", "/pipelines/orders"):
        response = sim.client.get(path, headers={"Host": "rebound.example:8080"})
        assert response.status_code == 403, path
        assert response.get_json()["error_code"] == "HostNotAllowed"


def test_swagger_ui_is_served_from_the_package(client):
    html = client.get("/docs").get_data(as_text=True)
    assert "/docs/assets/swagger-ui-bundle.js" in html
    assert not re.search(r"(src|href)=\"https?://", html)
    with client.get("/docs/assets/swagger-ui-bundle.js") as bundle:
        assert bundle.status_code == 200
        assert b"SwaggerUIBundle" in bundle.data
    with client.get("/docs/assets/swagger-ui.css") as css:
        assert css.status_code == 200


def test_the_page_reads_through_the_domain_never_the_store():
    tree = ast.parse((APP / "blueprints" / "status_page.py").read_text())
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert "app.pipelines" in imported
    assert not {name for name in imported if name.startswith("app.storage")}
