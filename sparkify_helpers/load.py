"""The load, step by step: write (COPY staging), audit and publish (one transaction), report.

The steps are declared once, in :data:`STEPS` (each a named SQL file of ``sql/copy``,
``sql/insert`` or ``sql/publish``); ``03_load``, the benchmark and the tests iterate them.
Each step runs canonical SQL through a warehouse of either target, so ``03_load`` is a
handful of calls, and a failed step leaves its evidence (``load_errors.csv``,
``quality.csv``) in the run folder before it raises.

Staging is emptied and COPYed in transactions of its own (analysts do not query it, and
Redshift's TRUNCATE commits implicitly, Developer Guide ``r_TRUNCATE.md``). :func:`publish`
then opens ONE transaction that runs the transforms (MERGE into the star schema, keyed by
the event; see ``sql/insert``), runs every data check, records the staged files in the load
ledger and the load in ``sparkify_publishes`` and commits only when no error-severity check
failed. What is staged is chosen by :mod:`sparkify_helpers.ledger`: the source files new or
changed since the last published load, the days of a backfill, or all on a full refresh.
Until that commit, readers see the previous load; any failure, interrupt or kill before it
leaves the star schema exactly as it was.

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

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from sparkify_helpers import ledger, paths, quality, refresh, report
from sparkify_helpers.catalog import create_dir, read_catalog
from sparkify_helpers.copy.load_errors import empty_load_errors
from sparkify_helpers.errors import DataCheckError, WarehouseError
from sparkify_helpers.run_folder import RunFolder, write_cause
from sparkify_helpers.warehouse import Warehouse
from sparkify_helpers.warehouse.base import StatementResult, results_frame

log = logging.getLogger(__name__)

EMPTY_STAGING = "copy/00_empty_staging.sql"  # its own transaction, like TRUNCATE on Redshift
EMPTY_LOAD_FILES = "copy/05_empty_load_files.sql"
DROP_STAGING = "refresh/00_drop_staging.sql"  # full refresh, in 02_create_tables
REFRESH_SOURCE = "full refresh"  # the statements of refresh.py, in logs and reports
CONTROL_TABLE = "create/40_sparkify_publishes.sql"
# the control table of a warehouse made before it had the column, brought up to date
CONTROL_UPGRADE = ("checks_digest", "upgrade/40_sparkify_publishes_checks_digest.sql")
STAGE, TRANSFORM, PUBLISH = "stage", "transform", "publish"
LAST_PUBLISH_QUERY = (
    "SELECT run_id, published_at FROM sparkify_publishes ORDER BY published_at DESC LIMIT 1"
)
CHECKS_DIGEST_QUERY = (
    "SELECT checks_digest FROM sparkify_publishes ORDER BY published_at DESC LIMIT 1"
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


COPY_EVENTS = LoadStep("COPY staging_events", STAGE, "copy/10_staging_events.sql")
COPY_SONGS = LoadStep("COPY staging_songs", STAGE, "copy/20_staging_songs.sql")
COPY_FILES = LoadStep("COPY the staged file list", STAGE, "copy/30_load_files.sql")
STEPS: tuple[LoadStep, ...] = (
    COPY_EVENTS,
    COPY_SONGS,
    COPY_FILES,
    LoadStep("merge users", TRANSFORM, "insert/10_users.sql"),
    LoadStep("merge artists", TRANSFORM, "insert/20_artists.sql"),
    LoadStep("merge songs", TRANSFORM, "insert/30_songs.sql"),
    LoadStep("insert missing time", TRANSFORM, "insert/40_time.sql"),
    LoadStep("merge songplays", TRANSFORM, "insert/50_songplays.sql"),
    LoadStep("replace re-loaded days", TRANSFORM, "insert/60_replace_reloaded_days.sql"),
    LoadStep("empty the work tables", PUBLISH, "publish/70_empty_work_tables.sql"),
    LoadStep("record the ledger", PUBLISH, "publish/80_record_ledger.sql"),
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
    """What the staging COPY did: each statement, the rows it rejected, what it staged."""

    statements: pd.DataFrame
    rejected: pd.DataFrame
    plan: ledger.LoadPlan | None = None

    @property
    def nothing_new(self) -> bool:
        """True when the source held nothing the ledger did not: nothing to publish."""
        return self.plan is not None and self.plan.nothing_new

    @property
    def rows_staged(self) -> int:
        """Rows the COPYs of staging_events and staging_songs loaded."""
        frame = self.statements
        copies = frame[(frame["kind"] == "COPY") & frame["file"].isin(_STAGING_COPY_FILES)]
        return int(copies["rows"].fillna(0).sum())


_STAGING_COPY_FILES = (COPY_EVENTS.file, COPY_SONGS.file)


def plan_run(
    warehouse: Warehouse,
    run: RunFolder,
    run_id: str = "",
    *,
    full_refresh: bool = False,
    date: str = "",
    since: str = "",
    until: str = "",
) -> ledger.LoadPlan:
    """What ``03_load`` stages for its parameters: what is new since the last published load;
    with ``date`` or ``since``/``until`` those days' log files; with ``full_refresh`` all."""
    days = ledger.days_of(date, since, until)
    return ledger.plan_load(warehouse, run_id or run.run_id, days=days, full_refresh=full_refresh)


