"""The load, step by step: refresh and COPY staging, transform, check, report.

Each step runs canonical SQL from ``sql/`` through a warehouse of either target,
so ``03_load`` is a handful of calls and a failed step leaves its evidence
(``load_errors.csv``, ``quality.csv``) in the run folder before it raises.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from sparkify_helpers import paths, quality, report
from sparkify_helpers.workbook import results_frame

log = logging.getLogger(__name__)

EMPTY_STAGING = "00_empty_staging.sql"  # its own transaction, like TRUNCATE on Redshift


@dataclass(frozen=True)
class StagingLoad:
    """What the staging COPY did: each statement, and the rows it rejected."""

    statements: pd.DataFrame
    rejected: pd.DataFrame


def copy_staging(warehouse, out_dir: str | Path) -> StagingLoad:
    """Empty the staging tables, then COPY them from S3 in one transaction.

    Emptying runs on its own first (Redshift's TRUNCATE commits anyway, so both
    targets behave alike). Every row this COPY rejected lands in the run's
    ``load_errors.csv``, also when the COPY fails (the error is raised after).
    """
    copy_dir = paths.sql_dir() / "copy"
    copies = [f for f in sorted(copy_dir.glob("*.sql")) if f.name != EMPTY_STAGING]
    results = warehouse.run_file(copy_dir / EMPTY_STAGING)
    started = datetime.now(timezone.utc)
    try:
        results += warehouse.run_files(copies)
    finally:
        rejected = warehouse.load_errors(since=started)
        report.write_load_errors(rejected, out_dir)
    return StagingLoad(results_frame(results), rejected)


def transform(warehouse) -> pd.DataFrame:
    """Rebuild the star schema from staging (all five transforms, one transaction)."""
    return results_frame(warehouse.run_folder(paths.sql_dir() / "insert"))


def check(warehouse, out_dir: str | Path) -> quality.QualityReport:
    """Run the data checks, write ``quality.csv``, raise when an error-severity check fails."""
    result = quality.run_checks(warehouse)
    result.to_csv(Path(out_dir) / "quality.csv")
    result.raise_for_errors()
    return result


def write_reports(
    warehouse, out_dir: str | Path, started_at: datetime
) -> tuple[pd.DataFrame, report.MatchRate]:
    """Write ``row_counts.csv`` and ``etl_*.results``; return the counts and match rate."""
    counts = report.row_counts(warehouse)
    rate = report.match_rate(warehouse)
    report.write_row_counts(counts, out_dir)
    report.write_results_file(counts, out_dir, started_at, rate)
    log.info("songplays match rate: %s", rate)
    return counts, rate
