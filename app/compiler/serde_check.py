"""The manager's typed reading of `'connectors'` (serde_json into ConnectorConfig), serde's texts.

Each type checks a parsed JSON `Node` and returns the value upstream would serialize back
(defaults filled in, unknown keys of lenient structs dropped), or raises SerdeError with
serde's message and the offset serde_json reports it at.
"""

from __future__ import annotations

from app.compiler.json_text import Node
from app.serde_text import describe_value
from app.serde_text import one_of


class SerdeError(Exception):
    """A serde_json failure: its message and the text offset its position is taken from."""

    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.message = message
        self.offset = offset


def unexpected(node: Node) -> str:
    """serde_json's description of the value it did not expect."""
    containers = {"array": [], "object": {}}
    return describe_value(containers[node.kind] if node.kind in containers else node.value)


def _consumed(node: Node) -> int:
    """Where serde_json stands when it rejects a value: past a scalar, before a container."""
    return node.start if node.kind in ("array", "object") else node.end


def invalid_type(node: Node, expected: str) -> SerdeError:
    """serde's `invalid type: <value>, expected <what>`."""
    return SerdeError(f"invalid type: {unexpected(node)}, expected {expected}", _consumed(node))


class Type:
    """A Rust type serde deserializes into."""

    expecting = "a value"

    def check(self, node: Node):
        """Return the deserialized value; raise SerdeError."""
        raise NotImplementedError


class Any_(Type):
    """serde_json::Value: anything goes."""

    def check(self, node: Node):
        return to_python(node)


class Bool(Type):
    """A JSON boolean (Rust `bool`)."""

    expecting = "a boolean"

    def check(self, node: Node):
        if node.kind != "boolean":
            raise invalid_type(node, self.expecting)
        return node.value


class Unsigned(Type):
    """u32, u64 or usize."""

    def __init__(self, name: str = "u64", bits: int = 64):
        self.expecting = name
        self.limit = 2**bits

    def check(self, node: Node):
        if node.kind != "number" or isinstance(node.value, float):
            raise invalid_type(node, self.expecting)
        if not 0 <= node.value < self.limit:
            text = f"invalid value: integer `{node.value}`, expected {self.expecting}"
            raise SerdeError(text, node.end)
        return node.value


class Signed(Type):
    """A signed integer (Rust `i64`)."""

    expecting = "i64"

    def check(self, node: Node):
        if node.kind != "number" or isinstance(node.value, float):
            raise invalid_type(node, self.expecting)
        return node.value


class String(Type):
    """A JSON string (Rust `String`)."""

    expecting = "a string"

    def check(self, node: Node):
        if node.kind != "string":
            raise invalid_type(node, self.expecting)
        return node.value


class Optional(Type):
    """`Option<T>`: null, or the inner type."""

    def __init__(self, inner: Type):
        self.inner = inner
        self.expecting = inner.expecting

    def check(self, node: Node):
        return None if node.kind == "null" else self.inner.check(node)


class Seq(Type):
    """`Vec<T>`: a JSON array of the inner type."""

    expecting = "a sequence"

    def __init__(self, inner: Type):
        self.inner = inner

    def check(self, node: Node):
        if node.kind != "array":
            raise invalid_type(node, self.expecting)
        return [self.inner.check(item) for item in node.value]


class Map(Type):
    """`BTreeMap<String, T>`: a JSON object of the inner type."""

    expecting = "a map"

    def __init__(self, inner: Type):
        self.inner = inner

    def check(self, node: Node):
        if node.kind != "object":
            raise invalid_type(node, self.expecting)
        return {key.name: self.inner.check(value) for key, value in node.value}


class UnitEnum(Type):
    """An enum of unit variants, written as their names."""

    def __init__(self, name: str, variants: list[str]):
        self.expecting = f"enum {name}"
        self.variants = variants

    def check(self, node: Node):
        if node.kind != "string":
            raise invalid_type(node, self.expecting)
        if node.value not in self.variants:
            text = f"unknown variant `{node.value}`, expected {one_of(self.variants)}"
            raise SerdeError(text, node.end)
        return node.value


