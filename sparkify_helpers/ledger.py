"""The load ledger: which source objects a run stages, and the manifests it COPYs them with.

A run lists the source prefixes (``log_data``, ``song_data``; boto3, paginated), reads the
ledger (``sparkify_load_ledger``: every object a published load staged, with its ETag) in
one query, and stages the objects that are new or whose ETag changed. ``--date`` /
``--since``/``--until`` stage exactly those days' log files instead (a backfill); a full
refresh stages everything. The chosen objects are written as Redshift manifests
(``loading-data-files-using-manifest.md``) under the staging prefix, one per COPY, and the
list of staged files (with the rows each staged and rejected) as JSON lines that the load
COPYs into ``sparkify_load_files``; the publish transaction copies that list into the ledger.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from sparkify_helpers.catalog import read_catalog
from sparkify_helpers.config import Settings
from sparkify_helpers.copy.fetch import S3Object, list_prefix, split_uri
from sparkify_helpers.errors import ConfigError, CopyError
from sparkify_helpers.warehouse import Warehouse

log = logging.getLogger(__name__)

LOG, SONG = "log", "song"
NEW, CHANGED, BACKFILL, REFRESH = "new", "changed", "backfill", "full refresh"
UNCHANGED, OUTSIDE = "unchanged", "outside the days asked"
STAGED_STATUSES = (NEW, CHANGED, BACKFILL, REFRESH)
READ_ONLY_BUCKETS = ("udacity-dend",)
_DAY = re.compile(r"(\d{4}-\d{2}-\d{2})")
LEDGER_QUERY = (
    "SELECT source_key, etag FROM ("
    "SELECT source_key, etag, ROW_NUMBER() OVER "
    "(PARTITION BY source_key ORDER BY loaded_at DESC, etag) AS recency "
    "FROM sparkify_load_ledger) AS latest WHERE recency = 1"
)
DAY_ROWS_QUERY = (
    "SELECT CAST(ts AS DATE) AS day, COUNT(*) AS n FROM staging_events "
    "WHERE ts IS NOT NULL GROUP BY CAST(ts AS DATE)"
)


@dataclass(frozen=True)
class Days:
    """The days a backfill re-loads: ``since`` to ``until``, both included."""

    since: date
    until: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.since <= day <= self.until

    def __str__(self) -> str:
        return str(self.since) if self.since == self.until else f"{self.since}..{self.until}"


def days_of(day: str = "", since: str = "", until: str = "") -> Days | None:
    """The backfill of ``--date D`` or ``--since D --until D`` (None: no backfill).

    Raises ConfigError for a date that is not YYYY-MM-DD, both forms at once, half a range,
    or a range that ends before it starts.
    """
    if not (day or since or until):
        return None
    if day and (since or until):
        raise ConfigError("Give either --date D or --since D --until D, not both.")
    if day:
        one = _parse_day("--date", day)
        return Days(one, one)
    if not (since and until):
        raise ConfigError("--since and --until go together: give both days (YYYY-MM-DD).")
    days = Days(_parse_day("--since", since), _parse_day("--until", until))
    if days.until < days.since:
        raise ConfigError(f"--until {days.until} is before --since {days.since}: swap them.")
    return days


def _parse_day(option: str, text: str) -> date:
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise ConfigError(f"{option} {text!r} is not a day: write it as YYYY-MM-DD.") from None


def file_day(key: str) -> date | None:
    """The day a log file holds, from its name (``2018-11-15-events.json``); None if none."""
    match = _DAY.search(key.rsplit("/", 1)[-1])
    if match is None:
        return None
    try:
        return date.fromisoformat(match.group(1))
    except ValueError:
        return None


def staging_prefix(settings: Settings, default: str | None = None) -> str:
    """Where the load writes its manifests and file lists (``load.staging_prefix``).

    ``default`` is the target's own place when the setting is empty (the local target: a
    folder of the emulator's bucket, :meth:`Target.default_staging_prefix`); without either
    the setting is required (Redshift), and the public (read-only) bucket is refused.
    """
    prefix = settings.load.staging_prefix or default
    if prefix is None:
        raise ConfigError(
            "load.staging_prefix is not set: the load writes its COPY manifests to S3. Set "
            "it to a prefix you can write, e.g. staging_prefix: s3://my-bucket/sparkify/."
        )
    bucket, _ = split_uri(prefix)
    if bucket in READ_ONLY_BUCKETS:
        raise ConfigError(
            f"load.staging_prefix {prefix} is in the public read-only bucket {bucket}: "
            "set it to a prefix of a bucket you can write."
        )
    return prefix.rstrip("/")


@dataclass(frozen=True)
class SourceFile:
    """One listed source object, its kind (log or song), its day and what this run does with it."""

    obj: S3Object
    kind: str
    day: date | None
    status: str

    @property
    def staged(self) -> bool:
        """Whether this run stages the object."""
        return self.status in STAGED_STATUSES


@dataclass(frozen=True)
class LoadPlan:
    """What a run stages: every listed source object with its status, and where the manifests go."""

    run_id: str
    files: tuple[SourceFile, ...]
    prefix: str
    days: Days | None = None
    full_refresh: bool = False

    def staged(self, kind: str | None = None) -> tuple[SourceFile, ...]:
        """The objects this run stages (of one kind, or all)."""
        return tuple(f for f in self.files if f.staged and kind in (None, f.kind))

    @property
    def nothing_new(self) -> bool:
        """True when no object is staged: the run publishes nothing."""
        return not self.staged()

    def manifest_uri(self, kind: str) -> str:
        """The manifest of one kind's COPY: ``<prefix>/<run id>/<kind>.manifest``."""
        return f"{self.prefix}/{self.run_id}/{kind}.manifest"

    @property
    def load_files_uri(self) -> str:
        """The JSON-lines list of staged objects COPYed into ``sparkify_load_files``."""
        return f"{self.prefix}/{self.run_id}/load_files.json"

    def parameters(self) -> dict[str, str]:
        """What ``sql/copy`` is rendered with: the manifests and the file list."""
        return {
            "log_manifest": self.manifest_uri(LOG),
            "song_manifest": self.manifest_uri(SONG),
            "load_files": self.load_files_uri,
        }

    def summary(self) -> pd.DataFrame:
        """Files and bytes per kind and status (for ``03_load``: new, skipped, re-loaded)."""
        frame = self.frame()
        if frame.empty:
            return pd.DataFrame(columns=["kind", "status", "files", "bytes"])
        grouped = frame.groupby(["kind", "status"], sort=True)
        return grouped.agg(files=("key", "size"), bytes=("bytes", "sum")).reset_index()

    def frame(self) -> pd.DataFrame:
        """One row per listed object: key, kind, day, bytes, status."""
        rows = [(f.obj.uri, f.kind, f.day, f.obj.size, f.status) for f in self.files]
        return pd.DataFrame(rows, columns=["key", "kind", "day", "bytes", "status"])

    def describe(self) -> str:
        """One line: what this run stages, and what it skips."""
        staged, skipped = len(self.staged()), len(self.files) - len(self.staged())
        what = (
            f"backfill of {self.days}" if self.days else "full refresh" if self.full_refresh else ""
        )
        if not staged:
            return f"Nothing new to load: all {skipped} source files are in the load ledger."
        return (
            f"Staging {staged} files ({len(self.staged(LOG))} log, {len(self.staged(SONG))} "
            f"song){' for a ' + what if what else ''}; {skipped} skipped."
        )


