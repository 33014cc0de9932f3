"""The connection the notebooks hand to jupysql (``%sql``) for ad hoc, read-only questions.

Locally it is a DuckDB connection to the warehouse file opened read-only, with the same
configuration as the package's own read-only connections (so both can be open in one
kernel; a ``duckdb:///...`` URL through SQLAlchemy would differ and clash), and
``%sql --close`` releases the file. On Redshift it is a SQLAlchemy engine on the
``redshift+redshift_connector`` URL with the password resolved in memory. Headless runs on
Redshift skip the ad hoc cells. The target decides which (``Target.sql_connection``).
"""

from __future__ import annotations

from typing import Any

from sparkify_helpers.workbook import Workbook


def sql_connection(wb: Workbook, *, headless: bool = False) -> Any:
    """What to pass to ``%sql <name> --alias warehouse``; None when the cells should skip.

    Local target: a read-only ``duckdb`` connection (a missing or locked file raises the
    warehouse's own error, which says what to do). Redshift: a SQLAlchemy engine, or None
    in a headless run.
    """
    return wb.sql_connection(headless=headless)
