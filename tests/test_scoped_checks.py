"""The data checks of an incremental publish: the rows it merged, against the whole tables.

A warehouse holds the real sample's catalogue and every day but the last, published; the
next publish (the last day, or a backfill of a day already loaded) carries one defect, from
its input or from a transform step the test adds (a fault written as SQL, run in the publish
transaction like the transforms of ``sql/insert``). Each defect involves rows this publish
merged, some together with old rows (an id repeated against an old play), and is caught by
its check: the load raises ``DataCheckError`` naming the check and the held load, nothing is
published (every star table byte-identical, ``test_publish.fingerprints``). A full refresh
and a first load check every row, also those outside the merge's work tables. Redshift
Developer Guide page relied on: ``r_MERGE.md`` (MERGE inserts or updates only target rows
that a source row matches or adds, so the source table bounds what it can change).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import raw_data
from test_incremental import Source, _source
from test_publish import fingerprints

from sparkify_helpers import load, paths, quality, sqlfiles
from sparkify_helpers.errors import DataCheckError


@pytest.fixture
def history(emulator_endpoint, run_env, sample_dir: Path, tmp_path: Path) -> Source:
    """The catalogue and every day but the last, loaded and published into ``wh`` (run wh-1)."""
    source = _source(sample_dir, tmp_path)
    for path in [*raw_data.song_files(sample_dir), *raw_data.log_files(sample_dir)[:-1]]:
        source.put(path)
    source.load("wh")
    return source


def _add_step(monkeypatch, tmp_path: Path, sql: str, *, after: str) -> None:
    """Run ``sql`` as a transform step right after the step named ``after``."""
    path = tmp_path / "fault.sql"
    path.write_text("-- description: a fault, as a transform could make it.\n" + sql)
    steps = []
    for step in load.STEPS:
        steps.append(step)
        if step.name == after:
            steps.append(load.LoadStep("fault", load.TRANSFORM, str(path)))
    monkeypatch.setattr(load, "STEPS", tuple(steps))


def _star(source: Source, warehouse: str = "wh") -> dict[str, str]:
    with source.target(warehouse).open_warehouse(read_only=True) as dw:
        return fingerprints(dw)


def _refused(source: Source, check: str, **options) -> None:
    """The next load of ``wh`` fails ``check``, publishes nothing and says run wh-1 is held."""
    before = _star(source)
    with pytest.raises(DataCheckError) as caught:
        source.load("wh", **options)
    message = str(caught.value)
    assert f"- {check}:" in message
    assert "Nothing was published; the warehouse still holds the load of run wh-1 (" in message
    assert _star(source) == before
    publishes = source.query("wh", "SELECT run_id FROM sparkify_publishes")
    assert publishes["run_id"].tolist() == ["wh-1"]
    run = source.tmp_path / "runs" / f"wh-{source.runs}"
    checks = pd.read_csv(run / "quality.csv").set_index("check")
    assert checks.loc[check, "status"] == "fail"


def _last_day(sample_dir: Path) -> Path:
    return raw_data.log_files(sample_dir)[-1]


def test_a_backfilled_play_inserted_again_repeats_an_old_id_and_is_found(
    history, sample_dir, monkeypatch, tmp_path
):
    # a transform bug: INSERT where the MERGE should update. The re-loaded day's plays keep
    # their ids, so each is inserted beside its old row: the touched id counted over the
    # whole table appears twice.
    merge = paths.sql_dir() / "insert" / "50_songplays.sql"
    statements = sqlfiles.read_sql_file(merge).statements
    insert = (
        "INSERT INTO songplays (songplay_id, start_time, user_id, level, song_id, artist_id, "
        "session_id, location, user_agent) SELECT n.songplay_id, n.start_time, n.user_id, "
        "n.level, n.song_id, n.artist_id, n.session_id, n.location, n.user_agent "
        "FROM sparkify_merge_plays AS n"
    )
    buggy = [insert if s.startswith("MERGE INTO songplays") else s for s in statements]
    assert buggy != statements
    path = tmp_path / "50_songplays_buggy.sql"
    path.write_text(";\n".join(buggy) + ";\n")
    steps = [
        load.LoadStep(s.name, s.phase, str(path)) if s.file == load.SONGPLAYS_MERGE_FILE else s
        for s in load.STEPS
    ]
    monkeypatch.setattr(load, "STEPS", tuple(steps))
    day = raw_data.log_files(sample_dir)[14].name[:10]
    _refused(history, "10_songplays_key", date=day)


def test_a_merged_play_whose_song_is_missing_is_found(history, sample_dir, monkeypatch, tmp_path):
    _add_step(
        monkeypatch,
        tmp_path,
        "UPDATE songplays SET song_id = 'SONOSUCHSONG00000' "
        "WHERE songplay_id = (SELECT MAX(m.songplay_id) FROM sparkify_merge_plays AS m);",
        after="merge songplays",
    )
    history.put(_last_day(sample_dir))
    _refused(history, "20_songplays_song_exists")


def test_a_merged_play_without_its_time_row_is_found(history, sample_dir, monkeypatch, tmp_path):
    _add_step(
        monkeypatch,
        tmp_path,
        "DELETE FROM time "
        "WHERE start_time = (SELECT MAX(m.start_time) FROM sparkify_merge_plays AS m);",
        after="merge songplays",
    )
    history.put(_last_day(sample_dir))
    _refused(history, "23_songplays_time_exists")


def test_a_new_day_with_an_invalid_level_is_found(history, sample_dir):
    day = _last_day(sample_dir)
    events = raw_data.json_lines(day)
    play = next(i for i, e in enumerate(events) if e["page"] == "NextSong")
    events[play] = {**events[play], "level": "gold"}
    history.put(day, "".join(json.dumps(e) + "\n" for e in events).encode())
    _refused(history, "41_songplays_level_valid")


# A fault outside what the merge's work tables name: an old play gets an invalid level, and
# the work table of the plays is emptied. An incremental publish's checks do not read that
# row (its own rows were all checked); a full refresh's and a first load's read every row.
OUTSIDE_THE_MERGE = (
    "UPDATE songplays SET level = 'gold' "
    "WHERE songplay_id = (SELECT MIN(p.songplay_id) FROM songplays AS p);\n"
    "DELETE FROM sparkify_merge_plays;"
)


def test_a_full_refresh_checks_every_row(history, monkeypatch, tmp_path):
    _add_step(monkeypatch, tmp_path, OUTSIDE_THE_MERGE, after="replace re-loaded days")
    _refused(history, "41_songplays_level_valid", full_refresh=True)


def test_a_first_load_checks_every_row(history, sample_dir, monkeypatch, tmp_path):
    _add_step(monkeypatch, tmp_path, OUTSIDE_THE_MERGE, after="replace re-loaded days")
    with pytest.raises(DataCheckError, match="41_songplays_level_valid"):
        history.load("first")
    tables = history.query("first", "SELECT COUNT(*) AS n FROM songplays")
    assert tables["n"][0] == 0


def test_an_incremental_publish_checks_its_own_rows_and_the_whole_tables_every_row(history):
    # the publish empties the work tables it merged from; then an old play changes outside
    # any publish: the checks of an incremental publish do not read it, whole tables do
    with history.target("wh").open_warehouse() as dw:
        work = [f"sparkify_merge_{t}" for t in ("users", "artists", "songs", "plays")]
        assert [dw.row_count(t) for t in work] == [0, 0, 0, 0]
        dw.run_sql("UPDATE songplays SET level = 'gold' WHERE songplay_id = 1")
        scoped = quality.run_checks(dw, whole_tables=False).results.set_index("check")
        whole = quality.run_checks(dw).results.set_index("check")
    assert scoped.loc["41_songplays_level_valid", "status"] == "pass"
    assert whole.loc["41_songplays_level_valid", "status"] == "fail"
    assert whole.loc["41_songplays_level_valid", "failures"] == 1
    assert list(whole.reset_index().columns) == quality.QUALITY_COLUMNS


def _tightened_checks(monkeypatch, tmp_path: Path) -> None:
    """The project's SQL as a later version has it: one data check's text changed (any change
    to ``sql/checks`` changes ``quality.checks_digest``)."""
    sql = tmp_path / "later-sql"
    shutil.copytree(paths.sql_dir(), sql)
    check = sql / "checks" / "41_songplays_level_valid.sql"
    check.write_text(check.read_text() + "-- tightened in a later version\n")
    monkeypatch.setattr(paths, "sql_dir", lambda: sql)


def test_the_first_publish_after_the_checks_changed_checks_every_row(
    history, sample_dir, monkeypatch, tmp_path
):
    """A row published under older checks (here an old play changed outside any publish) is
    out of an incremental publish's scope while the checks stay as they were; once they
    change, the next publish checks every row, finds it, and publishes nothing."""
    with history.target("wh").open_warehouse() as dw:
        dw.run_sql("UPDATE songplays SET level = 'gold' WHERE songplay_id = 1")
    for suffix in ("", ".wal"):  # the same warehouse twice: one per version of the checks
        if (tmp_path / f"wh.duckdb{suffix}").exists():
            shutil.copy(tmp_path / f"wh.duckdb{suffix}", tmp_path / f"same.duckdb{suffix}")
    history.put(_last_day(sample_dir))
    history.load("same")  # the checks unchanged: the old play is not this publish's
    assert history.query("same", "SELECT COUNT(*) AS n FROM sparkify_publishes")["n"][0] == 2
    _tightened_checks(monkeypatch, tmp_path)
    _refused(history, "41_songplays_level_valid")


def test_a_control_table_made_before_checks_digest_is_upgraded_and_checked_whole(
    history, sample_dir, caplog
):
    """A warehouse made by an older version has no ``checks_digest`` column: the publish adds
    it in its transaction (``sql/upgrade``), checks every row (which checks the rows before
    passed is unknown), and records the digest; the load after that is scoped again."""
    digest = quality.checks_digest()
    query = "SELECT run_id, checks_digest FROM sparkify_publishes ORDER BY published_at"
    assert history.query("wh", query).values.tolist() == [["wh-1", digest]]
    with history.target("wh").open_warehouse() as dw:
        dw.run_sql("ALTER TABLE sparkify_publishes DROP COLUMN checks_digest")
    history.put(_last_day(sample_dir))
    caplog.set_level("INFO", logger="sparkify_helpers.load")
    history.load("wh")
    assert "the data checks changed since the last publish" in caplog.text
    assert history.query("wh", query).values.tolist() == [["wh-1", None], ["wh-2", digest]]
    caplog.clear()
    history.load("wh", date="2018-11-30")  # a backfill: scoped, the checks unchanged
    assert "the data checks changed" not in caplog.text
