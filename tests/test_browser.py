"""The status page and Swagger UI in headless Chromium against a real gunicorn server."""

import time

import pytest
import requests

from app import create_app
from tests.browser import chromium
from tests.browser import require_chromium
from tests.browser import screenshot
from tests.server import ROOT
from tests.server import SECRET_KEY
from tests.server import gunicorn_server
from tests.simulation import PROGRAM

WAIT = 20  # seconds any page may take to show what it should (a loaded 2-core machine)
BROKEN = "CREATE TABLE t (x INT);\nCREATE VIEW v AS SELECT nope FROM t;"


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module's tests."""
    require_chromium()
    with chromium() as driver:
        yield driver


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """gunicorn with AUTH=none and immediate transitions, holding three pipelines."""
    instance = tmp_path_factory.mktemp("browser") / "instance"
    with gunicorn_server(instance, env={"PIPELINE_STORE_SIMULATION_SCALE": "0"}) as (url, log):
        for name, body in (
            ("orders", {"program_code": PROGRAM, "tags": ["prod", "sales"]}),
            ("broken", {"program_code": BROKEN}),
            ("staging", {"program_code": PROGRAM, "tags": ["staging"]}),
        ):
            created = requests.post(f"{url}/v0/pipelines", json={"name": name, **body}, timeout=10)
            assert created.status_code == 201, created.text
        requests.get(f"{url}/v0/pipelines", timeout=10)  # compiles them
        assert requests.post(f"{url}/v0/pipelines/orders/start", timeout=10).status_code == 202
        yield url, log


def wait_for_text(driver, *expected: str, absent: str | None = None) -> str:
    """Wait until the page's visible text has every expected string; return the text."""
    deadline = time.monotonic() + WAIT
    while True:
        shown = driver.execute_script("return document.body.innerText")
        if all(item in shown for item in expected) and (absent is None or absent not in shown):
            return shown
        if time.monotonic() > deadline:
            raise AssertionError(f"never showed {expected} (absent: {absent!r}):\n{shown}")
        time.sleep(0.1)


