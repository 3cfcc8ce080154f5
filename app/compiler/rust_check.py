"""The simulated Rust phase: check udf_rust (tree-sitter) and udf_toml as cargo would fail.

Upstream places `udf_rust` as `src/udf.rs` and the generated stubs as `src/stubs.rs` of the
crate `feldera_pipe_pipeline_<id>_globals`, adds `udf_toml` to its Cargo.toml and runs cargo
(spec §3). A failure is cargo's exit code 101 with rustc's diagnostics on stderr, quoting the
offending lines; this module writes those diagnostics for the mistakes it can see.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass

import tree_sitter_rust
from tree_sitter import Language
from tree_sitter import Node
from tree_sitter import Parser

from app.compiler.udf import rust_type

_RUST = Language(tree_sitter_rust.language())
CARGO_FAILURE = 101
# Where upstream's compiler server keeps its cargo workspace (only shown in messages).
WORKSPACE = "/home/ubuntu/.feldera/compiler/rust-compilation"
NIL_ID = "00000000-0000-0000-0000-000000000000"


@dataclass(frozen=True)
class Udf:
    """A body-less CREATE FUNCTION: the Rust function the stubs call."""

    name: str
    params: list[tuple[str, dict]]


@dataclass(frozen=True)
class Diagnostic:
    """One rustc error: code (or ""), message, file, 1-based line/column, caret width, label."""

    code: str
    message: str
    file: str
    line: int
    column: int
    width: int
    label: str = ""


def crate_name(pipeline_id: str | None) -> str:
    """The globals crate of a pipeline (its id with "-" replaced by "_")."""
    return f"feldera_pipe_pipeline_{(pipeline_id or NIL_ID).replace('-', '_')}_globals"


def rust_compilation(
    udfs: list[Udf], stubs: str, udf_rust: str, udf_toml: str, pipeline_id: str | None = None
) -> dict | None:
    """Return the failed `rust_compilation` cargo would report, or None when it would build."""
    crate = crate_name(pipeline_id)
    path = f"{WORKSPACE}/crates/{crate}"
    manifest = _manifest_error(udf_toml, path)
    if manifest is not None:
        return {"exit_code": CARGO_FAILURE, "stdout": "", "stderr": manifest}
    diagnostics = _diagnostics(udfs, stubs, udf_rust)
    if not diagnostics:
        return None
    sources = {"udf.rs": udf_rust, "stubs.rs": stubs}
    blocks = [_render(d, f"crates/{crate}/src", sources[d.file]) for d in diagnostics]
    stderr = f"   Compiling {crate} v0.1.0 ({path})\n" + "".join(blocks)
    stderr += _explain([d.code for d in diagnostics if d.code])
    count = len(diagnostics)
    plural = "error" if count == 1 else "errors"
    stderr += f"error: could not compile `{crate}` (lib) due to {count} previous {plural}\n"
    return {"exit_code": CARGO_FAILURE, "stdout": "", "stderr": stderr}


def _manifest_error(udf_toml: str, path: str) -> str | None:
    try:
        tomllib.loads(udf_toml)
    except tomllib.TOMLDecodeError as err:
        found = re.search(r"\(at line (\d+), column (\d+)\)", str(err))
        where = f"TOML parse error at line {found[1]}, column {found[2]}\n" if found else ""
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(err))
        return (
            f"error: failed to parse manifest at `{path}/Cargo.toml`\n\nCaused by:\n"
            f"  {where}  {reason}\n"
        )
    return None


def _diagnostics(udfs: list[Udf], stubs: str, udf_rust: str) -> list[Diagnostic]:
    """Syntax errors stop rustc before name resolution, as they do here."""
    source = udf_rust.encode()
    tree = Parser(_RUST).parse(source)
    if tree.root_node.has_error:
        return [_syntax_error(tree.root_node, udf_rust)]
    found = _macro_errors(tree.root_node, udf_rust)
    functions = {
        _text(item.child_by_field_name("name")): item
        for item in tree.root_node.children
        if item.type == "function_item" and item.child_by_field_name("name") is not None
    }
    for udf in udfs:
        line, column = _stub_call(stubs, udf.name)
        item = functions.get(udf.name)
        if item is None:
            message = f"cannot find function `{udf.name}` in module `udf`"
            found.append(
                Diagnostic(
                    "E0425", message, "stubs.rs", line, column, len(udf.name), "not found in `udf`"
                )
            )
            continue
        if not any(c.type == "visibility_modifier" for c in item.children):
            message = f"function `{udf.name}` is private"
            found.append(
                Diagnostic(
                    "E0603", message, "stubs.rs", line, column, len(udf.name), "private function"
                )
            )
            continue
        found.extend(_signature(udf, item, line, column))
    return found


def _signature(udf: Udf, item: Node, line: int, column: int) -> list[Diagnostic]:
    params = [p for p in item.child_by_field_name("parameters").children if p.type == "parameter"]
    if len(params) != len(udf.params):
        want, given = len(params), len(udf.params)
        message = (
            f"this function takes {want} argument{'s' * (want != 1)} but {given} "
            f"argument{'s' * (given != 1)} {'was' if given == 1 else 'were'} supplied"
        )
        label = f"expected {want} argument{'s' * (want != 1)}"
        return [Diagnostic("E0061", message, "stubs.rs", line, column, len(udf.name), label)]
    out = []
    for i, (param, (name, ctype)) in enumerate(zip(params, udf.params, strict=True)):
        declared = _plain_type(_text(param.child_by_field_name("type")))
        passed = _plain_type(rust_type(ctype))
        if declared is None or passed is None or declared == passed:
            continue
        label = f"expected `{declared}`, found `{passed}`"
        # The stub passes one argument per line, indented by 8.
        out.append(Diagnostic("E0308", "mismatched types", "stubs.rs", line + 1 + i, 9,
                              len(name), label))  # fmt: skip
    return out


def _plain_type(text: str | None) -> str | None:
    """A type with paths dropped (`feldera_sqllib::F64` is `F64`); None for generic forms."""
    if text is None or any(word in text for word in ("impl", "dyn", "'", "&", "(")):
        return None
    return re.sub(r"\b[A-Za-z_]\w*::", "", re.sub(r"\s+", "", text)).replace(",", ", ")


def _stub_call(stubs: str, name: str) -> tuple[int, int]:
    """Line and column of `name` in the stub's `udf::<name>(` call."""
    needle = f"    udf::{name}("
    for number, text in enumerate(stubs.splitlines(), start=1):
        if text == needle:
            return number, len("    udf::") + 1
    return 1, 1


