"""Query strings loaded with a marshmallow schema, refused like webargs would refuse them."""

import functools
from urllib.parse import parse_qsl

from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields
from werkzeug.datastructures import MultiDict

from app.http.error_handlers import ARGUMENT_LOCATIONS
from app.http.error_handlers import first_message


def parse_query_string(query_string: bytes) -> MultiDict:
    """Parse a raw query string exactly as Flask's `request.args` does."""
    pairs = parse_qsl(query_string.decode(), keep_blank_values=True, errors="werkzeug.url_quote")
    return MultiDict(pairs)


# Polling clients send the same few query strings again and again, and loading is a pure
# function of the text: remember the last ones (errors are raised, never remembered).
@functools.lru_cache(maxsize=128)
def load_query(schema: Schema, query_string: bytes) -> tuple[tuple[str, object], ...]:
    """Load a query string with `schema`; a list field takes every value, others the first.

    Return the loaded (name, value) pairs, lists as tuples (the result is shared). Raise
    InvalidQueryParameter with webargs' message for a value the schema refuses.
    """
    args = parse_query_string(query_string)
    data = {}
    for name, field in schema.fields.items():
        key = field.data_key or name
        if key in args:
            data[key] = args.getlist(key) if isinstance(field, fields.List) else args[key]
    try:
        loaded = schema.load(data)
    except ValidationError as exc:
        cls, prefix = ARGUMENT_LOCATIONS["query"]
        raise cls(message=prefix + first_message(exc.messages, name_fields=False)) from None
    return tuple((name, tuple(v) if isinstance(v, list) else v) for name, v in loaded.items())
