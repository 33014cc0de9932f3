"""The sql/ transforms, checks and analytics, translated and executed on DuckDB.

Staging is filled directly (hand-made rows, or the real sample read with DuckDB's read_json):
the COPY emulation has its own tests.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import duckdb
import pandas as pd
import pytest
import raw_data

from sparkify_helpers.catalog import read_catalog
from sparkify_helpers.dialect import is_copy, translate
from sparkify_helpers.paths import sql_dir
from sparkify_helpers.sqlfiles import SqlFile, read_sql_folder, render, split_statements

T0 = 1541105830796  # 2018-11-01 20:57:10.796 UTC, a Thursday
SUNDAY = 1541333400123  # 2018-11-04 12:10:00.123 UTC
STAR_TABLES = [t.name for t in read_catalog().star]
CHECK_PARAMETERS = {"max_row_drop_share": "0.5", "whole_tables": "true"}


def run_statements(con, statements) -> list[tuple]:
    """Translate and run Redshift statements; the rows of the last one."""
    rows: list[tuple] = []
    for statement in statements:
        assert not is_copy(statement)
        for duck in translate(statement):
            cursor = con.execute(duck)
            rows = cursor.fetchall() if cursor.description else []
    return rows


def run_folder(con, folder: str) -> dict[str, list[tuple]]:
    """Run every file of ``sql/<folder>``; each file's result rows by file name."""
    return {f.name: run_statements(con, f.statements) for f in read_sql_folder(sql_dir() / folder)}


def check_files(severity: str) -> list[SqlFile]:
    return [f for f in read_sql_folder(sql_dir() / "checks") if f.severity == severity]


def failing_checks(
    con, severity: str = "error", parameters: dict | None = None
) -> dict[str, list[tuple]]:
    """The checks of a severity that return rows, with their rows."""
    params = {**CHECK_PARAMETERS, **(parameters or {})}
    results = {
        f.name: run_statements(con, split_statements(render(f.text, params)))
        for f in check_files(severity)
    }
    return {name: rows for name, rows in results.items() if rows}


def table(con, name: str) -> list[tuple]:
    """Full contents of a table in a stable order."""
    return con.execute(f"SELECT * FROM {name} ORDER BY ALL").fetchall()


@pytest.fixture
def con():
    connection = duckdb.connect()
    run_folder(connection, "create")
    yield connection
    connection.close()


def event(ts_ms: int, **fields) -> dict:
    """One staging_events row with defaults for a logged-in NextSong play."""
    row = {
        "artist": "Artist A", "auth": "Logged In", "first_name": "Ann", "gender": "F",
        "item_in_session": 0, "last_name": "Lee", "length": 200.0, "level": "free",
        "location": "Portland, OR", "method": "PUT", "page": "NextSong",
        "registration": 1540919166796.0, "session_id": 1, "song": "Song A", "status": 200,
        "ts": pd.Timestamp(ts_ms, unit="ms"), "user_id": 1,
        "user_agent": "Mozilla/5.0 (Windows NT 6.1) AppleWebKit/537.36 Chrome/36.0 Safari/537.36",
    }  # fmt: skip
    row.update(fields)
    return row


def song(song_id: str, **fields) -> dict:
    """One staging_songs row with defaults."""
    row = {
        "num_songs": 1, "artist_id": "AR1", "artist_latitude": None, "artist_longitude": None,
        "artist_location": "Portland, OR", "artist_name": "Artist A", "song_id": song_id,
        "title": "Song A", "duration": 200.0, "year": 2001,
    }  # fmt: skip
    row.update(fields)
    return row


def stage(con, events: list[dict], songs: list[dict]) -> None:
    """Insert hand-made rows into the staging tables (by column name)."""
    for name, rows in (("staging_events", events), ("staging_songs", songs)):
        if rows:
            frame = pd.DataFrame(rows)  # noqa: F841 (read by DuckDB below)
            con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM frame")


def load(con, events: list[dict], songs: list[dict]) -> None:
    stage(con, events, songs)
    run_folder(con, "insert")


# --- transforms on hand-made rows -----------------------------------------------------------