def ledger_etags(warehouse: Warehouse) -> dict[str, str]:
    """``{source key: ETag}`` of the latest ledger row of every object (one query)."""
    if not warehouse.table_exists(read_catalog().table("sparkify_load_ledger").name):
        return {}
    frame = warehouse.query(LEDGER_QUERY)
    return dict(zip(frame["source_key"].astype(str), frame["etag"].astype(str), strict=True))


def _status(
    obj: S3Object,
    kind: str,
    day: date | None,
    known: dict[str, str],
    *,
    full_refresh: bool,
    days: Days | None,
) -> str:
    """What this run does with one listed object (stage it, or why not)."""
    if full_refresh:
        return REFRESH
    if kind == LOG and days is not None:
        return BACKFILL if day in days else OUTSIDE
    etag = known.get(obj.uri)
    if etag is None:
        return NEW
    return UNCHANGED if etag == obj.etag else CHANGED


def plan_load(
    warehouse: Warehouse,
    run_id: str,
    *,
    days: Days | None = None,
    full_refresh: bool = False,
    s3: Any = None,
) -> LoadPlan:
    """List the source, compare it with the ledger, and decide what this run stages."""
    settings = warehouse.settings
    prefix = staging_prefix(settings, warehouse.access.default_staging_prefix())
    s3 = s3 if s3 is not None else warehouse.access.aws_client("s3")
    known = {} if full_refresh else ledger_etags(warehouse)
    files, empty = [], []
    for kind, uri in ((LOG, settings.source.log_data), (SONG, settings.source.song_data)):
        try:
            listed = list_prefix(s3, uri)
        except CopyError as exc:  # an empty prefix (no logs yet): only both empty is an error
            if "does not exist" not in str(exc) or "S3 prefix" not in str(exc):
                raise
            empty.append(exc)
            continue
        for obj in listed:
            day = file_day(obj.key) if kind == LOG else None
            status = _status(obj, kind, day, known, full_refresh=full_refresh, days=days)
            files.append(SourceFile(obj, kind, day, status))
    if len(empty) == 2:
        raise empty[0]
    plan = LoadPlan(run_id, tuple(files), prefix, days, full_refresh)
    log.info("%s", plan.describe())
    return plan