def copy_staging(
    warehouse: Warehouse,
    run: RunFolder,
    plan: ledger.LoadPlan | None = None,
    *,
    full_refresh: bool = False,
    days: ledger.Days | None = None,
) -> StagingLoad:
    """Stage what ``plan`` chose; by default what is new since the last published load, or
    ``days``' log files (a backfill), or everything (``full_refresh``).

    Emptying runs on its own first (Redshift's TRUNCATE commits anyway, so both targets
    behave alike); the manifests of the chosen objects are written under the staging
    prefix, and each COPY with objects to read runs with MANIFEST. Nothing to stage: no
    COPY runs. Every row this COPY rejected lands in the run's ``load_errors.csv``, also
    when the COPY fails (the error is raised after). The list of staged objects is then
    COPYed into ``sparkify_load_files`` for the ledger.
    """
    if plan is None:
        plan = ledger.plan_load(warehouse, run.run_id, days=days, full_refresh=full_refresh)
    s3 = warehouse.access.aws_client("s3")
    results = warehouse.run_files(
        [paths.sql_dir() / EMPTY_STAGING, paths.sql_dir() / EMPTY_LOAD_FILES]
    )
    if plan.nothing_new:
        log.info("%s Nothing is staged or published.", plan.describe())
        return StagingLoad(results_frame(results), empty_load_errors(), plan)
    ledger.write_manifests(s3, plan)
    copies = [step for step, kind in ((COPY_EVENTS, ledger.LOG), (COPY_SONGS, ledger.SONG))
              if plan.staged(kind)]  # fmt: skip
    started = datetime.now(timezone.utc)
    rejected = empty_load_errors()
    try:
        results += warehouse.run_files([step.path for step in copies], plan.parameters())
    except WarehouseError as exc:  # the star schema was not touched: say what it holds
        _say_what_is_kept(exc, held_load(last_publish(warehouse)))
        raise
    finally:
        rejected = warehouse.load_errors(since=started)
        _keep_evidence(run.load_errors, lambda: report.write_load_errors(rejected, run), warehouse)
    ledger.write_load_files(s3, warehouse, plan, rejected)
    results += warehouse.run_files([COPY_FILES.path], plan.parameters())
    return StagingLoad(results_frame(results), rejected, plan)


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
    """Merge staging into the star schema (every transform step, one transaction).

    Inside :func:`publish`'s transaction they join it; on their own they commit at once.
    """
    return results_frame(warehouse.run_files([step.path for step in steps(TRANSFORM)]))


def check(
    warehouse: Warehouse, run: RunFolder, note: str = "", *, whole_tables: bool = True
) -> quality.QualityReport:
    """Run the data checks, write ``quality.csv``, raise when an error-severity check fails
    (``note`` ends the error's message). ``whole_tables=False``: an incremental publish's
    checks, of the rows it merged against the whole tables (:mod:`sparkify_helpers.quality`)."""
    result = quality.run_checks(warehouse, whole_tables=whole_tables)
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
    skipped: bool = False  # nothing new was staged: nothing was published

    def merged(self) -> pd.DataFrame:
        """The statements that changed the star schema: file, kind (MERGE, INSERT, DELETE), rows."""
        frame = self.statements
        changed = frame[frame["kind"].isin(["MERGE", "INSERT", "DELETE", "UPDATE"])]
        return changed[~changed["file"].str.startswith("checks/")].reset_index(drop=True)

    @property
    def plays_merged(self) -> int:
        """Plays this publish merged into songplays (new, re-loaded or re-matched)."""
        frame = self.statements
        merged = frame[(frame["kind"] == "MERGE") & (frame["file"] == SONGPLAYS_MERGE_FILE)]
        return int(merged["rows"].fillna(0).iloc[0]) if not merged.empty else 0


SONGPLAYS_MERGE_FILE = "insert/50_songplays.sql"


def _nothing_published() -> Publish:
    """What :func:`publish` returns when there was nothing new: no statements, no checks."""
    checks = quality.QualityReport(pd.DataFrame(columns=list(quality.QUALITY_COLUMNS)), {})
    return Publish(results_frame([]), checks, skipped=True)


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


def publish_parameters(
    run_id: str, *, full_refresh: bool = False, checks_digest: str = ""
) -> dict[str, str]:
    """What ``sql/publish`` is rendered with: the run id, the time now (UTC), the refresh flag
    and the fingerprint of the data checks the publish passed."""
    return {
        "run_id": run_id,
        "published_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f"),
        "full_refresh": "true" if full_refresh else "false",
        "checks_digest": checks_digest,
    }


def _upgrade_control_table(warehouse: Warehouse) -> list[StatementResult]:
    """Add the control table's newer column to a table created before it existed."""
    column, upgrade = CONTROL_UPGRADE
    if column in warehouse.query("SELECT * FROM sparkify_publishes LIMIT 0").columns:
        return []
    return warehouse.run_file(paths.sql_dir() / upgrade)