def test_users_keep_the_level_of_their_latest_event(con):
    load(
        con,
        [
            event(T0, user_id=1, level="free", first_name="Old"),
            event(T0 + 5000, user_id=1, level="paid", page="Home", first_name="New"),
            event(T0 + 1000, user_id=1, level="free"),
            event(T0, user_id=2, level="free", session_id=7, item_in_session=3),
            event(T0, user_id=2, level="paid", session_id=7, item_in_session=3),
            event(T0, user_id=None, level="free", page="Home", auth="Logged Out"),
        ],
        [],
    )
    assert con.execute("SELECT user_id, first_name, level FROM users ORDER BY 1").fetchall() == [
        (1, "New", "paid"),
        (2, "Ann", "paid"),  # same instant: 'paid' wins the tie, deterministically
    ]


def test_artist_with_two_names_gets_one_deterministic_row(con):
    rows = [
        song("S1", artist_id="AR1", artist_name="Zed", artist_location="Paris"),
        song("S2", artist_id="AR1", artist_name="Abe", artist_location=""),
        song("S3", artist_id="AR1", artist_name="Bob", artist_location="Berlin"),
        song("S4", artist_id="AR2", artist_name="Solo", artist_location="  "),
    ]
    load(con, [], rows)
    expected = [("AR1", "Bob", "Berlin", None, None), ("AR2", "Solo", None, None, None)]
    assert table(con, "artists") == expected
    assert failing_checks(con, "warn") == {
        "51_artists_with_several_names": [("AR1", 3, "Abe", "Zed")],
        # three different locations staged for AR1 ("" is a value in staging)
        "53_artist_ids_with_conflicting_data": [("AR1", 3, 0, 0)],
    }
    other = duckdb.connect()
    run_folder(other, "create")
    load(other, [], rows[::-1])
    assert table(other, "artists") == expected


def test_songs_are_unique_with_unknown_year_as_null(con):
    load(con, [], [song("S1", year=0), song("S1", year=1999, title="Z"), song("S2", year=0)])
    assert con.execute("SELECT song_id, title, year FROM songs ORDER BY 1").fetchall() == [
        ("S1", "Z", 1999),
        ("S2", "Song A", None),
    ]


MATCH_SONGS = [
    song("S1", title="Song A", artist_name="Artist A", artist_id="AR1", duration=200.0),
    song("S2", title="Song A", artist_name="Artist B", artist_id="AR2", duration=200.0),
    song("S3", title="Song D", artist_name="Artist D", artist_id="AR3", duration=100.0),
    song("S4", title="Song D", artist_name="Artist D", artist_id="AR3", duration=100.002),
    song("S6", title="Song E", artist_name="Artist E", artist_id="AR4", duration=50.0),
    song("S5", title="Song E", artist_name="Artist E", artist_id="AR4", duration=50.0),
]
MATCH_EVENTS = [
    event(T0 + 1, song="Song A", artist="Artist A", length=200.004),  # noise in tolerance
    event(T0 + 2, song="Song A", artist="Artist C", length=200.0),  # artist differs
    event(T0 + 3, song="Song A", artist="Artist A", length=201.0),  # duration differs
    event(T0 + 4, song="Song D", artist="Artist D", length=100.002),  # two rows: closest
    event(T0 + 5, song="Song E", artist="Artist E", length=50.0),  # two rows: lowest id
    event(T0 + 6, page="Home", song=None, artist=None, length=None),
]


def test_songplays_match_title_artist_and_duration(con):
    load(con, MATCH_EVENTS, MATCH_SONGS)
    rows = con.execute("SELECT songplay_id, song_id, artist_id FROM songplays ORDER BY 1")
    assert rows.fetchall() == [
        (1, "S1", "AR1"),
        (2, None, None),
        (3, None, None),
        (4, "S4", "AR3"),
        (5, "S5", "AR4"),
    ]


def test_one_songplay_per_nextsong_event_and_an_event_staged_twice_is_one_play(con):
    # songplays is keyed by the event (user, session, item in session, ts): the same event
    # staged twice (a file listed twice, a re-loaded file) is one play
    twin = event(T0, user_id=3, session_id=9, item_in_session=1)
    logged_out = event(T0 + 10, user_id=None)
    load(con, [twin, dict(twin), logged_out, event(T0, page="Home")], MATCH_SONGS)
    assert con.execute("SELECT COUNT(*), COUNT(user_id) FROM songplays").fetchone() == (2, 1)
    assert failing_checks(con) == {}
    assert failing_checks(con, "warn") == {"50_songplays_without_user": [(dt.date(2018, 11, 1), 1)]}


