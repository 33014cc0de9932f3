"""The walkthrough: computed sentences, the question registry, ``ask`` on DuckDB, notebook 04.

Notebook 04 runs headless in ``test_workbook_runs`` (on the real sample, sentences checked
against the raw files).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
from pathlib import Path

import matplotlib as mpl
import pandas as pd
import pytest
from fresh_process import python_output

from sparkify_helpers import adhoc, analytics, charts, insights, paths, workbook
from sparkify_helpers.charts import cache as chart_cache
from sparkify_helpers.errors import WarehouseError
from sparkify_helpers.warehouse.sql_engine import AdHocSqlError

PNG = b"\x89PNG\r\n\x1a\n"
NOTEBOOK = "04_marketing_analytics"

# Five plays: Monday 5 Nov 10:00 and 10:30 (user 1, free), Tuesday 6 Nov 10:15 (user 1, now
# paid: one conversion) and 22:00 (user 2, unmatched), Wednesday 7 Nov 22:10 (user 2).
WIN_CHROME = "Mozilla/5.0 (Windows NT 6.1; WOW64) AppleWebKit/537.36 Chrome/36.0 Safari/537.36"
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 7_1_2 like Mac OS X) Mobile/11D257 Safari/9537.53"
ROWS = f"""
INSERT INTO users VALUES (1, 'Ann', 'Lee', 'F', 'paid'), (2, 'Bob', 'Ray', 'M', 'paid');
INSERT INTO artists VALUES ('AR1', 'Artist One', 'Austin', NULL, NULL),
                           ('AR2', 'Artist Two', NULL, NULL, NULL);
INSERT INTO songs VALUES ('SO1', 'Song One', 'AR1', 2001, 200.5),
                         ('SO2', 'Song Two', 'AR2', 0, 180.0);
INSERT INTO songplays VALUES
 (1, '2018-11-05 10:00:00', 1, 'free', 'SO1', 'AR1', 7, 'Austin, TX', '{WIN_CHROME}'),
 (2, '2018-11-05 10:30:00', 1, 'free', 'SO1', 'AR1', 7, 'Austin, TX', '{WIN_CHROME}'),
 (3, '2018-11-06 10:15:00', 1, 'paid', 'SO2', 'AR2', 8, 'Austin, TX', '{WIN_CHROME}'),
 (4, '2018-11-06 22:00:00', 2, 'paid', NULL, NULL, 9, 'Boston, MA', '{IPHONE}'),
 (5, '2018-11-07 22:10:00', 2, 'paid', 'SO1', 'AR1', 10, 'Boston, MA', '{IPHONE}');
INSERT INTO time
SELECT start_time, EXTRACT(HOUR FROM start_time), EXTRACT(DAY FROM start_time),
       EXTRACT(WEEK FROM start_time), EXTRACT(MONTH FROM start_time),
       EXTRACT(YEAR FROM start_time), EXTRACT(DOW FROM start_time)
