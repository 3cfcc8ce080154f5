"""Query strings of the monitor event routes."""

from marshmallow import Schema
from marshmallow import fields
from marshmallow import validate


class EventSelectorQuerySchema(Schema):
    """`?selector=` of the event routes: `status` (default) or `all`."""

    selector = fields.String(
        load_default="status",
        validate=validate.OneOf(
            ("all", "status"), error="unknown variant `{input}`, expected `all` or `status`"
        ),
        metadata={"description": "`status` (default) or `all` (adds the details fields)."},
    )
