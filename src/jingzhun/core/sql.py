"""SQL spellings every set-based module shares."""

from __future__ import annotations

from django.db import connection


def quoted(name: str) -> str:
    """A table or column name quoted for the current database (names only: every value is a parameter)."""
    return connection.ops.quote_name(name)