FROM songplays;
"""


@pytest.fixture
def wb(aws_env, tmp_path, monkeypatch):
    """A workbook on a small DuckDB warehouse built from sql/create plus the rows above."""
    path = tmp_path / "wh.duckdb"
    monkeypatch.setenv("SPARKIFY_WAREHOUSE", str(path))
    book = workbook.open_workbook("", str(path), str(tmp_path / "run-42"), "")
    with book.connect() as dw:
        dw.run_folder(paths.sql_dir() / "create")
        dw.run_sql(ROWS)
    return book


# -- sentences ----------------------------------------------------------------------


def test_hour_sentence_names_peak_and_ratio():
    quiet = pd.DataFrame({"hour": range(24), "plays": [10] * 16 + [21] + [10] * 7})
    assert insights.plays_by_hour(quiet) == (
        "Plays peak at 16:00–17:00 UTC (21 plays), 2.1x the quietest hour (00:00–01:00 UTC)."
    )
    gaps = pd.DataFrame({"hour": [9, 23], "plays": [1, 3]})
    assert insights.plays_by_hour(gaps) == (
        "Plays peak at 23:00–00:00 UTC (3 plays), while 00:00–01:00 UTC has no plays at all."
    )


def _weekday_frame(plays_per_day: dict[int, int], first: str, last: str) -> pd.DataFrame:
    """What sql/analytics/11 returns when every calendar day of a weekday has the same plays."""
    days = pd.date_range(first, last, freq="D")
    weekday = (days.dayofweek + 1) % 7  # Redshift DOW: 0 = Sunday
    totals = pd.Series(weekday).map(plays_per_day).groupby(weekday).sum()
    return pd.DataFrame(
        {
            "weekday": totals.index,
            "plays": totals.to_numpy(),
            "period_start": days[0].date(),
            "period_end": days[-1].date(),
        }
    )


def test_weekday_sentence_compares_averages_per_calendar_day_not_totals():
    # November 2018 starts on a Thursday: five Thursdays and Fridays, four of every other day.
    per_day = {0: 8, 1: 12, 2: 9, 3: 9, 4: 10, 5: 10, 6: 9}
    frame = _weekday_frame(per_day, "2018-11-01", "2018-11-30")
    totals = frame.set_index("weekday")["plays"]
    assert totals[5] == 50 > totals[1] == 48  # by totals Friday would lead
    assert insights.plays_by_weekday(frame) == (
        "Monday is the busiest day of the week with 12 plays per Monday (4 in the period) "
        "on average; Sunday is the quietest with 8 plays per Sunday (4 in the period)."
    )


def test_weekday_sentence_uses_redshift_day_numbers():
    frame = _weekday_frame({0: 1, 1: 0, 2: 0, 3: 3, 4: 0, 5: 6, 6: 0}, "2018-11-04", "2018-11-10")
    assert insights.plays_by_weekday(frame) == (
        "Friday is the busiest day of the week with 6 plays per Friday (1 in the period) "
        "on average; Monday is the quietest with 0 plays per Monday (1 in the period)."
    )


def test_level_sentence_compares_first_and_last_week_or_day():
    days = pd.date_range("2018-11-01", periods=14).date
    weeks = pd.DataFrame(
        {
            "play_date": list(days) * 2,
            "level": ["free"] * 14 + ["paid"] * 14,
            "plays": [3] * 7 + [1] * 7 + [1] * 7 + [3] * 7,
        }
    )
    assert insights.level_share(weeks) == (
        "Paid listeners account for 50% of all plays; their share rose from 25% in the first "
        "week to 75% in the last week."
    )
    two_days = weeks[weeks["play_date"].isin(days[:2])].assign(plays=[1, 3, 3, 1])
    assert insights.level_share(two_days) == (
        "Paid listeners account for 50% of all plays; their share fell from 75% in 1 Nov 2018 "
        "to 25% in 2 Nov 2018."
    )


def test_top_list_sentences():
    songs = pd.DataFrame({"title": ["B", "A"], "artist": ["X", None], "plays": [3, 6]})
    assert insights.top_songs(songs) == (
        "The most played song is “A” by an unknown artist with 6 plays, 2.0x the next song."
    )
    assert insights.top_songs(songs.assign(plays=[6, 6])).endswith("tied with “B”.")
    artists = pd.DataFrame(
        {"artist": ["Kid Cudi", "Yoakam"], "plays": [10, 37], "listeners": [8, 1]}
    )
    assert insights.top_artists(artists) == (
        "Yoakam is the most played artist with 37 plays from 1 listener, "
        "ahead of Kid Cudi (10 plays)."
    )
    places = pd.DataFrame({"location": ["Austin, TX"], "plays": [1], "listeners": [1]})
    assert insights.top_locations(places) == (
        "Austin, TX leads all locations with 1 play from 1 listener."
    )


def test_agent_dau_conversion_and_match_sentences():
    agents = pd.DataFrame(
        {
            "device": ["Desktop", "Phone"],
            "os": ["Windows", "iOS"],
            "browser": ["Chrome", "Safari"],
            "plays": [1, 3],
        }
    )
    assert insights.user_agents(agents) == (
        "Phone devices carry 75% of plays; iOS is the leading operating system (75%) and "
        "Safari the leading browser (75%)."
    )
    dau = pd.DataFrame(
        {"play_date": pd.date_range("2018-11-01", periods=3).date, "active_users": [10, 30, 20]}
    )
    assert insights.daily_active_users(dau) == (
        "On average 20 people listened each day over 3 days; the busiest day was 2 Nov 2018 "
        "(30 listeners), the quietest 1 Nov 2018 (10)."
    )
    ups = pd.DataFrame(
        {
            "conversion_date": pd.to_datetime(["2018-11-04", "2018-11-09"]).date,
            "conversions": [2, 1],
            "users_converted": [2, 1],
            "period_start": pd.Timestamp("2018-11-01").date(),
            "period_end": pd.Timestamp("2018-11-30").date(),
        }
    )
    assert insights.conversions(ups) == (
        "Listeners upgraded from free to paid 3 times, on 2 of the period's 30 days; the best "
        "day was 4 Nov 2018 with 2."
    )
    assert insights.match_rate(pd.DataFrame({"plays": [6820], "matched_plays": [1]})).startswith(
        "Under 0.1% of plays (1 of 6,820) matched"
    )
    assert insights.match_rate(pd.DataFrame({"plays": [10], "matched_plays": [9]})).startswith(
        "90% of plays (9 of 10) matched"
    )


@pytest.mark.parametrize(
    ("name", "columns", "sentence"),
    [
        ("plays_by_hour", ["hour", "plays"], "No plays in this period."),
        ("plays_by_weekday", ["weekday", "plays"], "No plays in this period."),
        ("level_share", ["play_date", "level", "plays"], "No plays in this period."),
        ("top_songs", ["title", "artist", "plays"], "No play matched a catalogue song"),
        ("top_artists", ["artist", "plays"], "No play matched a catalogue artist"),
        ("top_locations", ["location", "plays"], "No plays in this period."),
        ("user_agents", ["device", "os", "browser", "plays"], "No plays in this period."),
        ("daily_active_users", ["play_date", "active_users"], "No listeners in this period."),
        ("conversions", ["conversion_date", "users_converted"], "No listener upgraded"),
        ("match_rate", ["plays", "matched_plays"], "No plays in this period."),
    ],
)
def test_empty_results_give_a_plain_sentence(name, columns, sentence):
    assert getattr(insights, name)(pd.DataFrame(columns=columns)).startswith(sentence)


# -- registry and ask ---------------------------------------------------------------


def test_every_question_has_one_sql_file_with_one_query():
    assert len(analytics.QUESTIONS) == 10
    files = sorted((paths.sql_dir() / "analytics").glob("*.sql"))
    assert sorted(q.sql_path for q in analytics.QUESTIONS.values()) == files
    for q in analytics.QUESTIONS.values():
        assert len(analytics.sqlfiles.read_sql_file(q.sql_path).statements) == 1


def test_unknown_question_lists_the_known_ones():
    with pytest.raises(KeyError, match="plays_by_hour"):
        analytics.question("plays_by_minute")


def test_show_sql_shows_the_file_as_a_sql_block():
    shown = analytics.show_sql("plays_by_hour")
    assert shown.data.startswith("`sql/analytics/10_plays_by_hour.sql`\n\n```sql\n")
    assert "FROM songplays" in shown.data


def test_ask_on_a_workbook_queries_draws_and_saves(wb):
    answer = wb.ask("plays_by_hour")
    assert answer.frame.astype(int).to_dict("list") == {"hour": [10, 22], "plays": [3, 2]}
    assert answer.sentence == (
        "Plays peak at 10:00–11:00 UTC (3 plays), while 00:00–01:00 UTC has no plays at all."
    )
    assert answer.png_path == wb.run_dir / "charts" / "plays_by_hour.png"
    assert answer.png_path.read_bytes()[:8] == PNG
    footnote = [t.get_text() for t in answer.figure.texts][-1]
    assert footnote == "Source: sql/analytics/10_plays_by_hour.sql on the local warehouse"
    assert answer.chart().data[:8] == PNG
    assert answer.insight().data == f"**{answer.sentence}**"


def test_ask_answers_every_question_from_the_warehouse(wb):
    answers = {name: wb.ask(name) for name in analytics.QUESTIONS}
    assert sorted(p.name for p in wb.charts_dir.glob("*.png")) == sorted(
        f"{name}.png" for name in analytics.QUESTIONS
    )
    assert answers["plays_by_weekday"].frame["plays"].tolist() == [2, 2, 1]
    assert answers["top_songs"].frame[["title", "plays"]].values.tolist() == [
        ["Song One", 3],
        ["Song Two", 1],
    ]
    assert answers["top_locations"].sentence == (
        "Austin, TX leads all locations with 3 plays from 1 listener, "
        "ahead of Boston, MA (2 plays)."
    )
    assert answers["free_to_paid_conversions"].sentence == (
        "Listeners upgraded from free to paid 1 time, on 1 of the period's 2 days; the best day "
        "was 6 Nov 2018 with 1. (Partial day left out: 5 Nov (data from 10:00 UTC).)"
    )
    assert answers["match_rate"].sentence.startswith("80% of plays (4 of 5) matched")
    assert (
        "data 2018-11-05 to 2018-11-07" in answers["daily_active_users"].figure.texts[-1].get_text()
    )


def test_ask_on_an_open_warehouse_saves_only_with_a_charts_dir(wb, tmp_path):
    with wb.connect(read_only=True) as dw:
        unsaved = analytics.ask(dw, "top_artists")
        saved = analytics.ask(dw, "top_artists", charts_dir=tmp_path / "elsewhere")
    assert unsaved.png_path is None
    assert unsaved.chart().data[:8] == PNG
    assert saved.png_path == tmp_path / "elsewhere" / "top_artists.png"
    assert saved.frame["artist"].tolist() == ["Artist One", "Artist Two"]


# -- ad hoc %sql connection --------------------------------------------------------


def test_adhoc_connection_is_read_only_and_coexists_with_ask(wb):
    engine = adhoc.sql_connection(wb)  # a SQLAlchemy engine that speaks Redshift
    try:
        with engine.connect() as con:
            assert con.exec_driver_sql("SELECT TOP 1 COUNT(*) FROM songplays").fetchone() == (5,)
            with pytest.raises(AdHocSqlError, match="read-only"):
                con.exec_driver_sql("DELETE FROM songplays")
            assert len(wb.ask("top_songs").frame) == 2
            assert con.exec_driver_sql("SELECT COUNT(*) FROM songplays").fetchone() == (5,)
            # Redshift's system views answer on it too (r_SVV_TABLE_INFO.md)
            info = "SELECT tbl_rows FROM svv_table_info WHERE \"table\" = 'songplays'"
            assert con.exec_driver_sql(info).fetchone() == (5,)
    finally:
        engine.dispose()


def test_adhoc_on_a_missing_local_file_says_to_build_it(wb, tmp_path):
    missing = workbook.open_workbook("", str(tmp_path / "none.duckdb"), str(tmp_path / "r"), "")
    with pytest.raises(WarehouseError, match="does not exist yet"):
        adhoc.sql_connection(missing)


def test_adhoc_skips_headless_redshift_runs(aws_env, tmp_path):
    redshift_yaml = str(paths.config_dir() / "redshift.yaml")
    redshift_wb = workbook.open_workbook(redshift_yaml, "", str(tmp_path / "r"), "")
    assert adhoc.sql_connection(redshift_wb, headless=True) is None


# -- notebook 04 --------------------------------------------------------------------


def _cells() -> list[dict]:
    return json.loads((paths.notebooks_dir() / f"{NOTEBOOK}.ipynb").read_text())["cells"]


def test_notebook_asks_every_question_and_points_to_explore():
    code = ["".join(c["source"]) for c in _cells() if c["cell_type"] == "code"]
    params = [line.split("#")[0].strip() for line in code[0].splitlines()]
    assert params == [
        'config = ""', 'run_id = ""', 'out_dir = ""', 'source = ""', 'warehouse = ""',
        "full_refresh = False",
    ]  # fmt: skip
    asked = [name for name in analytics.QUESTIONS if any(f'wb.ask("{name}")' in c for c in code)]
    assert asked == list(analytics.QUESTIONS)
    assert not any("%sql" in c for c in code)  # ad hoc cells live in explore.ipynb
    closing = "".join(_cells()[-1]["source"])
    assert "explore.ipynb" in closing and "%sql engine --alias warehouse" in closing


def test_top_list_sentences_share_one_ranking_for_single_rows_and_ties():
    song = pd.DataFrame({"title": ["A"], "artist": ["X"], "plays": [1]})
    assert insights.top_songs(song) == "The most played song is “A” by X with 1 play."
    artists = pd.DataFrame({"artist": ["B", "A"], "plays": [4, 4]})
    assert insights.top_artists(artists) == (
        "A is the most played artist with 4 plays, tied with B."
    )


def test_a_tiny_catalogue_match_shows_the_caveat_in_place_of_the_ranking():
    # The real sample: 1 of 6,820 plays matched the catalogue.
    one = pd.DataFrame(
        {"title": ["A"], "artist": ["X"], "plays": [1], "all_plays": [6820], "matched_plays": [1]}
    )
    caveat = (
        "Only 1 of 6,820 plays (under 0.1%) matched the song catalogue: too few to rank (a "
        "ranking needs at least 100 matched plays and 5% of all plays). Load a fuller catalogue "
        "first."
    )
    assert insights.top_songs(one) == caveat
    assert insights.top_artists(one.drop(columns=["title"])) == caveat
    # 100 matched plays but under 5% of all plays: still too thin.
    thin = one.assign(plays=[100], all_plays=[2500], matched_plays=[100])
    assert insights.top_songs(thin).startswith("Only 100 of 2,500 plays (4.0%)")
    # Enough on both counts: the ranking.
    enough = one.assign(plays=[100], all_plays=[2000], matched_plays=[100])
    assert insights.top_songs(enough) == "The most played song is “A” by X with 100 plays."


def _dau(days: list[str], users: list[int], first: str, last: str) -> pd.DataFrame:
    """What sql/analytics/50 returns: listeners per day plus the data's first and last play."""
    return pd.DataFrame(
        {
            "play_date": pd.to_datetime(days).date,
            "active_users": users,
            "free_users": users,
            "paid_users": [0] * len(users),
            "first_play": pd.Timestamp(first),
            "last_play": pd.Timestamp(last),
        }
    )


