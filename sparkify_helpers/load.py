"""The load, step by step: COPY staging, transform, check, report.

The steps are declared once, in :data:`STEPS` (each a named SQL file of ``sql/copy`` or
``sql/insert``); ``03_load``, the benchmark and the tests iterate them. Each step runs
canonical SQL through a warehouse of either target, so ``03_load`` is a handful of calls,
and a failed step leaves its evidence (``load_errors.csv``, ``quality.csv``) in the run
folder before it raises.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from sparkify_helpers import paths, quality, report
from sparkify_helpers.run_folder import RunFolder
from sparkify_helpers.warehouse import Warehouse
from sparkify_helpers.warehouse.base import results_frame

log = logging.getLogger(__name__)

EMPTY_STAGING = "copy/00_empty_staging.sql"  # its own transaction, like TRUNCATE on Redshift
STAGE, TRANSFORM = "stage", "transform"


@dataclass(frozen=True)
class LoadStep:
    """One SQL file of the load: its name in logs and reports, its phase, its file."""

    name: str
    phase: str
    file: str  # relative to sql/

    @property
    def path(self) -> Path:
        """The SQL file under ``sql/``."""
        return paths.sql_dir() / self.file


STEPS: tuple[LoadStep, ...] = (
    LoadStep("COPY staging_events", STAGE, "copy/10_staging_events.sql"),
    LoadStep("COPY staging_songs", STAGE, "copy/20_staging_songs.sql"),
    LoadStep("transform users", TRANSFORM, "insert/10_users.sql"),
    LoadStep("transform artists", TRANSFORM, "insert/20_artists.sql"),
    LoadStep("transform songs", TRANSFORM, "insert/30_songs.sql"),
    LoadStep("transform time", TRANSFORM, "insert/40_time.sql"),
    LoadStep("transform songplays", TRANSFORM, "insert/50_songplays.sql"),
)


def steps(phase: str) -> tuple[LoadStep, ...]:
    """The steps of one phase (``stage`` or ``transform``), in order."""
    return tuple(step for step in STEPS if step.phase == phase)


def steps_frame() -> pd.DataFrame:
    """The load's steps as a table (for ``03_load``): step, phase, SQL file."""
    return pd.DataFrame(
        [(s.name, s.phase, f"sql/{s.file}") for s in STEPS], columns=["step", "phase", "file"]
    )


@dataclass(frozen=True)
class StagingLoad:
    """What the staging COPY did: each statement, and the rows it rejected."""

    statements: pd.DataFrame
    rejected: pd.DataFrame


def copy_staging(warehouse: Warehouse, run: RunFolder) -> StagingLoad:
    """Empty the staging tables, then COPY them from S3 in one transaction.

    Emptying runs on its own first (Redshift's TRUNCATE commits anyway, so both
    targets behave alike). Every row this COPY rejected lands in the run's
    ``load_errors.csv``, also when the COPY fails (the error is raised after).
    """
    results = warehouse.run_file(paths.sql_dir() / EMPTY_STAGING)
    started = datetime.now(timezone.utc)
    try:
        results += warehouse.run_files([step.path for step in steps(STAGE)])
    finally:
        rejected = warehouse.load_errors(since=started)
        report.write_load_errors(rejected, run)
    return StagingLoad(results_frame(results), rejected)


def transform(warehouse: Warehouse) -> pd.DataFrame:
    """Rebuild the star schema from staging (all five transforms, one transaction)."""
    return results_frame(warehouse.run_files([step.path for step in steps(TRANSFORM)]))


def check(warehouse: Warehouse, run: RunFolder) -> quality.QualityReport:
    """Run the data checks, write ``quality.csv``, raise when an error-severity check fails."""
    result = quality.run_checks(warehouse)
    result.to_csv(run)
    result.raise_for_errors()
    return result


def write_reports(warehouse: Warehouse, run: RunFolder) -> tuple[pd.DataFrame, report.MatchRate]:
    """Write ``row_counts.csv`` and ``etl_*.results``; return the counts and match rate."""
    counts = report.row_counts(warehouse)
    rate = report.match_rate(warehouse)
    report.write_row_counts(counts, run)
    report.write_results_file(counts, run, rate)
    log.info("songplays match rate: %s", rate)
    return counts, rate
