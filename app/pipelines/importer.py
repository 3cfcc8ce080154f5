"""Turn a JSON array in the List Pipelines shape into complete records, or explain why not."""

import uuid

from app.errors import ApiError
from app.pipeline_config import ConfigError
from app.pipeline_config import normalize_program_config
from app.pipeline_config import normalize_runtime_config
from app.pipelines import persistence
from app.pipelines.context import Context
from app.pipelines.records import EMPTY_PROGRAM_ERROR
from app.pipelines.records import fresh_record
from app.pipelines.records import runtime_details_compat
from app.pipelines.records import trim_program_info
from app.pipelines.status import derive_deployment_fields
from app.pipelines.validation import validate_description
from app.pipelines.validation import validate_name
from app.pipelines.validation import validate_tags
from app.schemas import pipelines as s
from app.timeutil import format_timestamp
from app.timeutil import normalize_timestamp
from app.timeutil import now
from app.timeutil import uuid7

DERIVED = ("deployment_status", "deployment_status_since", "deployment_desired_status")
DERIVED_SINCE = ("deployment_desired_status_since",)
KNOWN_FIELDS = set(s.FIELD_SETS[s.ALL]) | {"connectors"}

ENUMS = {
    "program_status": s.PROGRAM_STATUSES,
    "storage_status": s.STORAGE_STATUSES,
    "deployment_resources_status": s.RESOURCES_STATUSES,
    "deployment_resources_desired_status": s.RESOURCES_DESIRED_STATUSES,
}
NULLABLE_ENUMS = {
    "deployment_initial": s.RUNTIME_DESIRED_STATUSES,
    "deployment_runtime_status": s.RUNTIME_STATUSES,
    "deployment_runtime_desired_status": s.RUNTIME_DESIRED_STATUSES,
    "bootstrap_policy": s.BOOTSTRAP_POLICIES,
}
STRINGS = ("program_code", "udf_rust", "udf_toml", "platform_version")
COUNTERS = ("version", "program_version", "refresh_version")
OBJECTS_OR_NULL = (
    "deployment_error",
    "storage_status_details",
    "deployment_resources_status_details",
)
BOOLEANS = ("silent_bootstrap", "concurrent_bootstrap")


class InvalidRecord(ValueError):
    """A record of the import file that cannot be stored as given."""


def import_pipelines(ctx: Context, items) -> int:
    """Store every item as a fixture the simulation leaves alone, all or nothing; return how many.

    Raise InvalidRecord listing every problem, or the names already in the database.
    """
    prepared = prepare_records(
        items,
        platform_version=ctx.settings.platform_version,
        enterprise=ctx.settings.enterprise,
    )
    with ctx.store.write():
        taken = {value for pair in ctx.store.pipelines.names_and_ids() for value in pair}
        clashes = [r["name"] for r in prepared if r["name"] in taken or r["id"] in taken]
        if clashes:
            raise InvalidRecord(f"already in the database: {', '.join(clashes)}")
        for record in prepared:
            persistence.insert(ctx.store, record, simulated=False)
    return len(prepared)


def prepare_records(items, *, platform_version: str, enterprise: bool) -> list[dict]:
    """Validate every item and return complete records; raise InvalidRecord listing all problems."""
    if not isinstance(items, list):
        raise InvalidRecord("the file must contain a JSON array of pipelines")
    records, problems = [], []
    for index, item in enumerate(items):
        try:
            records.append(prepare_record(item, platform_version, enterprise))
        except InvalidRecord as exc:
            label = item.get("name") if isinstance(item, dict) else None
            problems.append(
                f"pipeline #{index + 1}" + (f" ({label!r})" if label else "") + f": {exc}"
            )
    for field in ("name", "id"):
        seen = set()
        for record in records:
            if record[field] in seen:
                problems.append(f"{field} {record[field]!r} appears more than once in the file")
            seen.add(record[field])
    if problems:
        raise InvalidRecord("\n".join(problems))
    return records