def test_a_partial_last_day_is_left_out_of_the_daily_listeners_and_said_so():
    # Generated data ends at 02:26 UTC on 1 Dec: 4 listeners that night are not a quiet day.
    frame = _dau(
        ["2018-11-28", "2018-11-29", "2018-11-30", "2018-12-01"],
        [30, 20, 25, 4],
        "2018-11-28 00:03:00",
        "2018-12-01 02:26:00",
    )
    assert insights.daily_active_users(frame) == (
        "On average 25 people listened each day over 3 days; the busiest day was 28 Nov 2018 "
        "(30 listeners), the quietest 29 Nov 2018 (20). (Partial day left out: 1 Dec (data "
        "until 02:26 UTC).)"
    )
    whole = _dau(["2018-11-28", "2018-11-29"], [30, 20], "2018-11-28 00:03", "2018-11-29 23:58")
    assert insights.daily_active_users(whole).endswith("the quietest 29 Nov 2018 (20).")


def test_a_partial_first_day_does_not_open_the_paid_share_trend():
    # The real sample starts on 1 Nov at 21:01 UTC, with free plays only.
    frame = pd.DataFrame(
        {
            "play_date": pd.to_datetime(["2018-11-01", "2018-11-02", "2018-11-02"]).date,
            "level": ["free", "free", "paid"],
            "plays": [5, 50, 50],
            "first_play": pd.Timestamp("2018-11-01 21:01:00"),
            "last_play": pd.Timestamp("2018-11-02 23:59:00"),
        }
    )
    assert insights.level_share(frame) == (
        "Paid listeners account for 50% of all plays on 2 Nov 2018. (Partial day left out: "
        "1 Nov (data from 21:01 UTC).)"
    )