def test_time_keeps_milliseconds_and_distinct_start_times(con):
    load(con, [event(T0), event(T0 + 1), event(T0), event(SUNDAY), event(T0 + 2, page="Home")], [])
    assert table(con, "time") == [
        (dt.datetime(2018, 11, 1, 20, 57, 10, 796000), 20, 1, 44, 11, 2018, 4),
        (dt.datetime(2018, 11, 1, 20, 57, 10, 797000), 20, 1, 44, 11, 2018, 4),
        (dt.datetime(2018, 11, 4, 12, 10, 0, 123000), 12, 4, 44, 11, 2018, 0),
    ]


def test_rerunning_the_load_gives_identical_tables(con):
    stage(con, MATCH_EVENTS + [event(T0 + 7, user_id=2, level="paid")], MATCH_SONGS)
    run_folder(con, "insert")
    first = {name: table(con, name) for name in STAR_TABLES}
    run_folder(con, "insert")
    assert {name: table(con, name) for name in STAR_TABLES} == first
    assert [r[0] for r in first["songplays"]] == list(range(1, 7))


def test_songplay_ids_do_not_depend_on_staging_row_order(con):
    load(con, MATCH_EVENTS, MATCH_SONGS)
    other = duckdb.connect()
    run_folder(other, "create")
    load(other, MATCH_EVENTS[::-1], MATCH_SONGS[::-1])
    assert table(other, "songplays") == table(con, "songplays")


# --- checks catch what they promise -------------------------------------------------------

CORRUPTIONS = [
    (
        "INSERT INTO users VALUES (1, 'Dup', 'Dup', 'F', 'free')",
        "11_users_key",
        [(1, 2)],
    ),
    (
        "UPDATE songplays SET song_id = 'SOXXX' WHERE songplay_id = 1",
        "20_songplays_song_exists",
        [("SOXXX", 1)],
    ),
    (
        "DELETE FROM time WHERE start_time = (SELECT MIN(start_time) FROM time)",
        "23_songplays_time_exists",
        [(dt.datetime(2018, 11, 1, 20, 57, 10, 797000), 1)],
    ),
    (
        "DELETE FROM songplays WHERE songplay_id = 2",
        "30_every_play_has_songplay",
        [(dt.datetime(2018, 11, 1, 20, 57, 10, 798000), 1, 1, 1, 0)],
    ),
    (
        "UPDATE songplays SET level = 'gold' WHERE songplay_id = 3",
        "41_songplays_level_valid",
        [("gold", 1)],
    ),
]


# a lost songplay also leaves its key without a play: 5 keys, 4 songplays
ALSO_FAILING = {"30_every_play_has_songplay": {"31_songplays_match_their_keys": [(0, 1, 4, 5)]}}


@pytest.mark.parametrize("whole_tables", ["true", "false"])
@pytest.mark.parametrize(("corruption", "check", "rows"), CORRUPTIONS, ids=lambda v: str(v)[:24])
def test_error_checks_report_offending_rows(con, corruption, check, rows, whole_tables):
    # the corrupted rows are all this load's (the merge's work tables name every row of a
    # first load), so an incremental publish's checks (whole_tables false) find them too
    load(con, MATCH_EVENTS, MATCH_SONGS)
    scope = {"whole_tables": whole_tables}
    assert failing_checks(con, parameters=scope) == {}
    con.execute(corruption)
    assert failing_checks(con, parameters=scope) == {check: rows, **ALSO_FAILING.get(check, {})}


def test_an_all_null_staged_event_fails_its_check(con):
    # what COPY with JSONPaths stages for a log line holding a JSON array: every column NULL
    nulls = dict.fromkeys(event(T0), None)
    load(con, [*MATCH_EVENTS, nulls], MATCH_SONGS)
    assert failing_checks(con) == {
        "05_staged_events_have_ts_and_page": [(None,) * 7],
    }


