"""The load, step by step: write (COPY staging), audit and publish (one transaction), report.

The steps are declared once, in :data:`STEPS` (each a named SQL file of ``sql/copy``,
``sql/insert`` or ``sql/publish``); ``03_load``, the benchmark and the tests iterate them.
Each step runs canonical SQL through a warehouse of either target, so ``03_load`` is a
handful of calls, and a failed step leaves its evidence (``load_errors.csv``,
``quality.csv``) in the run folder before it raises.

Staging is emptied and COPYed in transactions of its own (analysts do not query it, and
Redshift's TRUNCATE commits implicitly, Developer Guide ``r_TRUNCATE.md``). :func:`publish`
then opens ONE transaction that runs the transforms (DELETE + INSERT), runs every data
check, records the load in ``sparkify_publishes`` and commits only when no error-severity
check failed. Until that commit, readers see the previous load; any failure, interrupt or
kill before it leaves the star schema exactly as it was.

A full refresh (:mod:`sparkify_helpers.refresh`) builds the new star tables beside the old
ones in that same transaction: it drops any leftover ``<table>__new``, creates the
``__new`` tables from ``sql/create`` (through the catalog, renamed), runs the transforms
and the checks against them (``Warehouse.addressing``), and only then swaps them in: DROP
each old table, ``ALTER TABLE <table>__new RENAME TO <table>`` (transactional on Redshift,
``r_ALTER_TABLE.md``, and on DuckDB), then records the publish and commits. The checks run
before the swap so the old tables are not touched (nor locked) while the new ones are
built: on Redshift, readers keep querying the old tables during the transforms and wait
only for the short swap-and-commit at the end (DROP takes an exclusive lock); on DuckDB,
other connections see the old tables until the commit (MVCC). A failure or interrupt
anywhere rolls all of it back, the ``__new`` tables included; a killed run's transaction is
rolled back by the database (DuckDB discards an uncommitted WAL, Redshift a dropped
session's transaction), and ``02_create_tables`` drops any ``__new`` table a run still left.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from sparkify_helpers import paths, quality, refresh, report
from sparkify_helpers.catalog import create_dir, read_catalog
from sparkify_helpers.errors import DataCheckError, WarehouseError
from sparkify_helpers.run_folder import RunFolder, write_cause
from sparkify_helpers.warehouse import Warehouse
from sparkify_helpers.warehouse.base import results_frame

log = logging.getLogger(__name__)

EMPTY_STAGING = "copy/00_empty_staging.sql"  # its own transaction, like TRUNCATE on Redshift
DROP_STAGING = "refresh/00_drop_staging.sql"  # full refresh, in 02_create_tables
REFRESH_SOURCE = "full refresh"  # the statements of refresh.py, in logs and reports
CONTROL_TABLE = "create/40_sparkify_publishes.sql"
STAGE, TRANSFORM, PUBLISH = "stage", "transform", "publish"
LAST_PUBLISH_QUERY = (
    "SELECT run_id, published_at FROM sparkify_publishes ORDER BY published_at DESC LIMIT 1"
)


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
    LoadStep("record the publish", PUBLISH, "publish/90_record_publish.sql"),
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
    except WarehouseError as exc:  # the star schema was not touched: say what it holds
        _say_what_is_kept(exc, held_load(last_publish(warehouse)))
        raise
    finally:
        rejected = warehouse.load_errors(since=started)
        _keep_evidence(run.load_errors, lambda: report.write_load_errors(rejected, run), warehouse)
    return StagingLoad(results_frame(results), rejected)


def _keep_evidence(path: Path, write: Callable[[], object], warehouse: Warehouse) -> None:
    """Write one of the load's evidence files; a full disk or a denied write becomes an error
    naming the file, its cause and the load the warehouse still holds."""
    try:
        write()
    except OSError as exc:
        raise WarehouseError(
            f"could not write {path}: {write_cause(exc)}. Nothing was published; "
            f"{held_load(last_publish(warehouse))}. Free some space (or fix the permissions "
            "of the run folder) and run the load again."
        ) from exc


def _say_what_is_kept(exc: WarehouseError, note: str) -> None:
    """End ``exc``'s message with what the analysts still see (same exception, same type)."""
    exc.args = (f"{exc} Nothing was published; {note}.", *exc.args[1:])


def create_tables(warehouse: Warehouse, *, full_refresh: bool = False) -> pd.DataFrame:
    """``02_create_tables``: create every table of ``sql/create`` that is missing.

    Never drops a loaded star schema. With ``full_refresh`` the staging tables are dropped
    first (their own transaction: staging is scratch space); the star tables are rebuilt by
    :func:`publish`, inside the transaction that publishes the new load. A ``__new`` table a
    full refresh left (never the analysts' tables) is dropped.
    """
    results = []
    if full_refresh:
        results += warehouse.run_file(paths.sql_dir() / DROP_STAGING)
    leftovers = [n for n in refresh.new_names().values() if warehouse.table_exists(n)]
    if leftovers:
        log.warning("dropping tables a full refresh left: %s", ", ".join(leftovers))
        drops = refresh.drop_leftovers(only=leftovers)
        results += warehouse.run_statements([(REFRESH_SOURCE, drops)])
    results += warehouse.run_folder(create_dir())
    return results_frame(results)


