"""What the DATABASE setting names: a SQLite file, or a Postgres server by URL.

Kept apart from the Postgres backend so a SQLite install never imports its driver.
"""

import re

URL_PREFIXES = ("postgresql://", "postgres://")


def is_postgres_url(database: str) -> bool:
    """Tell whether the DATABASE setting names a Postgres server."""
    return database.startswith(URL_PREFIXES)


def redact(location: str) -> str:
    """The location without a URL's password, for messages and logs."""
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", location)