def test_star_tables_empty_while_staging_is_not_fail_their_check(con):
    load(con, MATCH_EVENTS, MATCH_SONGS)
    con.execute("DELETE FROM songplays")
    con.execute("DELETE FROM artists")
    nextsong = sum(e["page"] == "NextSong" for e in MATCH_EVENTS)
    found = failing_checks(con)
    assert found["32_star_not_empty_when_staging_is_not"] == [
        ("artists", len(MATCH_SONGS)),
        ("songplays", nextsong),
    ]
    assert found["31_songplays_match_their_keys"] == [(0, nextsong, 0, nextsong)]


def test_empty_staging_and_empty_star_pass_the_reconciliation_checks(con):
    assert failing_checks(con) == {}


def test_a_song_id_listed_with_conflicting_data_is_a_warning(con):
    rows = [song("S1", title="One"), song("S1", title="Uno", year=2002), song("S2")]
    load(con, [], rows)
    assert failing_checks(con, "warn")["52_song_ids_with_conflicting_data"] == [
        ("S1", 2, 2, 1, 2, 1)
    ]


def publish_row(con, counts: dict[str, int]) -> None:
    """A row of sparkify_publishes as the publish step writes it (counts per star table)."""
    values = ", ".join(str(counts[t]) for t in ("songplays", "users", "songs", "artists", "time"))
    con.execute(
        "INSERT INTO sparkify_publishes (run_id, published_at, full_refresh, songplays_rows, "
        f"users_rows, songs_rows, artists_rows, time_rows) VALUES ('r1', TIMESTAMP "
        f"'2026-01-01 00:00:00', false, {values})"
    )


def test_a_row_count_that_fell_past_the_share_is_a_warning(con):
    load(con, MATCH_EVENTS, MATCH_SONGS)
    now = {t: count(con, f"SELECT COUNT(*) FROM {t}") for t in STAR_TABLES}
    assert failing_checks(con, "warn").get("60_row_count_fell_since_last_publish") is None
    before = {**now, "songplays": 2 * now["songplays"] + 1, "users": now["users"]}
    publish_row(con, before)
    found = failing_checks(con, "warn")
    assert found["60_row_count_fell_since_last_publish"] == [
        ("songplays", before["songplays"], now["songplays"])
    ]
    # a looser share accepts the same fall (5 of 11 rows kept: a fall of 55%)
    looser = failing_checks(con, "warn", {"max_row_drop_share": "0.6"})
    assert "60_row_count_fell_since_last_publish" not in looser


# --- analytics -----------------------------------------------------------------------------

IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 7_1_2 like Mac OS X) AppleWebKit/537.51.2 Safari/9537"
MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_9_4) AppleWebKit/537.78.2 Version/7.0.6 Safari/537"
FIREFOX = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:31.0) Gecko/20100101 Firefox/31.0"