def assert_png(path, expected_text: str, shown: str) -> None:
    """A real screenshot, taken while the page showed the text."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 10_000, len(data)  # a rendered page, not a blank image
    assert expected_text in shown


def visible_rows(driver) -> list[str]:
    """Names of the table rows the filter leaves visible."""
    return driver.execute_script(
        "return [...document.querySelectorAll('tr[data-name]')]"
        ".filter(r => !r.hidden).map(r => r.dataset.name)"
    )


def test_status_page(browser, server, tmp_path):
    url, _log = server
    browser.get(f"{url}/")
    shown = wait_for_text(browser, "orders", "broken", "staging", "Running", "SqlError")
    assert_png(screenshot(browser, tmp_path, "index"), "Running", shown)

    filter_box = browser.find_element("id", "filter")
    filter_box.send_keys("prod")
    assert visible_rows(browser) == ["orders"]
    filter_box.clear()
    filter_box.send_keys("stag")  # a tag or a name
    assert visible_rows(browser) == ["staging"]


def test_pipeline_page(browser, server, tmp_path):
    url, _log = server
    browser.get(f"{url}/pipelines/broken")
    shown = wait_for_text(browser, "Column 'nope' not found", "CREATE VIEW v AS SELECT nope")
    assert "Runtime config" in shown and "Recent events" in shown
    assert_png(screenshot(browser, tmp_path, "broken"), "SqlError", shown)

    browser.get(f"{url}/pipelines/orders")
    shown = wait_for_text(browser, "table t1", "INTEGER NOT NULL", "view v1 materialized")
    assert_png(screenshot(browser, tmp_path, "orders"), "Running", shown)


def test_the_page_refreshes_itself_and_idles_cheaply(browser, server):
    url, log = server
    browser.get(f"{url}/")
    wait_for_text(browser, "orders")
    body = {"name": "newcomer", "program_code": PROGRAM}
    assert requests.post(f"{url}/v0/pipelines", json=body, timeout=10).status_code == 201
    wait_for_text(browser, "newcomer")  # no reload: the poll noticed, the part was fetched

    # Idle: the page keeps polling the list but fetches its part only on a change.
    before = log.read_text().splitlines()
    time.sleep(5)
    during = log.read_text().splitlines()[len(before) :]
    polls = [line for line in during if "/v0/pipelines?selector=status" in line]
    assert len(polls) >= 1, during
    assert not [line for line in during if "/ui/pipelines" in line], during
    # The page revalidates with the list's ETag: an unchanged list costs a bodiless 304.
    assert requests.get(f"{url}/v0/pipelines?selector=status", timeout=10).headers["ETag"]
    assert all(line.endswith(" 304") for line in polls), polls


def test_swagger_ui_works_offline(browser, server, tmp_path):
    url, _log = server
    browser.get(f"{url}/docs")
    shown = wait_for_text(browser, "/v0/pipelines", "/v0/pipelines/{pipeline_name}")
    operations = browser.execute_script("return document.querySelectorAll('.opblock').length")
    assert operations >= 20, operations
    assert_png(screenshot(browser, tmp_path, "docs"), "/v0/pipelines", shown)


@pytest.fixture(scope="module")
def bearer_server(tmp_path_factory):
    """gunicorn with AUTH=bearer; yields the URL and a read key."""
    instance = tmp_path_factory.mktemp("bearer") / "instance"
    app = create_app({"DATABASE": str(instance / "pipelines.sqlite3"), "SECRET_KEY": SECRET_KEY})
    key = app.test_cli_runner().invoke(args=["api-key", "create", "viewer"]).stdout.strip()
    writer = app.test_cli_runner().invoke(args=["api-key", "create", "w", "--role", "write"])
    env = {"PIPELINE_STORE_AUTH": "bearer", "PIPELINE_STORE_SIMULATION_SCALE": "0"}
    with gunicorn_server(instance, env=env, log_name="bearer") as (url, _log):
        headers = {"Authorization": f"Bearer {writer.stdout.strip()}"}
        body = {"name": "guarded", "program_code": PROGRAM}
        created = requests.post(f"{url}/v0/pipelines", json=body, headers=headers, timeout=10)
        assert created.status_code == 201
        yield url, key


def test_bearer_mode_asks_for_a_token_and_keeps_it_in_the_session(browser, bearer_server, tmp_path):
    url, key = bearer_server
    browser.get(f"{url}/")
    shown = wait_for_text(browser, "needs a bearer token", absent="guarded")
    assert_png(screenshot(browser, tmp_path, "token"), "bearer token", shown)

    browser.find_element("id", "token").send_keys("apikey:not-a-key")
    browser.find_element("css selector", "#token-form button").click()
    wait_for_text(browser, "Unauthorized API key", absent="guarded")

    browser.find_element("id", "token").send_keys(key)
    browser.find_element("css selector", "#token-form button").click()
    wait_for_text(browser, "guarded", "Success")
    stored = browser.execute_script(
        "return [sessionStorage.getItem('pipeline-store.token'), localStorage.length,"
        " document.cookie]"
    )
    assert stored == [key, 0, ""]

    browser.get(f"{url}/pipelines/guarded")  # the session carries it to the next page
    wait_for_text(browser, "table t1")
    browser.find_element("id", "sign-out").click()
    wait_for_text(browser, "needs a bearer token", absent="table t1")
    assert browser.execute_script("return sessionStorage.length") == 0


@pytest.mark.parametrize(
    "ci, outcome", [("", pytest.skip.Exception), ("true", pytest.fail.Exception)]
)
def test_without_chromium_a_developer_skips_and_ci_fails(monkeypatch, ci, outcome):
    monkeypatch.setattr("tests.browser.CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="apt-get install chromium chromium-driver"):
        require_chromium()


def test_ci_installs_chromium_when_missing():
    script = (ROOT / ".ci" / "run").read_text()
    assert "apt-get install -y -q chromium chromium-driver" in script
    assert script.index("chromium-driver") < script.index("pytest")