def prepare_record(item, platform_version: str, enterprise: bool) -> dict:
    """Return the complete record for one item, keeping every value it gives."""
    if not isinstance(item, dict):
        raise InvalidRecord("each pipeline must be a JSON object")
    unknown = sorted(set(item) - KNOWN_FIELDS)
    if unknown:
        raise InvalidRecord(f"unknown field(s): {', '.join(unknown)}")
    name = item.get("name")
    if not isinstance(name, str):
        raise InvalidRecord("`name` is required and must be a string")
    try:
        validate_name(name)
        validate_description(expect(item, "description", str, ""))
        tags = expect(item, "tags", list, [])
        if not all(isinstance(tag, str) for tag in tags):
            raise InvalidRecord("`tags` must be an array of strings")
        validate_tags(tags)
        runtime_config = normalize_runtime_config(item.get("runtime_config"), enterprise=enterprise)
        program_config = normalize_program_config(item.get("program_config"))
    except ApiError as exc:
        raise InvalidRecord(exc.message) from exc
    except ConfigError as exc:
        raise InvalidRecord(f"invalid configuration: {exc.reason}") from exc

    created_at = timestamp(item, "created_at", format_timestamp(now()))
    record = fresh_record(
        pipeline_id=canonical_uuid(item.get("id")) if "id" in item else uuid7(),
        name=name,
        now=created_at,
        platform_version=platform_version,
        runtime_config=runtime_config,
        program_config=program_config,
    )
    record["description"] = item.get("description", "")
    record["tags"] = tags
    for field in STRINGS:
        record[field] = expect(item, field, str, record[field])
    for field in COUNTERS:
        value = expect(item, field, int, record[field])
        if isinstance(value, bool) or value < 1:
            raise InvalidRecord(f"`{field}` must be a positive integer")
        record[field] = value
    for field, choices in ENUMS.items():
        record[field] = choice(item, field, choices, record[field])
    for field, choices in NULLABLE_ENUMS.items():
        record[field] = None if item.get(field) is None else choice(item, field, choices, None)
    for field in OBJECTS_OR_NULL:
        record[field] = expect(item, field, dict, None, nullable=True)
    for field in BOOLEANS:
        record[field] = expect(item, field, bool, False)
    record["deployment_id"] = (
        None if item.get("deployment_id") is None else canonical_uuid(item["deployment_id"])
    )
    record["program_error"] = {
        **EMPTY_PROGRAM_ERROR,
        **expect(item, "program_error", dict, EMPTY_PROGRAM_ERROR),
    }
    record["program_info"] = trim_program_info(
        expect(item, "program_info", dict, None, nullable=True)
    )
    details = item.get("deployment_runtime_status_details")
    record["deployment_runtime_status_details"] = runtime_details_compat(details)
    for field in ("program_status_since", "deployment_resources_status_since",
                  "deployment_resources_desired_status_since"):  # fmt: skip
        record[field] = timestamp(item, field, created_at)
    for field in ("deployment_runtime_status_since", "deployment_runtime_desired_status_since"):
        record[field] = None if item.get(field) is None else timestamp(item, field, None)
    check_derived(item, record)
    return record


def check_derived(item: dict, record: dict) -> None:
    """Refuse combined statuses that contradict the stored ones they derive from."""
    derived = derive_deployment_fields(record)
    for field, value in derived.items():
        given = item.get(field)
        if field.endswith("_since") and given is not None:
            given = normalize_timestamp(given)
        if given is not None and given != value:
            raise InvalidRecord(
                f"`{field}` is {given!r} but the resources/runtime fields give {value!r}"
            )
    record.update(derived)


def expect(item: dict, field: str, kind: type, default, nullable: bool = False):
    """Return item[field] if it has the right JSON type, the default if absent."""
    if field not in item or (nullable and item[field] is None):
        return default
    value = item[field]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise InvalidRecord(f"`{field}` must be {kind.__name__.replace('dict', 'an object')}")
    return value


def choice(item: dict, field: str, choices: tuple, default):
    """Return item[field] if it is one of upstream's enum values."""
    value = item.get(field, default)
    if value not in choices:
        raise InvalidRecord(f"`{field}` is {value!r}; expected one of {', '.join(choices)}")
    return value


def timestamp(item: dict, field: str, default):
    """Return item[field] as a canonical RFC 3339 timestamp."""
    if item.get(field) is None:
        return default
    try:
        return normalize_timestamp(item[field])
    except (TypeError, ValueError) as exc:
        raise InvalidRecord(f"`{field}` is not an RFC 3339 timestamp: {item[field]!r}") from exc


def canonical_uuid(value) -> str:
    """Return a UUID string in lowercase hyphenated form."""
    try:
        return str(uuid.UUID(value))
    except (TypeError, ValueError, AttributeError) as exc:
        raise InvalidRecord(f"not a UUID: {value!r}") from exc
