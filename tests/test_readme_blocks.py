"""Housekeeping: the README's blocks after the Quick start work as written; the license is there."""

import os
import pathlib
import re
import stat
import subprocess
import sys
import tomllib

from tests.server import ROOT

README = (ROOT / "README.md").read_text()
AFTER_QUICK_START = README.split("## Quick start", 1)[1].split("\n## ", 1)[1]
ACTIVATE = ". .venv/bin/activate"


def blocks(text: str) -> list[str]:
    """The `sh` blocks of a README part."""
    return re.findall(r"```sh\n(.+?)\n```", text, re.DOTALL)


def test_the_license_is_apache_2_in_full():
    text = (ROOT / "LICENSE").read_text()
    assert text.split()[:4] == ["Apache", "License", "Version", "2.0,"]
    assert "END OF TERMS AND CONDITIONS" in text
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["license"] == "Apache-2.0"


def test_activating_the_venv_is_said_once_before_bare_commands():
    assert README.count(ACTIVATE) == 1
    bare = [block for block in blocks(AFTER_QUICK_START) if "pipeline-store " in block]
    assert bare, "no block runs pipeline-store after the Quick start"
    assert README.index(ACTIVATE) < README.index(bare[0])


def test_the_first_start_recipe_works_as_written(tmp_path):
    recipe = next(block for block in blocks(README) if "config.py" in block and "umask" in block)
    folder = tmp_path / "srv"
    # Run as written, but in a temporary folder and without starting the server at the end.
    script = recipe.replace("/srv/pipeline-store", str(folder))
    script = "\n".join(line for line in script.splitlines() if " serve " not in line)
    venv_bin = pathlib.Path(sys.executable).parent  # what `. .venv/bin/activate` puts first
    env = {**os.environ, "PATH": f"{venv_bin}{os.pathsep}{os.environ['PATH']}"}
    env.pop("PIPELINE_STORE_INSTANCE_PATH", None)
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].startswith("apikey:")
    config = folder / "config.py"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600  # it holds the secret
    assert 'AUTH = "bearer"' in config.read_text()


def test_the_screenshot_is_a_small_png():
    linked = re.search(r"!\[[^\]]+\]\(([^)]+\.png)\)", README)
    assert linked, "the README shows no screenshot"
    data = (ROOT / linked.group(1)).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) < 200_000, len(data)
