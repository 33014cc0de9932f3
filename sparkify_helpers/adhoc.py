"""The connection the notebooks hand to jupysql (``%sql``) for ad hoc, read-only questions.

Locally it is a DuckDB connection to the warehouse file opened read-only, with the same
configuration as the package's own read-only connections (so both can be open in one
kernel; a ``duckdb:///...`` URL through SQLAlchemy would differ and clash), and
``%sql --close`` releases the file. On Redshift it is a SQLAlchemy engine on the
``redshift+redshift_connector`` URL with the password resolved in memory. Headless runs on
Redshift skip the ad hoc cells.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def sql_connection(wb, *, headless: bool = False):
    """What to pass to ``%sql <name> --alias warehouse``; None when the cells should skip.

    Local target: a read-only ``duckdb`` connection (a missing or locked file raises the
    warehouse's own error, which says what to do). Redshift: a SQLAlchemy engine, or None
    in a headless run.
    """
    if wb.target == "local":
        from sparkify_helpers.warehouse.local import open_duckdb

        return open_duckdb(wb.settings.local.warehouse_path, read_only=True)
    if headless:
        log.info("Headless run on Redshift: the ad hoc %%sql cells are skipped.")
        return None
    from sparkify_helpers.warehouse.redshift import create_engine

    return create_engine(wb.settings)
