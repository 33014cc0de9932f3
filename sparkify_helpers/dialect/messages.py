"""Redshift's text for DuckDB's failure of a statement the translator wrote.

- A length CHECK (:mod:`.lengths`): ``value too long for type character varying(n) ...``.
- A NOT NULL column: Redshift enforces it ("NOT NULL specifies that the column isn't allowed
  to contain null values", r_CREATE_TABLE_NEW.md) and says ``Cannot insert a NULL value into
  column c`` (the guide does not print the text; it is what dbt-labs/dbt-redshift's
  constraint tests expect from a cluster). DuckDB says ``NOT NULL constraint failed: t.c``.
"""

from __future__ import annotations

import re

from sparkify_helpers.dialect.lengths import length_error

_NOT_NULL_FAILED = re.compile(r"NOT NULL constraint failed: (?:[^ ]+\.)?(?P<column>[^ .]+)\s*$")


def redshift_error(message: str) -> str | None:
    """Redshift's text for a DuckDB error message; None when it has no Redshift wording."""
    found = length_error(message)
    if found:
        return found
    match = _NOT_NULL_FAILED.search(message.strip())
    if match:
        return f"Cannot insert a NULL value into column {match['column'].strip(chr(34))}"
    return None
