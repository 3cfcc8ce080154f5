"""API keys as upstream makes them: `apikey:` + 128 random alphanumerics, kept only as a hash."""

import base64
import hashlib
import secrets
import string

from app import errors
from app.auth.roles import MINTABLE_ROLES
from app.auth.roles import rank
from app.pipelines.context import Context
from app.pipelines.validation import validate_name
from app.storage import NameTaken
from app.timeutil import uuid7

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
        raise errors.RoleExceedsCreator(requested=requested, creator=creator)
    if requested not in MINTABLE_ROLES:
        raise errors.OwnerAdminNotMintableAsApiKey(role=requested)


def describe(row: dict) -> dict:
    """Return the public descriptor of a key row (never its hash)."""
    return {"id": row["id"], "name": row["name"], "role": row["role"]}


def list_api_keys(ctx: Context, tenant_id: str) -> list[dict]:
    """Every key of the tenant, in creation order."""
    return [describe(row) for row in ctx.store.api_keys.list(tenant_id)]


def get_api_key(ctx: Context, tenant_id: str, name: str) -> dict:
    """The tenant's key with this name, or UnknownApiKey."""
    row = ctx.store.api_keys.get(tenant_id, name)
    if row is None:
        raise errors.UnknownApiKey(name=name)
    return describe(row)


def create_api_key(ctx: Context, tenant_id: str, name: str, role: str | None, creator: str) -> dict:
    """Check role, name and uniqueness (upstream's order), store the hash; return the new key.

    An omitted role is `read`. The answer (`id`, `name`, `api_key`) is the only time the key
    itself is shown.
    """
    role = role or "read"
    check_mintable(role, creator)
    validate_name(
        name,
        max_bytes=MAX_NAME_BYTES,
        pattern=NAME_PATTERN,
        pattern_description=NAME_PATTERN_DESCRIPTION,
    )
    key = generate_api_key()
    row = {
        "id": uuid7(),
        "tenant_id": tenant_id,
        "name": name,
        "hash": hash_api_key(key),
        "role": role,
    }
    with ctx.store.write():
        # The unique (tenant, name) index decides, also between racing workers.
        try:
            ctx.store.api_keys.insert(row)
        except NameTaken:
            raise errors.DuplicateName() from None
    return {"id": row["id"], "name": name, "api_key": key}


def delete_api_key(ctx: Context, tenant_id: str, name: str) -> None:
    """Delete the tenant's key with this name, or raise UnknownApiKey."""
    with ctx.store.write():
        deleted = ctx.store.api_keys.delete(tenant_id, name)
    if not deleted:
        raise errors.UnknownApiKey(name=name)
