"""The load, step by step: refresh and COPY staging, transform, check, report.

Each step runs canonical SQL from ``sql/`` through a warehouse of either target,
so ``03_load`` is a handful of calls and a failed step leaves its evidence
(``load_errors.csv``, ``quality.csv``) in the run folder before it raises.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from sparkify_helpers import paths, quality, report
from sparkify_helpers.workbook import results_frame

log = logging.getLogger(__name__)


def copy_staging(warehouse, out_dir: str | Path) -> pd.DataFrame:
    """Empty the staging tables and COPY them from S3 in one transaction.

    Every rejected row lands in ``load_errors.csv`` of the run folder, also when
    the COPY fails (then the error is raised after the file is written).
    """
    started = datetime.now(timezone.utc)
    try:
        results = warehouse.run_folder(paths.sql_dir() / "copy")
    finally:
        report.write_load_errors(report.load_errors(warehouse, since=started), out_dir)
    return results_frame(results)


def transform(warehouse) -> pd.DataFrame:
    """Rebuild the star schema from staging (all five transforms, one transaction)."""
    return results_frame(warehouse.run_folder(paths.sql_dir() / "insert"))


def check(warehouse, out_dir: str | Path) -> quality.QualityReport:
    """Run the data checks, write ``quality.csv``, raise when an error-severity check fails."""
    result = quality.run_checks(warehouse)
    result.to_csv(Path(out_dir) / "quality.csv")
    result.raise_for_errors()
    return result


def write_reports(warehouse, out_dir: str | Path, started_at: datetime) -> pd.DataFrame:
    """Write ``row_counts.csv`` and ``etl_*.results``; return the counts."""
    counts = report.row_counts(warehouse)
    rate = report.match_rate(warehouse)
    report.write_row_counts(counts, out_dir)
    report.write_results_file(counts, out_dir, started_at, rate)
    log.info("songplays match rate: %s", rate)
    return counts
