"""One API over the warehouse of either target.

:class:`Warehouse` runs canonical Redshift SQL files from ``sql/`` inside a transaction and
logs each statement's time and affected rows: DuckDB (Redshift SQL translated, COPY
emulated) in :mod:`.local`, Redshift through SQLAlchemy (``redshift+redshift_connector``)
in :mod:`.redshift`. A target opens the right one (``Target.open_warehouse``).
"""

from __future__ import annotations

from sparkify_helpers.warehouse.base import (
    StatementResult,
    Warehouse,
    results_frame,
    sql_parameters,
)

__all__ = ["StatementResult", "Warehouse", "results_frame", "sql_parameters"]
