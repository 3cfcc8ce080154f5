"""API keys as upstream makes them: `apikey:` + 128 random alphanumerics, kept only as a hash."""

import base64
import hashlib
import secrets
import string

from app.auth.roles import MINTABLE_ROLES
from app.auth.roles import rank
from app.errors import DuplicateName
from app.errors import Forbidden
from app.storage.api_keys import ApiKeyStore
from app.timeutil import uuid7
from app.validation import validate_name

API_KEY_PREFIX = "apikey:"
API_KEY_LENGTH = 128
ALPHABET = string.ascii_letters + string.digits
MAX_NAME_BYTES = 100
NAME_PATTERN = "^[a-zA-Z0-9_-]+$"
NAME_PATTERN_DESCRIPTION = (
    "only contain lowercase (a-z), uppercase (A-Z), number (0-9), "
    "underscore (_) or hyphen (-) characters"
)


def generate_api_key() -> str:
    """Return a new key drawn from the OS CSPRNG."""
    return API_KEY_PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(API_KEY_LENGTH))


def hash_api_key(key: str) -> str:
    """Return standard Base64 (padded, 44 chars) of SHA-256 over the full key, prefix included."""
    return base64.b64encode(hashlib.sha256(key.encode()).digest()).decode()


def check_mintable(requested: str, creator: str) -> None:
    """Raise RoleExceedsCreator or OwnerAdminNotMintableAsApiKey, in upstream's order."""
    if rank(requested) > rank(creator):
        raise Forbidden(
            f"Cannot grant the '{requested}' role: it exceeds the creator's own '{creator}' role",
            {"requested": requested, "creator": creator},
            "RoleExceedsCreator",
        )
    if requested not in MINTABLE_ROLES:
        raise Forbidden(
            f"The '{requested}' role cannot be granted to an API key: API keys carry "
            "only the 'read' or 'write' role",
            {"role": requested},
            "OwnerAdminNotMintableAsApiKey",
        )


def create_api_key(store: ApiKeyStore, tenant_id: str, name: str, role: str, creator: str):
    """Check role, name and uniqueness (upstream's order), store the hash; return (row, key)."""
    check_mintable(role, creator)
    validate_name(
        name,
        max_bytes=MAX_NAME_BYTES,
        pattern=NAME_PATTERN,
        pattern_description=NAME_PATTERN_DESCRIPTION,
    )
    if store.get(tenant_id, name) is not None:
        raise DuplicateName()
    key = generate_api_key()
    row = {
        "id": uuid7(),
        "tenant_id": tenant_id,
        "name": name,
        "hash": hash_api_key(key),
        "role": role,
    }
    store.insert(row)
    return row, key