def transform(warehouse: Warehouse) -> pd.DataFrame:
    """Rebuild the star schema from staging (all five transforms, one transaction).

    Inside :func:`publish`'s transaction they join it; on their own they commit at once.
    """
    return results_frame(warehouse.run_files([step.path for step in steps(TRANSFORM)]))


def check(warehouse: Warehouse, run: RunFolder, note: str = "") -> quality.QualityReport:
    """Run the data checks, write ``quality.csv``, raise when an error-severity check fails
    (``note`` ends the error's message)."""
    result = quality.run_checks(warehouse)
    try:
        result.to_csv(run)
    except OSError as exc:  # inside publish's transaction: it rolls back and adds the note
        raise WarehouseError(f"could not write {run.quality}: {write_cause(exc)}.") from exc
    result.raise_for_errors(note)
    return result


@dataclass(frozen=True)
class Publish:
    """What :func:`publish` did: each statement, and the data checks it passed."""

    statements: pd.DataFrame
    checks: quality.QualityReport


def last_publish(warehouse: Warehouse) -> tuple[str, datetime] | None:
    """(run id, UTC time) of the load the star schema holds; None before the first publish."""
    if not warehouse.table_exists(read_catalog().table("sparkify_publishes").name):
        return None
    frame = warehouse.query(LAST_PUBLISH_QUERY)
    if frame.empty:
        return None
    published = pd.Timestamp(frame["published_at"].iloc[0])
    published = published.tz_localize("UTC") if published.tzinfo is None else published
    return str(frame["run_id"].iloc[0]), published.to_pydatetime()


def held_load(previous: tuple[str, datetime] | None) -> str:
    """The sentence a failed load ends with: what the analysts still see."""
    if previous is None:
        return "no load was published yet: the star tables hold what they held before this run"
    run_id, published = previous
    return f"the warehouse still holds the load of run {run_id} ({published:%Y-%m-%d %H:%M:%S} UTC)"


def publish_parameters(run_id: str, *, full_refresh: bool = False) -> dict[str, str]:
    """What ``sql/publish`` is rendered with: the run id, the time now (UTC), the refresh flag."""
    return {
        "run_id": run_id,
        "published_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f"),
        "full_refresh": "true" if full_refresh else "false",
    }


def publish(
    warehouse: Warehouse, run: RunFolder, run_id: str = "", *, full_refresh: bool = False
) -> Publish:
    """Transform, check and publish in ONE transaction; commit only if every error check passed.

    On a full refresh the new star tables are built beside the old ones, transformed and
    checked there, and swapped in before the commit (see the module's docstring). A failed
    check (``DataCheckError``), a failed statement or an interrupt rolls everything back;
    the error names the load the warehouse still holds.
    ``quality.csv`` is written either way.
    """
    run_id = run_id or run.run_id
    previous = last_publish(warehouse)
    note = held_load(previous)
    params = publish_parameters(run_id, full_refresh=full_refresh)
    results = []
    try:
        with warehouse.transaction():
            results += warehouse.run_file(paths.sql_dir() / CONTROL_TABLE)
            if full_refresh:
                results += warehouse.run_statements([(REFRESH_SOURCE, refresh.build_beside())])
                with warehouse.addressing(refresh.new_names()):
                    results += warehouse.run_files([step.path for step in steps(TRANSFORM)])
                    checks = check(warehouse, run, note)
                results += warehouse.run_statements([(REFRESH_SOURCE, refresh.swap())])
            else:
                results += warehouse.run_files([step.path for step in steps(TRANSFORM)])
                checks = check(warehouse, run, note)
            results += warehouse.run_files([step.path for step in steps(PUBLISH)], params)
    except DataCheckError:
        log.error("load of run %s not published; %s", run_id, note)
        raise
    except WarehouseError as exc:  # a failed statement: same error, saying what is kept
        log.error("load of run %s not published; %s", run_id, note)
        _say_what_is_kept(exc, note)
        raise
    log.info("published the load of run %s", run_id)
    return Publish(results_frame(results), checks)


def write_reports(warehouse: Warehouse, run: RunFolder) -> tuple[pd.DataFrame, report.MatchRate]:
    """Write ``row_counts.csv`` and ``etl_*.results``; return the counts and match rate."""
    counts = report.row_counts(warehouse)
    rate = report.match_rate(warehouse)
    report.write_row_counts(counts, run)
    report.write_results_file(counts, run, rate)
    log.info("songplays match rate: %s", rate)
    return counts, rate