def _syntax_error(root: Node, text: str) -> Diagnostic:
    stack = [root]
    while stack:
        node = stack.pop()
        if node.is_missing:
            line, column = _position(text, node)
            message = f"expected `{node.type}`"
            return Diagnostic("", message, "udf.rs", line, column, 1, f"expected `{node.type}`")
        if node.is_error:
            line, column = _position(text, node)
            first = node
            while first.children:
                first = first.children[0]
            token = _text(first) or node.type
            wanted = (
                "item"
                if node.parent is None or node.parent.type == "source_file"
                else ("expression")
            )
            message = f"expected {wanted}, found `{token}`"
            return Diagnostic("", message, "udf.rs", line, column, max(1, len(token)),
                              f"expected {wanted}")  # fmt: skip
        stack.extend(reversed(node.children))
    line, column = _position(text, root)
    return Diagnostic("", "expected item", "udf.rs", line, column, 1)


def _macro_errors(root: Node, text: str) -> list[Diagnostic]:
    """`compile_error!("...")` anywhere in udf.rs fails the build with its message."""
    found = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "macro_invocation" and _text(node.children[0]) == "compile_error":
            content = next((_text(n) for n in _descendants(node) if n.type == "string_content"), "")
            line, column = _position(text, node)
            width = node.end_point.column - node.start_point.column
            if node.end_point.row != node.start_point.row:
                width = 1
            found.append(Diagnostic("", content, "udf.rs", line, column, max(1, width)))
        stack.extend(reversed(node.children))
    return found


def _descendants(node: Node):
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def _text(node: Node | None) -> str:
    return "" if node is None or node.text is None else node.text.decode(errors="replace")


def _position(text: str, node: Node) -> tuple[int, int]:
    """1-based line and character column of a node (tree-sitter counts bytes)."""
    row, byte_column = node.start_point.row, node.start_point.column
    lines = text.split("\n")
    prefix = lines[row].encode()[:byte_column] if row < len(lines) else b""
    return row + 1, len(prefix.decode(errors="replace")) + 1


def _render(d: Diagnostic, directory: str, source: str) -> str:
    """One rustc diagnostic block, followed by a blank line."""
    lines = source.split("\n")
    quoted = lines[d.line - 1] if d.line - 1 < len(lines) else ""
    number = str(d.line)
    pad = " " * len(number)
    head = f"error[{d.code}]" if d.code else "error"
    carets = "^" * d.width + (f" {d.label}" if d.label else "")
    return (
        f"{head}: {d.message}\n"
        f"{pad}--> {directory}/{d.file}:{d.line}:{d.column}\n"
        f"{pad} |\n"
        f"{number} | {quoted}\n"
        f"{pad} | {' ' * (d.column - 1)}{carets}\n\n"
    )


def _explain(codes: list[str]) -> str:
    unique = sorted(set(codes))
    if not unique:
        return ""
    if len(unique) == 1:
        return f"For more information about this error, try `rustc --explain {unique[0]}`.\n"
    return (
        f"Some errors have detailed explanations: {', '.join(unique)}.\n"
        f"For more information about an error, try `rustc --explain {unique[0]}`.\n"
    )