# -- the chart cache ----------------------------------------------------------------

HOURS = pd.DataFrame({"hour": [9, 10, 22], "plays": [1, 3, 2]})
PLACES = pd.DataFrame(  # a result both top_artists and top_locations can draw
    {"artist": ["A", "B"], "location": ["Austin, TX", "Boston, MA"], "plays": [5, 3]}
)


def _counting(name: str) -> tuple[analytics.Question, list[int]]:
    """The question with a chart function that counts the figures it draws."""
    q, drawn = analytics.question(name), []

    @functools.wraps(q.chart)
    def chart(*args, **kwargs):
        drawn.append(1)
        return q.chart(*args, **kwargs)

    return dataclasses.replace(q, chart=chart), drawn


def test_a_cached_chart_is_the_drawn_one_byte_for_byte_and_builds_no_figure(tmp_path):
    cache = charts.ChartCache(tmp_path / "cache")
    q, drawn = _counting("plays_by_hour")
    first = analytics.answer(q, HOURS, tmp_path / "run-1" / "charts", cache=cache)
    assert drawn == [1] and len(list(cache.folder.glob("*.png"))) == 1
    second = analytics.answer(q, HOURS.copy(), tmp_path / "run-2" / "charts", cache=cache)
    assert drawn == [1]  # a hit: no figure built
    png = first.png_path.read_bytes()
    assert second.png_path == tmp_path / "run-2" / "charts" / "plays_by_hour.png"
    assert second.png_path.read_bytes() == png
    # the notebook API is unchanged: chart, sentence, frame, and the figure when asked for
    assert second.chart().data == png
    assert second.insight().data == f"**{first.sentence}**"
    assert analytics.sentence_path(second.png_path).read_text() == first.sentence
    assert second.frame.equals(HOURS)
    assert second.figure.texts[-1].get_text() == first.footnote
    assert drawn == [1, 1]
    assert charts.png_bytes(second.figure) == png  # a fresh render of the same figure


