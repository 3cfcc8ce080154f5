"""Self-issued expiring bearer tokens (`pstoken:…`), signed with the instance's SECRET_KEY."""

import time

from itsdangerous import BadSignature
from itsdangerous import URLSafeTimedSerializer

from app.auth.roles import PRINCIPAL_ROLES
from app.pipeline_config.units import parse_duration_nanos

TOKEN_PREFIX = "pstoken:"
SALT = "pipeline-store.token"


class InvalidToken(Exception):
    """The token is malformed, tampered with, or expired."""


def serializer(secret_key: str) -> URLSafeTimedSerializer:
    """Return the signer every worker derives from the same secret."""
    return URLSafeTimedSerializer(secret_key, salt=SALT)


def issue_token(secret_key: str, role: str, expires_in: int, now: float | None = None) -> str:
    """Return a token granting `role` for `expires_in` seconds from `now`."""
    if role not in PRINCIPAL_ROLES:
        raise ValueError(f"role must be one of {', '.join(PRINCIPAL_ROLES)}")
    if expires_in <= 0:
        raise ValueError("expires_in must be positive")
    issued = int(time.time() if now is None else now)
    payload = {"role": role, "iat": issued, "exp": issued + expires_in}
    return TOKEN_PREFIX + serializer(secret_key).dumps(payload)


def verify_token(secret_key: str, token: str, now: float | None = None) -> dict:
    """Return the payload (`role`, `iat`, `exp`) of a valid token, or raise InvalidToken."""
    try:
        payload = serializer(secret_key).loads(token.removeprefix(TOKEN_PREFIX))
    except BadSignature as exc:
        raise InvalidToken("invalid signature") from exc
    if not isinstance(payload, dict) or payload.get("role") not in PRINCIPAL_ROLES:
        raise InvalidToken("malformed payload")
    # The expiry lives in the signed payload, so each token carries its own lifetime.
    expiry = payload.get("exp")
    if not isinstance(expiry, int) or (time.time() if now is None else now) >= expiry:
        raise InvalidToken("expired")
    return payload


def parse_duration(text: str) -> int:
    """Parse `90`, `30s`, `15m`, `12h` or `7d` (runtime_config's grammar) into whole seconds."""
    text = text.strip()
    try:
        # A bare number counts seconds here.
        nanos = parse_duration_nanos(text + "s" if text.isdigit() else text)
    except ValueError as exc:
        raise ValueError(f"invalid duration {text!r}: {exc}") from None
    if nanos < 1_000_000_000:
        raise ValueError(f"invalid duration {text!r}: it must be at least one second")
    return nanos // 1_000_000_000