def _checks_changed(warehouse: Warehouse, digest: str) -> bool:
    """Whether the latest publish passed other data checks than ``digest`` (or is older
    than the fingerprint): then the rows it left were never checked by the current ones."""
    frame = warehouse.query(CHECKS_DIGEST_QUERY)
    changed = frame.empty or frame["checks_digest"].iloc[0] != digest
    if changed:
        log.info("the data checks changed since the last publish: this one checks every row")
    return changed


def publish(
    warehouse: Warehouse,
    run: RunFolder,
    run_id: str = "",
    *,
    full_refresh: bool = False,
    staged: StagingLoad | None = None,
) -> Publish:
    """Transform, check and publish in ONE transaction; commit only if every error check passed.

    On a full refresh the new star tables are built beside the old ones, transformed and
    checked there, and swapped in before the commit (see the module's docstring). A full
    refresh, a first load and the first load after the data checks changed check every row;
    a later load checks the rows it merged (and their relations to the rest), the rest having
    been checked when it was published. A failed
    check (``DataCheckError``), a failed statement or an interrupt rolls everything back;
    the error names the load the warehouse still holds.
    ``quality.csv`` is written either way. When ``staged`` staged nothing new, nothing is
    published (the result says ``skipped``).
    """
    run_id = run_id or run.run_id
    if staged is not None and staged.nothing_new and not full_refresh:
        log.info("nothing new was staged: run %s publishes nothing", run_id)
        return _nothing_published()
    previous = last_publish(warehouse)
    note = held_load(previous)
    digest = quality.checks_digest()
    params = publish_parameters(run_id, full_refresh=full_refresh, checks_digest=digest)
    results = []
    try:
        with warehouse.transaction():
            results += warehouse.run_file(paths.sql_dir() / CONTROL_TABLE)
            results += _upgrade_control_table(warehouse)
            if full_refresh:
                results += warehouse.run_statements([(REFRESH_SOURCE, refresh.build_beside())])
                with warehouse.addressing(refresh.new_names()):
                    results += warehouse.run_files([step.path for step in steps(TRANSFORM)])
                    checks = check(warehouse, run, note)
                results += warehouse.run_statements([(REFRESH_SOURCE, refresh.swap())])
            else:
                results += warehouse.run_files([step.path for step in steps(TRANSFORM)])
                whole = previous is None or _checks_changed(warehouse, digest)
                checks = check(warehouse, run, note, whole_tables=whole)
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


PUBLISHED_COUNTS_QUERY = (
    "SELECT songplays_rows, users_rows, songs_rows, artists_rows, time_rows "
    "FROM sparkify_publishes ORDER BY published_at DESC LIMIT 2"
)


def counts_before(warehouse: Warehouse, *, published: bool = True) -> dict[str, int]:
    """Star-table rows at the publish before this run's (``published``) or at the latest one
    (this run published nothing); empty before any publish (every row is new)."""
    if not warehouse.table_exists(read_catalog().table("sparkify_publishes").name):
        return {}
    frame = warehouse.query(PUBLISHED_COUNTS_QUERY)
    index = 1 if published else 0
    if len(frame) <= index:
        return {t.name: 0 for t in read_catalog().star}
    row = frame.iloc[index]
    return {column.removesuffix("_rows"): int(row[column]) for column in frame.columns}


def load_summary(staged: StagingLoad, published: Publish) -> dict[str, object]:
    """What ``run.json`` carries under ``load``: files and rows staged, rows rejected, plays
    merged, and whether this run published (nothing new: it did not)."""
    plan = staged.plan
    summary: dict[str, object] = {
        "published": not published.skipped,
        "files_staged": len(plan.staged()) if plan else None,
        "rows_staged": staged.rows_staged,
        "rows_rejected": len(staged.rejected),
        "plays_merged": published.plays_merged,
    }
    if plan is not None:
        summary["files_skipped"] = len(plan.files) - len(plan.staged())
        summary["days"] = str(plan.days) if plan.days else None
        summary["note"] = plan.describe()
    return summary


def write_reports(
    warehouse: Warehouse,
    run: RunFolder,
    staged: StagingLoad | None = None,
    published: Publish | None = None,
) -> tuple[pd.DataFrame, report.MatchRate]:
    """Write ``row_counts.csv`` (with this run's delta) and ``etl_*.results``, and, given what
    this run staged and published, ``load.json``; return the counts and match rate."""
    before = counts_before(warehouse, published=published is None or not published.skipped)
    counts = report.with_delta(report.row_counts(warehouse), before)
    rate = report.match_rate(warehouse)
    summary = load_summary(staged, published) if staged and published else None
    report.write_row_counts(counts, run)
    report.write_results_file(counts, run, rate, summary)
    if summary is not None:
        run.write_text(run.load_summary, json.dumps(summary, indent=2))
    log.info("songplays match rate: %s", rate)
    return counts, rate