def test_changed_data_question_texts_code_or_renderer_draw_the_chart_again(tmp_path, monkeypatch):
    cache = charts.ChartCache(tmp_path / "cache")
    hour, drawn = _counting("plays_by_hour")
    pngs = [analytics.answer(hour, HOURS, tmp_path / "a", cache=cache).png_path.read_bytes()]
    analytics.answer(hour, HOURS.assign(plays=[1, 3, 4]), tmp_path / "b", cache=cache)
    analytics.answer(hour, HOURS.astype({"plays": "int32"}), tmp_path / "c", cache=cache)
    rebuilt = pd.DataFrame(HOURS.to_dict("list"))
    analytics.answer(hour, rebuilt, tmp_path / "d", cache=cache)
    assert drawn == [1, 1, 1]  # values and dtypes count; the same frame rebuilt does not
    analytics.answer(hour, HOURS, tmp_path / "e", target="redshift", cache=cache)  # footnote
    assert drawn == [1, 1, 1, 1]
    # the drawing code: one more file in the hashed list, then that file changed
    extra = tmp_path / "house_style.py"
    extra.write_text("ACCENT = 'blue'\n")
    sources = (*chart_cache.CHART_SOURCES, extra)
    monkeypatch.setattr(chart_cache, "CHART_SOURCES", sources)
    analytics.answer(hour, HOURS, tmp_path / "f", cache=cache)
    extra.write_text("ACCENT = 'red'\n")
    analytics.answer(hour, HOURS, tmp_path / "g", cache=cache)
    assert drawn == [1] * 6
    with mpl.rc_context({"lines.linewidth": 3.0}):  # a user's style is the renderer's
        analytics.answer(hour, HOURS, tmp_path / "h", cache=cache)
    assert drawn == [1] * 7
    monkeypatch.undo()
    again = analytics.answer(hour, HOURS, tmp_path / "i", cache=cache)
    assert drawn == [1] * 7 and again.png_path.read_bytes() == pngs[0]
    # another question on the same result is another chart
    artists, _ = _counting("top_artists")
    locations, drawn_locations = _counting("top_locations")
    analytics.answer(artists, PLACES, tmp_path / "j", cache=cache)
    analytics.answer(locations, PLACES, tmp_path / "j", cache=cache)
    assert drawn_locations == [1]


