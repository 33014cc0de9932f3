"""Load reports: ``row_counts.csv``, the original ``etl_*.results`` file, ``load_errors.csv``."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from sparkify_helpers import paths
from sparkify_helpers.catalog import read_catalog
from sparkify_helpers.run_folder import RunFolder
from sparkify_helpers.warehouse import Warehouse

log = logging.getLogger(__name__)

MATCH_RATE_QUERY = "SELECT COUNT(*) AS plays, COUNT(song_id) AS matched_plays FROM songplays"


@dataclass(frozen=True)
class MatchRate:
    """How many songplays resolved to a catalogue song."""

    plays: int
    matched: int

    @property
    def share(self) -> float:
        """matched / plays (0 when there are no plays)."""
        return self.matched / self.plays if self.plays else 0.0

    def __str__(self) -> str:
        return f"{self.share:.2%} ({self.matched:,} of {self.plays:,} plays matched a song)"


def row_counts(warehouse: Warehouse, tables: Iterable[str] | None = None) -> pd.DataFrame:
    """A ``table,rows`` frame of ``tables``; by default the catalog's: staging, fact, dimensions
    (not the control tables)."""
    if tables is None:
        catalog = read_catalog()
        tables = [n for n in catalog.dependents_first() if not catalog.table(n).control]
    return warehouse.row_counts(tables)


def match_rate(warehouse: Warehouse) -> MatchRate:
    """The songplays match rate against the song catalogue."""
    frame = warehouse.query_file(paths.sql_dir() / "analytics" / "70_match_rate.sql")
    return MatchRate(int(frame.iloc[0]["plays"]), int(frame.iloc[0]["matched_plays"]))


def write_row_counts(counts: pd.DataFrame, run: RunFolder) -> Path:
    """Write ``row_counts.csv`` (columns ``table,rows``)."""
    return run.write_csv(run.row_counts, counts[["table", "rows"]])


def results_text(counts: pd.DataFrame, started_at: datetime, rate: MatchRate | None) -> str:
    """The original project's ``etl_*.results``: one block per table with its rows."""
    lines = [f"Sparkify ETL results, run started {started_at:%Y-%m-%d %H:%M:%S %Z}".rstrip(), ""]
    for row in counts.itertuples(index=False):
        lines += [f"Table: {row.table}", f"Rows: {row.rows}", ""]
    if rate is not None:
        lines += [f"songplays match rate: {rate}", ""]
    return "\n".join(lines)


def write_results_file(counts: pd.DataFrame, run: RunFolder, rate: MatchRate | None = None) -> Path:
    """Write ``etl_YYYYMMDDHHMMSS.results`` for the run's start time."""
    return run.write_text(run.results_file, results_text(counts, run.started_at, rate))


def write_load_errors(frame: pd.DataFrame, run: RunFolder) -> Path:
    """Write ``load_errors.csv`` (a header-only file when nothing was rejected)."""
    return run.write_csv(run.load_errors, frame)
