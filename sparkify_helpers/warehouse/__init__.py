"""One way to reach the warehouse on either target.

``connect(settings)`` returns a :class:`Warehouse`: DuckDB (with Redshift SQL
translated and COPY emulated) on the ``local`` target, Redshift through
SQLAlchemy (``redshift+redshift_connector``) on the ``redshift`` target. Both run
canonical Redshift SQL files from ``sql/`` inside a transaction and log each
statement's time and affected rows.
"""

from __future__ import annotations

from sparkify_helpers.warehouse.base import StatementResult, Warehouse, sql_parameters

__all__ = ["StatementResult", "Warehouse", "connect", "sql_parameters"]


def connect(settings, *, read_only: bool = False) -> Warehouse:
    """Open the warehouse that ``settings.target`` names."""
    if settings.target == "local":
        from sparkify_helpers.warehouse.local import LocalWarehouse

        return LocalWarehouse(settings, read_only=read_only)
    from sparkify_helpers.warehouse.redshift import RedshiftWarehouse

    return RedshiftWarehouse(settings)
