"""The README stays true: the quick start, the settings table, CI's command, and lint."""

import re
import subprocess
import sys

from app.config import SETTINGS
from tests.server import ROOT

README = (ROOT / "README.md").read_text()


def quick_start_commands() -> list[str]:
    """Return the shell commands of the Quick start section."""
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_quick_start_has_exactly_two_commands():
    commands = quick_start_commands()
    assert len(commands) == 2
    assert "pipeline-store serve" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command():
    assert quick_start_commands()[1] in (ROOT / ".ci" / "run").read_text()


def test_every_setting_is_documented():
    for key in SETTINGS:
        assert f"| `{key}` |" in README, key


def test_ruff_is_clean():
    for args in (["check", "."], ["format", "--check", "."]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr
