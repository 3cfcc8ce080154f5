"""The settings table as one declarative schema: types, ranges and enums, checked at start.

`create_app` loads the layers (defaults, instance/config.py, PIPELINE_STORE_* variables, test
overrides), then `apply` checks the merged result and stores the normalised values. A problem
stops the app with one `SettingsError` line naming the setting, the value and what is allowed.
"""

from __future__ import annotations

import difflib
import pathlib
from collections.abc import Iterable
from collections.abc import Mapping

from marshmallow import Schema
from marshmallow import ValidationError
from marshmallow import fields
from marshmallow import validates_schema
from marshmallow.validate import Length
from marshmallow.validate import OneOf
from marshmallow.validate import Range

from app.auth import MODES
from app.auth import oidc_provider
from app.auth.roles import PRINCIPAL_ROLES
from app.config import EDITIONS
from app.config import EXAMPLE_SECRET_KEY
from app.config import LOG_FORMATS
from app.config import LOG_LEVELS
from app.config import MIN_SECRET_BYTES
from app.config import SETTINGS

ENV_PREFIX = "PIPELINE_STORE_"
# Read by create_app itself before the layers (the folder the instance file lives in).
ENV_ONLY = ("INSTANCE_PATH",)
# Settings whose values never appear in an error message.
SECRETS = ("SECRET_KEY", "JWT_SECRET")


class SettingsError(ValueError):
    """A setting the server cannot start with; the message is one line for the operator."""


class Text(fields.String):
    """A string; numbers are taken as their text (environment values are parsed as JSON)."""

    default_error_messages = {"invalid": "a string", "null": "a string"}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        return super()._deserialize(value, attr, data, **kwargs)


class Names(fields.Field):
    """Comma-separated names or a list of them (CORS_ORIGINS, ALLOWED_HOSTS)."""

    default_error_messages = {
        "invalid": "a comma-separated string or a list of strings",
        "null": "a comma-separated string or a list of strings",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            return value
        if isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
            return list(value)
        raise self.make_error("invalid")


class Choice(fields.String):
    """One of a few words, compared case-insensitively; stored in its canonical spelling."""

    def __init__(self, choices: Iterable[str], **kwargs):
        self.choices = tuple(choices)
        allowed = one_of(self.choices)
        super().__init__(
            validate=OneOf(self.choices, error=allowed),
            error_messages={"invalid": allowed, "null": allowed},
            **kwargs,
        )

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        return next((c for c in self.choices if c.lower() == text.lower()), text)


def one_of(choices: Iterable[str]) -> str:
    """Say which words are allowed."""
    return "one of " + ", ".join(repr(choice) for choice in choices)


def seconds(minimum: float = 0, exclusive: bool = False) -> fields.Float:
    """A finite number of seconds (`at least` or `more than` the minimum)."""
    allowed = f"a number {'more than' if exclusive else 'at least'} {minimum:g}"
    return fields.Float(
        allow_nan=False,
        validate=Range(min=minimum, min_inclusive=not exclusive, error=allowed),
        error_messages={key: allowed for key in ("invalid", "special", "too_large", "null")},
    )


def integer(minimum: int) -> fields.Integer:
    """A whole number of at least `minimum`."""
    allowed = f"an integer of at least {minimum}"
    return fields.Integer(
        strict=True,
        validate=Range(min=minimum, error=allowed),
        error_messages={key: allowed for key in ("invalid", "too_large", "null")},
    )


def check_oidc_provider(value) -> None:
    """The authentication module's own check of OIDC_PROVIDER, as a validation error."""
    try:
        oidc_provider(value)
    except ValueError as exc:
        reason = str(exc).removeprefix("OIDC_PROVIDER ").removeprefix("must be ")
        raise ValidationError(f"a valid provider ({reason})") from None


def check_public_key(value: str) -> None:
    """PEM text, or the path of a readable file."""
    if value and not value.lstrip().startswith("-----BEGIN") and not pathlib.Path(value).is_file():
        raise ValidationError("PEM text or the path of an existing PEM file")


def check_jwt_secret(value: str) -> None:
    """Empty (HS256 refused), or at least MIN_SECRET_BYTES bytes."""
    if value and len(value.encode()) < MIN_SECRET_BYTES:
        raise ValidationError(f"empty, or at least {MIN_SECRET_BYTES} bytes")


class SettingsSchema(Schema):
    """Every setting of app/config.py's SETTINGS, with what it may hold."""

    DATABASE = Text(validate=Length(min=1, error="a file name or path"))
    SECRET_KEY = Text(validate=Length(min=1, error="a non-empty string"))
    EDITION = Choice(EDITIONS)
    PLATFORM_VERSION = Text(validate=Length(min=1, error="a version such as 0.369.0"))
    BUSY_TIMEOUT_MS = integer(0)
    INTEGRITY_CHECK_SECONDS = seconds()
    MAX_BODY_BYTES = integer(1)
    REQUEST_TIMEOUT_SECONDS = seconds(exclusive=True)
    AUTH = Choice(MODES)
    ADMIN_API = Choice(("auto", "on", "off"))
    JWT_SECRET = Text(validate=check_jwt_secret)
    JWT_PUBLIC_KEY = Text(validate=check_public_key)
    JWT_JWKS_URL = Text()
    JWT_ISSUER = Text()
    JWT_AUDIENCE = Text()
    JWT_ROLE_CLAIM = Text(validate=Length(min=1, error="a claim name such as role"))
    JWT_DEFAULT_ROLE = Choice(("", *PRINCIPAL_ROLES))
    OIDC_PROVIDER = fields.Raw(allow_none=True, validate=check_oidc_provider)
    CORS_ORIGINS = Names()
    ALLOWED_HOSTS = Names()
    COMPILE_BUDGET_SECONDS = seconds(exclusive=True)
    SIMULATION_SCALE = seconds()
    COMPILE_QUEUE_SECONDS = seconds()
    COMPILE_SQL_SECONDS = seconds()
    COMPILE_RUST_QUEUE_SECONDS = seconds()
    COMPILE_RUST_SECONDS = seconds()
    RUNNER_SECONDS = seconds()
    PROVISION_SECONDS = seconds()
    PROVISIONING_TIMEOUT_SECONDS = seconds()
    INITIALIZE_SECONDS = seconds()
    RUNTIME_CHANGE_SECONDS = seconds()
    BOOTSTRAP_SECONDS = seconds()
    SUSPEND_SECONDS = seconds()
    STOP_SECONDS = seconds()
    CLEAR_SECONDS = seconds()
    LOG_FORMAT = Choice(LOG_FORMATS)
    LOG_LEVEL = Choice(LOG_LEVELS)
    DATA_MAX_ROWS = integer(1)
    DATA_MAX_REQUEST_ROWS = integer(1)
    DATA_MAX_REQUEST_BYTES = integer(1)
    DATA_CACHE_PIPELINES = integer(1)
    INGRESS_PAUSED_WAIT_SECONDS = seconds()
    STREAM_FOLLOW_SECONDS = seconds()
    EGRESS_IDLE_SECONDS = seconds()

    @validates_schema
    def bearer_needs_a_secret_of_its_own(self, data, **_kwargs):
        """Bearer mode signs tokens with SECRET_KEY: a guessable one would let anyone in."""
        if data.get("AUTH") != "bearer":
            return
        secret = data.get("SECRET_KEY") or ""
        if len(secret.encode()) < MIN_SECRET_BYTES:
            raise ValidationError(
                f"at least {MIN_SECRET_BYTES} bytes with AUTH=bearer (make one with "
                "python3 -c 'import secrets; print(secrets.token_urlsafe(48))')",
                "SECRET_KEY",
            )
        if secret == EXAMPLE_SECRET_KEY:
            raise ValidationError(
                "a secret of your own with AUTH=bearer, not instance/config.example.py's",
                "SECRET_KEY",
            )


SCHEMA = SettingsSchema()


def apply(config: dict, new_keys: Iterable[str], environ: Mapping[str, str]) -> None:
    """Check the merged settings; store their normalised values, or raise SettingsError.

    `new_keys` are the keys the instance file and the environment added that Flask and the
    defaults do not know: each is an unknown setting (a typo, usually).
    """
    for key in sorted(set(new_keys) - set(ENV_ONLY)):
        raise SettingsError(unknown_key_message(key, environ))
    try:
        loaded = SCHEMA.load({key: config[key] for key in SETTINGS})
    except ValidationError as exc:
        raise SettingsError(invalid_message(exc.normalized_messages(), config)) from None
    config.update(loaded)


def unknown_key_message(key: str, environ: Mapping[str, str]) -> str:
    """Name the unknown key where the operator wrote it, and the closest known one."""
    from_env = ENV_PREFIX + key in environ
    prefix = ENV_PREFIX if from_env else ""
    where = "environment variable" if from_env else "setting in instance/config.py"
    close = difflib.get_close_matches(key, [*SETTINGS, *ENV_ONLY], n=1, cutoff=0.6)
    hint = f"did you mean {prefix}{close[0]}?" if close else "see the README's Configuration table"
    return f"unknown {where} {prefix}{key}: {hint}"


def invalid_message(messages: dict, config: Mapping) -> str:
    """One line: each bad setting (in table order), its value and what is allowed."""
    parts = []
    for key in SETTINGS:
        if key not in messages:
            continue
        allowed = "; ".join(flatten(messages[key]))
        parts.append(f"setting {key}={shown(key, config[key])} is not allowed: must be {allowed}")
    return " | ".join(parts)


def shown(key: str, value) -> str:
    """The value as the operator would recognise it; secrets only by their length."""
    if key in SECRETS and value:
        return f"<{len(str(value).encode())} bytes>"
    return repr(value)


def flatten(messages) -> list[str]:
    """marshmallow's messages (a list, or a dict of lists) as plain lines."""
    if isinstance(messages, dict):
        return [line for value in messages.values() for line in flatten(value)]
    if isinstance(messages, list):
        return [line for value in messages for line in flatten(value)]
    return [str(messages).rstrip(".")]