def test_analytics_results(con):
    events = MATCH_EVENTS + [
        event(T0 + 3_600_000, user_id=2, level="free", user_agent=IPHONE, location="Austin, TX"),
        event(T0 + 3_600_001, user_id=2, level="paid", user_agent=IPHONE, location="Austin, TX"),
        event(SUNDAY, user_id=3, level="paid", user_agent=MAC, song="Song D", artist="Artist D",
              length=100.0),
        event(SUNDAY + 1, user_id=4, level="free", user_agent=FIREFOX),
    ]  # fmt: skip
    load(con, events, MATCH_SONGS)
    results = run_folder(con, "analytics")
    assert results["10_plays_by_hour"] == [(12, 2), (20, 5), (21, 2)]
    first, last = dt.date(2018, 11, 1), dt.date(2018, 11, 4)  # T0's day, SUNDAY's day
    plays_ts = [e["ts"].to_pydatetime() for e in events if e["page"] == "NextSong"]
    span = (min(plays_ts), max(plays_ts))  # the data's first and last play, on every row
    assert results["11_plays_by_weekday"] == [  # one row per day, with its weekday
        (first, 4, "Thursday", 7, first, last, *span),
        (last, 0, "Sunday", 2, first, last, *span),
    ]
    assert results["20_plays_by_level_per_day"] == [
        (dt.date(2018, 11, 1), "free", 6, *span),
        (dt.date(2018, 11, 1), "paid", 1, *span),
        (dt.date(2018, 11, 4), "free", 1, *span),
        (dt.date(2018, 11, 4), "paid", 1, *span),
    ]
    matching = (9, 7)  # every row carries all plays and matched plays (9 plays, 7 matched)
    assert results["30_top_songs"] == [
        ("Song A", "Artist A", 4, *matching),
        ("Song D", "Artist D", 1, *matching),  # S3 (exact duration of the Sunday play)
        ("Song D", "Artist D", 1, *matching),  # S4 (closest to the 100.002 s play)
        ("Song E", "Artist E", 1, *matching),
    ]
    assert results["31_top_artists"] == [
        ("Artist A", 4, 3, *matching), ("Artist D", 2, 2, *matching), ("Artist E", 1, 1, *matching)
    ]  # fmt: skip
    assert results["32_top_locations"] == [("Portland, OR", 7, 3), ("Austin, TX", 2, 1)]
    assert results["40_user_agents"] == [
        ("Desktop", "Windows", "Chrome", 5, 1),
        ("Phone", "iOS", "Safari", 2, 1),
        ("Desktop", "Linux", "Firefox", 1, 1),
        ("Desktop", "macOS", "Safari", 1, 1),
    ]
    assert results["50_daily_active_users"] == [
        (dt.date(2018, 11, 1), 2, 2, 1, *span),
        (dt.date(2018, 11, 4), 2, 1, 1, *span),
    ]
    assert results["60_free_to_paid_conversions"] == [
        (dt.date(2018, 11, 1), 1, 1, first, last, *span)
    ]
    plays, matched, rate = results["70_match_rate"][0]
    assert (plays, matched, float(rate)) == (9, 7, 77.78)


def test_whole_pipeline_runs_on_the_empty_schema(con):
    run_folder(con, "insert")
    assert failing_checks(con) == {} and failing_checks(con, "warn") == {}
    results = run_folder(con, "analytics")
    assert results["70_match_rate"] == [(0, 0, None)]
    assert all(rows == [] for name, rows in results.items() if name != "70_match_rate")


# --- the real sample -----------------------------------------------------------------------

EVENT_COLUMNS = {
    "artist": "VARCHAR", "auth": "VARCHAR", "firstName": "VARCHAR", "gender": "VARCHAR",
    "itemInSession": "INTEGER", "lastName": "VARCHAR", "length": "DOUBLE", "level": "VARCHAR",
    "location": "VARCHAR", "method": "VARCHAR", "page": "VARCHAR", "registration": "DOUBLE",
    "sessionId": "INTEGER", "song": "VARCHAR", "status": "INTEGER", "ts": "BIGINT",
    "userAgent": "VARCHAR", "userId": "VARCHAR",
}  # fmt: skip
SONG_COLUMNS = {
    "num_songs": "INTEGER", "artist_id": "VARCHAR", "artist_latitude": "DOUBLE",
    "artist_longitude": "DOUBLE", "artist_location": "VARCHAR", "artist_name": "VARCHAR",
    "song_id": "VARCHAR", "title": "VARCHAR", "duration": "DOUBLE", "year": "INTEGER",
}  # fmt: skip


def duck_struct(columns: dict[str, str]) -> str:
    return "{" + ", ".join(f"'{k}': '{v}'" for k, v in columns.items()) + "}"


@pytest.fixture(scope="module")
def sample(sample_dir):
    return sample_dir, raw_data.events(sample_dir), raw_data.songs(sample_dir)