def _manifest(files: Iterable[SourceFile]) -> str:
    """A Redshift COPY manifest naming each object, every entry mandatory."""
    entries = [{"url": f.obj.uri, "mandatory": True} for f in files]
    return json.dumps({"entries": entries}, indent=1)


def _put(s3: Any, uri: str, body: str) -> None:
    bucket, key = split_uri(uri)
    s3.put_object(Bucket=bucket, Key=key, Body=body.encode("utf-8"))


def write_manifests(s3: Any, plan: LoadPlan) -> dict[str, str]:
    """Write the manifest of each kind that has staged files; ``{kind: manifest URI}``."""
    written = {}
    for kind in (LOG, SONG):
        staged = plan.staged(kind)
        if staged:
            _put(s3, plan.manifest_uri(kind), _manifest(staged))
            written[kind] = plan.manifest_uri(kind)
    return written


def load_files_lines(
    plan: LoadPlan, day_rows: dict[date, int], rejected: pd.DataFrame
) -> list[dict[str, object]]:
    """The staged objects as ``sparkify_load_files`` rows (rows staged per log day, rejected
    per file from the COPY's load errors)."""
    per_file: dict[str, int] = {}
    if not rejected.empty and "filename" in rejected:
        names = rejected["filename"].astype(str).str.strip()
        per_file = {str(name): int(n) for name, n in names.value_counts().items()}
    lines = []
    for f in plan.staged():
        rows = day_rows.get(f.day, 0) if f.kind == LOG and f.day is not None else None
        lines.append(
            {
                "source_key": f.obj.uri,
                "etag": f.obj.etag,
                "size_bytes": f.obj.size,
                "kind": f.kind,
                "file_day": f.day.isoformat() if f.day else None,
                "rows_staged": rows,
                "rows_rejected": int(per_file.get(f.obj.uri, 0)),
            }
        )
    return lines


def write_load_files(s3: Any, warehouse: Warehouse, plan: LoadPlan, rejected: pd.DataFrame) -> str:
    """Write the list of staged objects (JSON lines) for the COPY into ``sparkify_load_files``."""
    frame = warehouse.query(DAY_ROWS_QUERY)
    day_rows = {
        pd.Timestamp(d).date(): int(n) for d, n in zip(frame["day"], frame["n"], strict=True)
    }
    lines = load_files_lines(plan, day_rows, rejected)
    _put(s3, plan.load_files_uri, "".join(json.dumps(line) + "\n" for line in lines))
    return plan.load_files_uri
