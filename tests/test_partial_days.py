"""A partial first or last day is left out of the weekday averages and the conversions' day
count too (not only the daily series), and the sentence and chart say so."""

from __future__ import annotations

import pandas as pd

from sparkify_helpers import charts, insights
from sparkify_helpers.charts import frames

# November 2018 starts on a Thursday; the data runs on to 02:26 UTC on Saturday 1 Dec.
FIRST_PLAY, LAST_PLAY = pd.Timestamp("2018-11-01 00:03"), pd.Timestamp("2018-12-01 02:26")
NOTE = "partial day left out: 1 Dec (data until 02:26 UTC)"


def _weekday_rows(per_weekday: dict[int, int], last_day_plays: int) -> pd.DataFrame:
    days = pd.date_range("2018-11-01", "2018-12-01", freq="D")
    rows = []
    for day in days:
        weekday = (day.dayofweek + 1) % 7  # Redshift: 0 = Sunday
        plays = last_day_plays if day == days[-1] else per_weekday[weekday]
        rows.append({"play_date": day.date(), "weekday": weekday, "plays": plays})
    return pd.DataFrame(rows).assign(
        period_start=days[0].date(),
        period_end=days[-1].date(),
        first_play=FIRST_PLAY,
        last_play=LAST_PLAY,
    )


def test_the_partial_last_saturday_counts_neither_its_plays_nor_as_a_saturday():
    frame = _weekday_rows({0: 100, 1: 100, 2: 100, 3: 100, 4: 100, 5: 100, 6: 90}, 52)
    days = frames.weekday_averages(frame)
    assert days.loc["Saturday", "days"] == 4  # not 5: 1 Dec is partial
    assert days.loc["Saturday", "plays"] == 360  # its 52 plays are not counted
    assert days.loc["Saturday", "per_day"] == 90
    assert insights.plays_by_weekday(frame) == (
        "Monday is the busiest day of the week with 100 plays per Monday (4 in the period) on "
        "average; Saturday is the quietest with 90 plays per Saturday (4 in the period). "
        "(Partial day left out: 1 Dec (data until 02:26 UTC).)"
    )
    ax = charts.plays_by_weekday(frame).axes[0]
    assert "4 Sat" in ax.get_xlabel() and NOTE in ax.get_xlabel()
    assert round(ax.patches[5].get_height()) == 90  # Saturday's bar: Monday first


def test_without_the_rule_the_partial_day_would_make_saturday_look_quieter():
    frame = _weekday_rows({d: 100 for d in range(7)}, 52)
    whole = frame.drop(columns=["first_play", "last_play"])  # no span: nothing is partial
    assert frames.weekday_averages(whole).loc["Saturday", "per_day"] == (400 + 52) / 5
    assert frames.weekday_averages(frame).loc["Saturday", "per_day"] == 100


def test_conversions_on_a_partial_last_day_are_left_out_of_the_count_and_the_days():
    frame = pd.DataFrame(
        {
            "conversion_date": pd.to_datetime(["2018-11-04", "2018-11-09", "2018-12-01"]).date,
            "conversions": [2, 1, 3],
            "users_converted": [2, 1, 3],
            "period_start": pd.Timestamp("2018-11-01").date(),
            "period_end": pd.Timestamp("2018-12-01").date(),
            "first_play": FIRST_PLAY,
            "last_play": LAST_PLAY,
        }
    )
    assert insights.conversions(frame) == (
        "Listeners upgraded from free to paid 3 times, on 2 of the period's 30 days; the best "
        "day was 4 Nov 2018 with 2. (Partial day left out: 1 Dec (data until 02:26 UTC).)"
    )
    ax = charts.conversions(frame).axes[0]
    assert [round(b.get_height()) for b in ax.patches] == [2, 1]
    assert ax.get_xlabel() == f"Day of upgrade (UTC); {NOTE}"


def test_upgrades_only_on_the_partial_day_say_none_on_a_complete_day():
    frame = pd.DataFrame(
        {
            "conversion_date": [pd.Timestamp("2018-12-01").date()],
            "conversions": [1],
            "users_converted": [1],
            "period_start": pd.Timestamp("2018-11-01").date(),
            "period_end": pd.Timestamp("2018-12-01").date(),
            "first_play": FIRST_PLAY,
            "last_play": LAST_PLAY,
        }
    )
    assert insights.conversions(frame) == (
        "No listener upgraded from free to paid on a complete day. "
        "(Partial day left out: 1 Dec (data until 02:26 UTC).)"
    )
    shown = " ".join(
        " ".join(t.get_text().split()) for t in charts.conversions(frame).axes[0].texts
    )
    assert f"No free-to-paid upgrades on a complete day ({NOTE})." in shown


def test_the_upgrades_footnote_names_the_data_s_period_not_the_first_and_last_upgrade():
    from sparkify_helpers import analytics

    frame = pd.DataFrame(
        {
            "conversion_date": pd.to_datetime(["2018-11-08", "2018-11-21"]).date,
            "users_converted": [2, 1],
            "period_start": pd.Timestamp("2018-11-01").date(),
            "period_end": pd.Timestamp("2018-11-30").date(),
        }
    )
    q = analytics.question("free_to_paid_conversions")
    assert "data 2018-11-01 to 2018-11-30" in analytics.footnote(q, "local", frame)
