"""Incremental loads: the ledger, manifests, MERGE keyed by the event, backfills, history.

Each test loads a bucket of its own in the shared emulator, file by file as a schedule
would, into a DuckDB file of its own, and compares star tables by content hash
(``fingerprints``: every row, songplay_id included). Redshift Developer Guide pages relied
on: ``r_COPY.md`` and ``loading-data-files-using-manifest.md`` (COPY ... MANIFEST loads
exactly the files the manifest names; ``"mandatory": true`` entries must exist),
``r_MERGE.md`` (MERGE updates the target rows a source row matches and inserts the others).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pandas as pd
import pytest
import raw_data
from test_publish import fingerprints

from sparkify_helpers import aws, config, datagen, ledger, load, paths, targets
from sparkify_helpers.errors import ConfigError
from sparkify_helpers.run_folder import RunFolder


class Source:
    """A bucket of the emulator laid out like the public one, and a warehouse per name."""

    def __init__(self, root: Path, tmp_path: Path, bucket: str) -> None:
        self.root, self.tmp_path, self.bucket = root, tmp_path, bucket
        self.base = config.load_settings()
        self.s3 = targets.for_settings(self.base).aws_client("s3")
        self.s3.create_bucket(
            Bucket=bucket,
            CreateBucketConfiguration={"LocationConstraint": self.base.aws.region},
        )
        self.runs = 0

    def target(self, warehouse: str) -> targets.Target:
        prefix = f"s3://{self.bucket}"
        settings = self.base.with_overrides(
            log_data=f"{prefix}/log_data",
            log_jsonpath=f"{prefix}/log_json_path.json",
            song_data=f"{prefix}/song_data",
            warehouse_path=self.tmp_path / f"{warehouse}.duckdb",
        )
        return targets.for_settings(settings)

    def put(self, path: Path, body: bytes | None = None) -> str:
        key = path.relative_to(self.root).as_posix()
        self.s3.put_object(
            Bucket=self.bucket, Key=key, Body=path.read_bytes() if body is None else body
        )
        return key

    def delete(self, path: Path) -> None:
        self.s3.delete_object(Bucket=self.bucket, Key=path.relative_to(self.root).as_posix())

    def load(self, warehouse: str, **options) -> tuple[load.StagingLoad, load.Publish, dict]:
        """What 02 and 03 do for one run; returns what was staged, published, and the star."""
        self.runs += 1
        run_id = f"{warehouse}-{self.runs}"
        run = RunFolder.open(self.tmp_path / "runs" / run_id)
        full = options.pop("full_refresh", False)
        with self.target(warehouse).open_warehouse() as dw:
            load.create_tables(dw, full_refresh=full)
            plan = load.plan_run(dw, run, run_id, full_refresh=full, **options)
            staged = load.copy_staging(dw, run, plan)
            published = load.publish(dw, run, run_id, full_refresh=full, staged=staged)
            load.write_reports(dw, run, staged, published)
            return staged, published, fingerprints(dw)

    def query(self, warehouse: str, sql: str) -> pd.DataFrame:
        with self.target(warehouse).open_warehouse(read_only=True) as dw:
            return dw.query(sql)


def _source(root: Path, tmp_path: Path) -> Source:
    source = Source(root, tmp_path, f"incr-{uuid.uuid4().hex[:10]}")
    aws.ensure_role(source.target("any"))
    source.put(root / "log_json_path.json")
    return source


@pytest.fixture
def sample(emulator_endpoint, run_env, sample_dir: Path, tmp_path: Path) -> Source:
    """An empty bucket for the real sample (only its JSONPaths file in it)."""
    return _source(sample_dir, tmp_path)


def _plays(source: Source, warehouse: str) -> pd.DataFrame:
    return source.query(warehouse, "SELECT * FROM songplays ORDER BY songplay_id").reset_index(
        drop=True
    )


def test_days_one_at_a_time_give_the_tables_of_the_month_at_once(sample, sample_dir):
    days = raw_data.log_files(sample_dir)
    for song in raw_data.song_files(sample_dir):
        sample.put(song)
    for number, day in enumerate(days):
        sample.put(day)
        staged, published, daily = sample.load("daily")
        # the catalogue is staged once, with the first day; then exactly the new day's file
        expected_files = 1 + (len(raw_data.song_files(sample_dir)) if number == 0 else 0)
        assert len(staged.plan.staged()) == expected_files
        assert [f.obj.key for f in staged.plan.staged(ledger.LOG)] == [
            day.relative_to(sample_dir).as_posix()
        ]
        assert not published.skipped
    _, _, month = sample.load("month")
    assert daily == month
    expected = raw_data.expected_counts(sample_dir)
    assert len(_plays(sample, "daily")) == expected["songplays"]
    ledger_rows = sample.query(
        "daily", "SELECT kind, COUNT(*) AS n FROM sparkify_load_ledger GROUP BY kind"
    )
    assert dict(zip(ledger_rows["kind"], ledger_rows["n"], strict=True)) == {
        "log": len(days),
        "song": len(raw_data.song_files(sample_dir)),
    }

    # the same input again: nothing new, nothing staged or published, exit as normal
    publishes = sample.query("daily", "SELECT COUNT(*) AS n FROM sparkify_publishes")["n"][0]
    staged, published, again = sample.load("daily")
    assert staged.nothing_new and published.skipped and again == month
    assert staged.plan.describe().startswith("Nothing new to load")
    assert (
        sample.query("daily", "SELECT COUNT(*) AS n FROM sparkify_publishes")["n"][0] == publishes
    )

    # a day loaded twice (a backfill of an unchanged file) changes nothing, ids included
    staged, published, again = sample.load("daily", date="2018-11-15")
    assert [f.day.isoformat() for f in staged.plan.staged()] == ["2018-11-15"]
    assert not published.skipped and again == month


def test_backfilling_a_changed_day_replaces_its_plays_and_nothing_else(sample, sample_dir):
    for path in [*raw_data.song_files(sample_dir), *raw_data.log_files(sample_dir)]:
        sample.put(path)
    sample.load("wh")
    before = _plays(sample, "wh")
    day_file = next(f for f in raw_data.log_files(sample_dir) if "2018-11-15" in f.name)
    events = raw_data.json_lines(day_file)
    plays = [i for i, e in enumerate(events) if e["page"] == "NextSong"]
    dropped, moved = plays[:3], plays[3]
    events[moved] = {**events[moved], "location": "Backfilled, XX"}
    kept = [e for i, e in enumerate(events) if i not in dropped]
    sample.put(day_file, "".join(json.dumps(e) + "\n" for e in kept).encode())

    staged, published, _ = sample.load("wh", since="2018-11-15", until="2018-11-15")
    assert [f.status for f in staged.plan.staged()] == [ledger.BACKFILL]
    after = _plays(sample, "wh")
    on_day = before["start_time"].dt.strftime("%Y-%m-%d") == "2018-11-15"
    # every other day: exactly as it was, ids included
    others = after[after["start_time"].dt.strftime("%Y-%m-%d") != "2018-11-15"]
    pd.testing.assert_frame_equal(
        others.reset_index(drop=True), before[~on_day].reset_index(drop=True)
    )
    # the day: its plays are the file's, the three dropped ones are gone, the rest keep their ids
    day_after = after[after["start_time"].dt.strftime("%Y-%m-%d") == "2018-11-15"]
    assert len(day_after) == on_day.sum() - 3
    assert set(day_after["songplay_id"]) < set(before[on_day]["songplay_id"])
    assert (day_after["location"] == "Backfilled, XX").sum() == 1
    assert published.plays_merged == len(day_after)


def test_a_changed_file_is_staged_again_without_a_backfill_and_a_gone_file_keeps_its_plays(
    sample, sample_dir
):
    logs = raw_data.log_files(sample_dir)
    for path in [*raw_data.song_files(sample_dir), *logs]:
        sample.put(path)
    sample.load("wh")
    full = _plays(sample, "wh")
    sample.put(logs[0], logs[0].read_bytes() + b"\n")  # same events, another ETag
    sample.delete(logs[-1])  # an S3 lifecycle rule expired the last day
    staged, _, _ = sample.load("wh")
    statuses = staged.plan.frame().set_index("key")["status"]
    assert (
        statuses[f"s3://{sample.bucket}/{logs[0].relative_to(sample_dir).as_posix()}"] == "changed"
    )
    assert [f.obj.key for f in staged.plan.staged()] == [logs[0].relative_to(sample_dir).as_posix()]
    pd.testing.assert_frame_equal(_plays(sample, "wh"), full)  # the gone day's plays stay
    # only a full refresh rebuilds from the source as it is now
    sample.load("wh", full_refresh=True)
    gone_day = logs[-1].name[:10]
    assert not (_plays(sample, "wh")["start_time"].dt.strftime("%Y-%m-%d") == gone_day).any()


def test_a_late_catalogue_file_turns_earlier_unmatched_plays_into_matched_ones(sample, sample_dir):
    songs = raw_data.song_files(sample_dir)
    titles = {e["song"] for e in raw_data.events(sample_dir) if e["page"] == "NextSong"}
    late = [f for f in songs if raw_data.json_lines(f)[0]["title"] in titles]
    assert late, "the sample has songs that plays match"
    for path in [*(f for f in songs if f not in late), *raw_data.log_files(sample_dir)]:
        sample.put(path)
    sample.load("wh")
    unmatched_before = sample.query(
        "wh", "SELECT COUNT(*) AS n FROM songplays WHERE song_id IS NULL"
    )
    for path in late:
        sample.put(path)
    staged, published, late_tables = sample.load("wh")
    assert {f.kind for f in staged.plan.staged()} == {ledger.SONG}  # no log file again
    assert published.plays_merged > 0
    _, _, at_once = sample.load("at-once")
    assert late_tables == at_once
    unmatched_after = sample.query(
        "wh", "SELECT COUNT(*) AS n FROM songplays WHERE song_id IS NULL"
    )
    assert unmatched_after["n"][0] == unmatched_before["n"][0] - published.plays_merged


def test_run_json_load_and_the_reports_carry_this_runs_delta(sample, sample_dir):
    days = raw_data.log_files(sample_dir)[:2]
    for path in [*raw_data.song_files(sample_dir), days[0]]:
        sample.put(path)
    sample.load("wh")
    sample.put(days[1])
    staged, published, _ = sample.load("wh")
    run = RunFolder.open(sample.tmp_path / "runs" / f"wh-{sample.runs}")
    plays_day = sum(e["page"] == "NextSong" for e in raw_data.json_lines(days[1]))
    summary = json.loads(run.load_summary.read_text())
    assert summary | {"note": None} == {
        "published": True,
        "files_staged": 1,
        "rows_staged": len(raw_data.json_lines(days[1])),
        "rows_rejected": 0,
        "plays_merged": plays_day,
        "files_skipped": len(raw_data.song_files(sample_dir)) + 1,
        "days": None,
        "note": None,
    }
    counts = pd.read_csv(run.row_counts).set_index("table")
    assert list(counts.columns) == ["rows", "delta"]  # table,rows as before, then the delta
    assert counts.loc["songplays", "delta"] == plays_day
    assert counts.loc["songs", "delta"] == 0
    results = next(run.path.glob("etl_*.results")).read_text()
    assert (
        f"Table: songplays\nRows: {counts.loc['songplays', 'rows']}\nThis run: +{plays_day}"
        in results
    )
    assert f"1 files staged, {summary['rows_staged']:,} rows staged" in results


def test_staging_prefix_must_be_writable_and_days_must_be_days():
    redshift = config.load_settings(paths.config_dir() / "redshift.yaml")
    assert ledger.staging_prefix(redshift) == "s3://my-sparkify-bucket/sparkify/staging"
    with pytest.raises(ConfigError, match="public read-only bucket udacity-dend"):
        ledger.staging_prefix(redshift.with_overrides(staging_prefix="s3://udacity-dend/x"))
    with pytest.raises(ConfigError, match="load.staging_prefix is not set"):
        ledger.staging_prefix(redshift.with_overrides(staging_prefix=None))
    local = config.load_settings(paths.config_dir() / "local.yaml")
    local_default = targets.for_settings(local).default_staging_prefix()
    assert ledger.staging_prefix(local, local_default) == "s3://sparkify-local/sparkify-staging"
    assert str(ledger.days_of(since="2018-11-03", until="2018-11-05")) == "2018-11-03..2018-11-05"
    for bad, message in [
        ({"day": "15/11/2018"}, "is not a day"),
        ({"since": "2018-11-03"}, "go together"),
        ({"since": "2018-11-05", "until": "2018-11-03"}, "before --since"),
        ({"day": "2018-11-05", "since": "2018-11-03"}, "not both"),
    ]:
        with pytest.raises(ConfigError, match=message):
            ledger.days_of(**bad)


# -- generated data: levels that go up and down across days ------------------------------


@pytest.fixture
def generated(emulator_endpoint, run_env, tmp_path: Path) -> Source:
    root = tmp_path / "generated"
    datagen.generate(root, 6_000, seed=7, days=6, progress=False)
    changes = _level_changes(root)
    assert changes["free->paid"] > 0 and changes["paid->free"] > 0
    source = _source(root, tmp_path)
    for song in raw_data.song_files(root):
        source.put(song)
    return source


def _level_changes(root: Path) -> dict[str, int]:
    """How often a user's level went up and down between two events, from the raw files."""
    by_user: dict[int, list[tuple]] = {}
    for e in raw_data.events(root):
        if e.get("userId") not in ("", None) and e.get("level"):
            by_user.setdefault(int(e["userId"]), []).append(
                ((e["ts"], e["sessionId"], e["itemInSession"]), e["level"])
            )
    changes = {"free->paid": 0, "paid->free": 0}
    for events in by_user.values():
        levels = [level for _, level in sorted(events)]
        for a, b in zip(levels, levels[1:], strict=False):
            if a != b:
                changes[f"{a}->{b}"] += 1
    return changes


