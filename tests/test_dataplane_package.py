"""app/dataplane stays a pure package: no web framework, store or HTTP error imports."""

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "app" / "dataplane"
FORBIDDEN = ("flask", "werkzeug", "app.storage", "app.blueprints", "app.errors", "sqlite3")


def imported(path: pathlib.Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_module_is_pure_small_and_documented(path):
    modules = imported(path)
    assert not [m for m in modules if m.split(".")[0] in FORBIDDEN or m.startswith(FORBIDDEN)]
    assert len(path.read_text().splitlines()) < 400
    assert ast.get_docstring(ast.parse(path.read_text()))