@pytest.fixture(scope="module")
def sample_warehouse(sample):
    root, _, _ = sample
    connection = duckdb.connect()
    run_folder(connection, "create")
    connection.execute(
        f"""
        INSERT INTO staging_events
        SELECT NULLIF(artist, ''), NULLIF(auth, ''), NULLIF(firstName, ''), NULLIF(gender, ''),
               itemInSession, NULLIF(lastName, ''), length, NULLIF(level, ''),
               NULLIF(location, ''), NULLIF(method, ''), NULLIF(page, ''), registration,
               sessionId, NULLIF(song, ''), status, epoch_ms(ts), NULLIF(userAgent, ''),
               CAST(NULLIF(userId, '') AS INTEGER)
        FROM read_json('{root}/log_data/**/*.json', format = 'newline_delimited',
                       columns = {duck_struct(EVENT_COLUMNS)})
        """
    )
    connection.execute(
        f"""
        INSERT INTO staging_songs
        SELECT num_songs, NULLIF(artist_id, ''), artist_latitude, artist_longitude,
               NULLIF(artist_location, ''), NULLIF(artist_name, ''), NULLIF(song_id, ''),
               NULLIF(title, ''), duration, year
        FROM read_json('{root}/song_data/**/*.json', columns = {duck_struct(SONG_COLUMNS)})
        """
    )
    run_folder(connection, "insert")
    yield connection
    connection.close()


def count(con, sql: str) -> int:
    return con.execute(sql).fetchone()[0]


def test_sample_staging_and_star_counts(sample, sample_warehouse):
    _, events, songs = sample
    plays = [e for e in events if e["page"] == "NextSong"]
    con = sample_warehouse
    assert count(con, "SELECT COUNT(*) FROM staging_events") == len(events)
    assert count(con, "SELECT COUNT(*) FROM staging_songs") == len(songs)
    assert count(con, "SELECT COUNT(*) FROM songplays") == len(plays)
    assert count(con, "SELECT COUNT(*) FROM users") == len({e["userId"] for e in events} - {""})
    assert count(con, "SELECT COUNT(*) FROM songs") == len({s["song_id"] for s in songs})
    assert count(con, "SELECT COUNT(*) FROM artists") == len({s["artist_id"] for s in songs})
    assert count(con, "SELECT COUNT(*) FROM time") == len({e["ts"] for e in plays})


def test_sample_matched_plays_follow_the_matching_rule(sample, sample_warehouse):
    _, events, songs = sample
    matched = sum(
        any(
            s["title"] == e["song"]
            and s["artist_name"] == e["artist"]
            and abs(s["duration"] - e["length"]) < 0.01
            for s in songs
        )
        for e in events
        if e["page"] == "NextSong"
    )
    assert matched > 0
    assert count(sample_warehouse, "SELECT COUNT(song_id) FROM songplays") == matched


def test_sample_users_have_their_latest_level(sample, sample_warehouse):
    _, events, _ = sample
    latest: dict[int, tuple] = {}
    for e in events:
        if e["userId"]:
            key = (e["ts"], e["sessionId"], e["itemInSession"], e["level"])
            uid = int(e["userId"])
            latest[uid] = max(latest.get(uid, key), key)
    expected = sorted((uid, key[3]) for uid, key in latest.items())
    rows = sample_warehouse.execute("SELECT user_id, level FROM users ORDER BY 1").fetchall()
    assert rows == expected
    assert Counter(level for _, level in rows)["paid"] > 0


def test_sample_passes_every_error_check_and_runs_the_analytics(sample, sample_warehouse):
    _, events, _ = sample
    assert failing_checks(sample_warehouse) == {}
    results = run_folder(sample_warehouse, "analytics")
    plays = sum(e["page"] == "NextSong" for e in events)
    assert sum(n for _, n in results["10_plays_by_hour"]) == plays
    assert sum(r[3] for r in results["40_user_agents"]) == plays
    assert results["70_match_rate"][0][0] == plays


def test_create_step_can_run_again_on_a_loaded_warehouse_and_keeps_its_rows(con):
    # Redshift Developer Guide, CREATE TABLE, IF NOT EXISTS: an existing table is left
    # unchanged (a message, not an error), so running sql/create again keeps every row.
    load(con, MATCH_EVENTS, MATCH_SONGS)
    before = {name: table(con, name) for name in STAR_TABLES}
    run_folder(con, "create")
    assert {name: table(con, name) for name in STAR_TABLES} == before
    assert all(before[name] for name in STAR_TABLES)
    con.execute("DELETE FROM staging_events")
    con.execute("DELETE FROM staging_songs")
    load(con, MATCH_EVENTS, MATCH_SONGS)
    assert count(con, "SELECT MAX(songplay_id) FROM songplays") == 5