def _latest_levels(root: Path) -> dict[int, str]:
    """Each user's level at their latest event (ts, session, item), from the raw files."""
    latest: dict[int, tuple] = {}
    for e in raw_data.events(root):
        if e.get("userId") in ("", None) or not e.get("level"):
            continue
        key = (e["ts"], e["sessionId"], e["itemInSession"])
        user = int(e["userId"])
        if user not in latest or key > latest[user][0]:
            latest[user] = (key, e["level"])
    return {user: level for user, (_, level) in latest.items()}


def test_generated_days_one_at_a_time_keep_each_users_latest_level(generated):
    days = raw_data.log_files(generated.root)
    for day in days:
        generated.put(day)
        generated.load("daily")
    _, _, at_once = generated.load("at-once")
    _, _, daily = generated.load("daily")  # nothing new: unchanged
    assert daily == at_once
    users = generated.query("daily", "SELECT user_id, level FROM users")
    assert dict(zip(users["user_id"].astype(int), users["level"], strict=True)) == _latest_levels(
        generated.root
    )
    # re-loading an early day (older events) never brings an old level back
    generated.load("daily", date=days[0].name[:10])
    users = generated.query("daily", "SELECT user_id, level FROM users")
    assert dict(zip(users["user_id"].astype(int), users["level"], strict=True)) == _latest_levels(
        generated.root
    )
