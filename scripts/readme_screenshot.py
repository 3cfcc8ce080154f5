"""Take the README's screenshot of the status page: `python scripts/readme_screenshot.py`.

Starts a server on a temporary instance (as the tests do), fills it with a few pipelines in
different states, and saves `docs/status-page.png` from headless Chromium (tests/browser.py).
"""

import pathlib
import sys
import tempfile
import time

import requests

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import chromium  # noqa: E402
from tests.server import gunicorn_server  # noqa: E402
from tests.simulation import PROGRAM  # noqa: E402

TARGET = ROOT / "docs" / "status-page.png"
PIPELINES = (
    ("orders", {"tags": ["prod", "sales"], "description": "Orders per hour"}, "start"),
    ("fraud-alerts", {"tags": ["prod"]}, "start?initial=paused"),
    ("nightly-report", {"tags": ["batch"]}, None),
    ("sessionize", {"program_code": PROGRAM + "\nCREATE VIEW w AS SELECT nope FROM t1;"}, None),
)


def main() -> None:
    """Seed a server, then screenshot its status page."""
    with tempfile.TemporaryDirectory() as folder:
        env = {"PIPELINE_STORE_SIMULATION_SCALE": "0"}
        with gunicorn_server(pathlib.Path(folder), workers=1, env=env) as (url, _log):
            for name, body, action in PIPELINES:
                payload = {"name": name, "program_code": PROGRAM, **body}
                requests.post(f"{url}/v0/pipelines", json=payload, timeout=10).raise_for_status()
                requests.get(f"{url}/v0/pipelines", timeout=10)  # compiles it
                if action:
                    requests.post(f"{url}/v0/pipelines/{name}/{action}", timeout=10)
            with chromium(width=1100, height=560) as driver:
                driver.get(f"{url}/")
                time.sleep(1)
                TARGET.parent.mkdir(exist_ok=True)
                driver.save_screenshot(str(TARGET))
    print(f"wrote {TARGET} ({TARGET.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
