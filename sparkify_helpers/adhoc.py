"""The connection the notebooks hand to jupysql (``%sql``) for ad hoc, read-only questions.

Both targets give a SQLAlchemy engine that takes Redshift SQL. Locally it is the DuckDB
file opened read-only with the package's own settings (so one kernel can hold it and the
workbook's read-only connections), every statement translated by the warehouse's
translator (:mod:`sparkify_helpers.warehouse.sql_engine`); ``%sql --close`` releases the
file. On Redshift it is an engine on the ``redshift+redshift_connector`` URL with the
password resolved in memory; headless runs on Redshift get None. The target decides which
(``Target.sql_connection``). ``notebooks/explore.ipynb`` shows the set-up.
"""

from __future__ import annotations

from typing import Any

from sparkify_helpers.workbook import Workbook


def sql_connection(wb: Workbook, *, headless: bool = False) -> Any:
    """What to pass to ``%sql <name> --alias warehouse``; None when the cells should skip.

    Local target: a read-only engine that speaks Redshift SQL (a missing or locked file
    raises the warehouse's own error, which says what to do). Redshift: a SQLAlchemy
    engine, or None in a headless run.
    """
    return wb.sql_connection(headless=headless)