REQUIRED = object()  # the default of a field that must be given


class Struct(Type):
    """A derived struct: `fields` is [(name, type, default)], REQUIRED marking required ones.

    `flattened` fields come from a `#[serde(flatten)]` member: serde reads them from a
    buffer, so their errors point at the end of the whole object.
    """

    def __init__(self, name, fields, *, strict=False, flattened=(), after=None):
        self.expecting = f"struct {name}"
        self.fields = list(fields)
        self.strict = strict
        self.flattened = list(flattened)
        self.after = after  # where flattened fields go in the serialized order

    def check(self, node: Node):
        if node.kind != "object":
            raise invalid_type(node, self.expecting)
        types = {name: typ for name, typ, _ in self.fields}
        flat = {name: typ for name, typ, _ in self.flattened}
        given: dict = {}
        buffered: dict = {}
        for key, value in node.value:
            if key.name in types:
                if key.name in given:
                    raise SerdeError(f"duplicate field `{key.name}`", key.end)
                given[key.name] = types[key.name].check(value)
            elif key.name in flat:
                buffered[key.name] = value
            elif self.strict:
                names = [name for name, _, _ in self.fields]
                text = f"unknown field `{key.name}`, expected {one_of(names)}"
                raise SerdeError(text, key.end)
        # serde_json has consumed the closing brace when a missing field is noticed.
        for name, _, default in self.fields:
            if name not in given and default is REQUIRED:
                raise SerdeError(f"missing field `{name}`", node.end)
        for name, value in buffered.items():
            try:
                buffered[name] = flat[name].check(value)
            except SerdeError as err:
                raise SerdeError(err.message, node.end) from None
        out: dict = {}
        for name, _, default in self.fields:
            out[name] = given[name] if name in given else _default(default)
            if name == self.after:
                for flat_name, _, flat_default in self.flattened:
                    out[flat_name] = buffered.get(flat_name, _default(flat_default))
        return out


def _default(default):
    """A fresh copy of a default value (defaults are lists and dicts too)."""
    if callable(default):
        return default()
    return to_python_value(default)


def to_python_value(value):
    """Deep-copy plain JSON data."""
    if isinstance(value, dict):
        return {k: to_python_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_python_value(v) for v in value]
    return value


def to_python(node: Node):
    """The plain Python value of a JSON node."""
    if node.kind == "array":
        return [to_python(item) for item in node.value]
    if node.kind == "object":
        return {key.name: to_python(value) for key, value in node.value}
    return node.value


class AdjacentlyTagged(Type):
    """`#[serde(tag = "name", content = "config")]`: {"name": <variant>, "config": <content>}.

    `variants` maps each tag to the content's Type, or None for a unit variant.
    """

    def __init__(self, name: str, variants: dict[str, Type | None]):
        self.expecting = f"adjacently tagged enum {name}"
        self.variants = variants

    def check(self, node: Node):
        if node.kind != "object":
            raise invalid_type(node, self.expecting)
        tag, content, content_first = None, None, False
        for key, value in node.value:
            if key.name == "name":
                if value.kind != "string":
                    raise invalid_type(value, "variant identifier")
                if value.value not in self.variants:
                    expected = one_of(list(self.variants))
                    text = f"unknown variant `{value.value}`, expected {expected}"
                    raise SerdeError(text, value.end)
                tag = value.value
            elif key.name == "config":
                content, content_first = value, tag is None
        if tag is None:
            raise SerdeError("missing field `name`", node.end)
        inner = self.variants[tag]
        if inner is None:
            return {"name": tag}
        if content is None:
            raise SerdeError("missing field `config`", node.end)
        try:
            return {"name": tag, "config": inner.check(content)}
        except SerdeError as err:
            # Content seen before the tag was buffered: its errors lose their position.
            if content_first:
                raise SerdeError(err.message, node.end) from None
            raise
