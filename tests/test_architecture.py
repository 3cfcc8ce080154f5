"""The layering holds: route -> blueprint -> domain -> store, each error declared once."""

import ast
import pathlib
import re

from app.errors import catalogue

# What an error_code looks like (`DuplicateName`, `RuntimeError.WorkerPanic`).
CODE = re.compile(r"[A-Z][a-zA-Z]+(\.[A-Z][a-zA-Z]+)?")
APP = pathlib.Path(__file__).resolve().parent.parent / "app"


def imports(path: pathlib.Path) -> set[str]:
    """Every module a file imports (absolute names)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def modules(folder: str = "") -> list[pathlib.Path]:
    """The Python files of a package under app/."""
    return sorted((APP / folder).rglob("*.py"))


def test_the_store_imports_nothing_above_it():
    allowed = ("app.storage", "app.config", "app.timeutil")
    for path in modules("storage"):
        for name in imports(path):
            if name.startswith("app.") and not name.startswith(allowed):
                # `from app import storage` style names are fine only for allowed modules.
                raise AssertionError(f"{path.relative_to(APP)} imports {name}")


def test_only_the_store_speaks_sql():
    for path in modules():
        if "storage" in path.relative_to(APP).parts:
            continue
        names = imports(path)
        assert not names & {"sqlite3", "sqlite_utils"}, path


def test_no_blueprint_imports_another():
    for path in modules("blueprints"):
        if path.name == "__init__.py":
            continue  # the registry
        for name in imports(path):
            assert not name.startswith("app.blueprints"), f"{path.name} imports {name}"


def test_one_unit_of_work_opens_writes_with_the_simulation_caught_up():
    # Pipelines change only through catch_up.write(); these open plain write transactions for
    # what needs no catch-up: fixtures (import) and API keys.
    allowed = {APP / "pipelines" / "catch_up.py", APP / "pipelines" / "importer.py"}
    allowed.add(APP / "auth" / "api_keys.py")
    for path in modules():
        if path in allowed or "storage" in path.relative_to(APP).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                callee = ast.unparse(node.func.value)
                assert not (node.func.attr == "write" and callee.endswith("store")), path


def test_errors_are_declared_only_in_the_catalogue():
    for path in modules():
        if path == APP / "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                bases = {getattr(base, "id", getattr(base, "attr", "")) for base in node.bases}
                assert not bases & (set(catalogue()) | {"ApiError"}), (path, node.name)


def test_every_documented_error_code_is_in_the_catalogue(client):
    spec = client.get("/openapi.json").get_json()
    known = set(catalogue())
    documented = set()
    for item in spec["paths"].values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for status, response in operation.get("responses", {}).items():
                if status.startswith(("4", "5")):
                    text = response.get("description", "")
                    documented.update(part.split("`")[0] for part in text.split("`")[1::2])
    codes = {code for code in documented if CODE.fullmatch(code)}
    assert codes, "no error code documented"
    assert codes <= known, codes - known
