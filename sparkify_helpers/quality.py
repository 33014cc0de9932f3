"""Data checks in the dbt manner: each ``sql/checks`` file returns offending rows.

A check passes when its query returns no rows. ``-- severity: error`` failures stop
the load (naming the check and showing sample rows); ``warn`` failures are reported.
Results go to the run's ``quality.csv``.

A check may read ``'{{whole_tables}}'`` (:data:`SCOPE_PARAMETER`): ``true`` on a full
refresh, a first load, or when called on its own, where it checks every row; ``false`` on an
incremental publish, where it checks the rows that publish could insert or change (the keys
of its MERGE sources, ``sparkify_merge_*``, and the staged play times) against the whole
tables. Everything published before passed the checks when it was published, the checks
as they were then: a publish records :func:`checks_digest`, and the next incremental publish
checks every row when the checks changed since (a check added or tightened has not seen the
rows published before it).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sparkify_helpers import paths, sqlfiles
from sparkify_helpers.errors import DataCheckError
from sparkify_helpers.run_folder import RunFolder
from sparkify_helpers.warehouse import Warehouse

log = logging.getLogger(__name__)

QUALITY_COLUMNS = ["check", "severity", "description", "failures", "status", "sample"]
SCOPE_PARAMETER = "whole_tables"


@dataclass(frozen=True)
class QualityReport:
    """The outcome of every check, one row each (see ``QUALITY_COLUMNS``)."""

    results: pd.DataFrame
    samples: dict[str, pd.DataFrame]

    @property
    def failed_errors(self) -> pd.DataFrame:
        """Error-severity checks that found offending rows."""
        frame = self.results
        return frame[(frame["severity"] == "error") & (frame["failures"] > 0)]

    def raise_for_errors(self, note: str = "") -> None:
        """Raise DataCheckError naming each failed error-severity check with sample rows;
        ``note`` (e.g. which load the warehouse still holds) ends the message's first line."""
        failed = self.failed_errors
        if failed.empty:
            return
        parts = []
        for row in failed.itertuples():
            sample = self.samples[str(row.check)].to_string(index=False, max_colwidth=60)
            parts.append(
                f"- {row.check}: {row.failures} offending rows ({row.description})\n{sample}"
            )
        held = f" Nothing was published; {note}." if note else ""
        raise DataCheckError(
            f"{len(failed)} data check(s) of severity 'error' failed; the load is not "
            f"trustworthy until they pass.{held}\n" + "\n".join(parts)
        )

    def to_csv(self, run: RunFolder) -> Path:
        """Write the run's ``quality.csv``."""
        return run.write_csv(run.quality, self.results)


def checks_digest(folder: str | Path | None = None) -> str:
    """A fingerprint of the data checks: their files' names and text (16 hex digits)."""
    folder = Path(folder) if folder else paths.sql_dir() / "checks"
    digest = hashlib.sha256()
    for sql_file in sqlfiles.read_sql_folder(folder):
        digest.update(f"{sql_file.path.name}\0{sql_file.text}\0".encode())
    return digest.hexdigest()[:16]


def run_checks(
    warehouse: Warehouse,
    folder: str | Path | None = None,
    sample_size: int = 5,
    *,
    whole_tables: bool = True,
) -> QualityReport:
    """Run every check in ``sql/checks`` and collect failures and sample rows; with
    ``whole_tables=False`` the checks of an incremental publish (see the module's docstring)."""
    folder = Path(folder) if folder else paths.sql_dir() / "checks"
    scope = {SCOPE_PARAMETER: "true" if whole_tables else "false"}
    rows, samples = [], {}
    for sql_file in sqlfiles.read_sql_folder(folder):
        severity = sql_file.severity or "error"  # read_sql_folder refuses unknown values
        offending = warehouse.query_file(sql_file.path, scope)
        samples[sql_file.name] = offending.head(sample_size)
        failures = len(offending)
        status = "pass" if failures == 0 else ("fail" if severity == "error" else "warn")
        rows.append(
            {
                "check": sql_file.name,
                "severity": severity,
                "description": sql_file.metadata.get("description", ""),
                "failures": failures,
                "status": status,
                "sample": offending.head(sample_size).to_json(orient="records", date_format="iso")
                if failures
                else "",
            }
        )
        log.info("check %s: %s (%d offending rows)", sql_file.name, status, failures)
    return QualityReport(pd.DataFrame(rows, columns=QUALITY_COLUMNS), samples)
