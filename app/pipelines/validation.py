"""Name, description and tag rules of upstream (crud.md §4.1–4.3)."""

import re

from app import errors

NAME_PATTERN = "^([A-Za-z0-9][-A-Za-z0-9_]*)?[A-Za-z0-9]$"
NAME_PATTERN_DESCRIPTION = (
    "be non-empty and only contain lowercase (a-z), uppercase (A-Z), number (0-9), "
    "underscore (_) or hyphen (-) characters, but cannot start or end with hyphen or underscore"
)
MAX_NAME_BYTES = 63
MAX_DESCRIPTION_CHARS = 300
MAX_TAGS = 50
MAX_TAG_CHARS = 50
TAG_PATTERN = re.compile(r"[a-zA-Z0-9 ._/|\\:=-]+")
TAG_ALPHABET = (
    "it may contain only ASCII letters (a-z, A-Z), numbers (0-9), "
    "or one of space, '.', '_', '/', '|', '\\', ':', '=' and '-'"
)


def validate_name(
    name: str,
    *,
    max_bytes: int = MAX_NAME_BYTES,
    pattern: str = NAME_PATTERN,
    pattern_description: str = NAME_PATTERN_DESCRIPTION,
) -> None:
    """Raise EmptyName, TooLongName or NameDoesNotMatchPattern, in upstream's order."""
    if name == "":
        raise errors.EmptyName()
    length = len(name.encode())
    if length > max_bytes:
        raise errors.TooLongName(name=name, length=length, maximum=max_bytes)
    # fullmatch: upstream's `$` does not accept a trailing newline.
    if not re.fullmatch(pattern.strip("^$"), name):
        raise errors.NameDoesNotMatchPattern(
            name=name, pattern=pattern, pattern_description=pattern_description
        )


def validate_description(description: str) -> None:
    """Raise TooLongDescription past 300 characters."""
    length = len(description)
    if length > MAX_DESCRIPTION_CHARS:
        raise errors.TooLongDescription(length=length, maximum=MAX_DESCRIPTION_CHARS)


def validate_tags(tags: list[str]) -> None:
    """Raise TooManyTags, or InvalidTag for the first bad tag."""
    if len(tags) > MAX_TAGS:
        raise errors.TooManyTags(count=len(tags), maximum=MAX_TAGS)
    for tag in tags:
        reason = tag_problem(tag)
        if reason:
            raise errors.InvalidTag(tag=tag, reason=reason)


def tag_problem(tag: str) -> str | None:
    """Return why a tag is invalid, or None."""
    if tag == "":
        return "it cannot be empty"
    if len(tag) > MAX_TAG_CHARS:
        return f"it is {len(tag)} characters long, but the maximum is {MAX_TAG_CHARS}"
    if not TAG_PATTERN.fullmatch(tag):
        return TAG_ALPHABET
    return None