@pytest.mark.parametrize("damage", ["truncated", "flipped", "empty", "a folder"])
def test_a_damaged_cache_entry_is_drawn_again_never_a_failed_run(tmp_path, damage):
    cache = charts.ChartCache(tmp_path / "cache")
    q, drawn = _counting("plays_by_hour")
    first = analytics.answer(q, HOURS, tmp_path / "a", cache=cache)
    png = first.png_path.read_bytes()
    (entry,) = cache.folder.glob("*.png")
    if damage == "a folder":  # unreadable, and cannot be replaced either
        entry.unlink()
        entry.mkdir()
    else:
        data = {"truncated": png[: len(png) // 2], "empty": b""}.get(damage)
        if data is None:  # one byte flipped in the middle: a chunk's CRC no longer matches
            data = (
                png[: len(png) // 2] + bytes([png[len(png) // 2] ^ 0xFF]) + png[len(png) // 2 + 1 :]
            )
        entry.write_bytes(data)
    second = analytics.answer(q, HOURS, tmp_path / "b", cache=cache)
    assert drawn == [1, 1]
    assert second.png_path.read_bytes() == png
    if damage != "a folder":
        assert entry.read_bytes() == png  # the entry is whole again
        analytics.answer(q, HOURS, tmp_path / "c", cache=cache)
        assert drawn == [1, 1]


def test_notebook_charts_come_from_the_project_cache_by_default(wb, monkeypatch, tmp_path):
    monkeypatch.setenv("SPARKIFY_CHART_CACHE_DIR", str(tmp_path / "project-cache"))
    first = wb.ask("top_songs").png_path.read_bytes()
    entries = list((tmp_path / "project-cache").glob("*.png"))
    assert [e.read_bytes() for e in entries] == [first]
    assert wb.ask("top_songs").png_path.read_bytes() == first
    assert list((tmp_path / "project-cache").glob("*.png")) == entries


def test_a_chart_from_the_cache_needs_no_matplotlib_figure_in_a_fresh_process(tmp_path):
    cache = charts.ChartCache(tmp_path / "cache")
    drawn = analytics.answer(
        analytics.question("plays_by_hour"), HOURS, tmp_path / "a", cache=cache
    )
    script = (
        "import sys, pandas as pd\n"
        "from sparkify_helpers import analytics\n"
        f"frame = pd.DataFrame({HOURS.to_dict('list')!r})\n"
        "q = analytics.question('plays_by_hour')\n"
        f"a = analytics.answer(q, frame, {str(tmp_path / 'b')!r})\n"
        "print(a.png_path, 'matplotlib.figure' in sys.modules)\n"
    )
    env = {**os.environ, "SPARKIFY_CHART_CACHE_DIR": str(cache.folder)}
    out = python_output(script, env).split()
    assert out == [str(tmp_path / "b" / "plays_by_hour.png"), "False"]
    assert Path(out[0]).read_bytes() == drawn.png_path.read_bytes()
