"""Chart labels people must be able to read: date ticks that cannot run into each other, and
song, artist and metro names wrapped, never cut."""

from __future__ import annotations

import re

import matplotlib.dates as mdates
import pandas as pd
import pytest

from sparkify_helpers import charts
from sparkify_helpers.charts import style


def _daily(first: str, days: int, last_play: str | None = None) -> pd.DataFrame:
    dates = pd.date_range(first, periods=days, freq="D")
    return pd.DataFrame(
        {
            "play_date": dates.date,
            "active_users": range(10, 10 + days),
            "free_users": range(5, 5 + days),
            "paid_users": [5] * days,
            "first_play": pd.Timestamp(first),
            "last_play": pd.Timestamp(last_play or dates[-1] + pd.Timedelta(hours=23, minutes=59)),
        }
    )


def _tick_labels(fig):
    ax = fig.axes[0]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    shown = [t for t in ax.get_xticklabels() if t.get_text()]
    return ax, shown, [t.get_window_extent(renderer) for t in shown]


@pytest.mark.parametrize("days", [2, 9, 30, 31, 61, 92, 400])
def test_daily_date_ticks_never_overlap_and_stay_on_the_data(days):
    # 30 full November days and a partial 1 Dec: the case that drew "29 Nov1 Dec"
    frame = _daily("2018-11-01", days + 1, last_play=None)
    last = pd.Timestamp("2018-11-01") + pd.Timedelta(days=days)
    frame["last_play"] = last + pd.Timedelta(hours=2, minutes=26)  # partial last day
    ax, shown, boxes = _tick_labels(charts.daily_active_users(frame))
    assert 2 <= len(shown) <= style.MAX_DATE_TICKS
    for left, right in zip(boxes, boxes[1:], strict=False):
        assert left.x1 < right.x0, f"{days} days: tick labels overlap"
    ticks = [mdates.num2date(x).date() for x in ax.get_xticks()]
    assert ticks[0] == pd.Timestamp("2018-11-01").date()
    assert max(ticks) < last.date()  # the partial day left out gets no tick
    steps = {(b - a).days for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len(steps) <= 1  # evenly spaced, whole days


def test_a_month_ticks_weekly_from_its_first_day():
    _, shown, _ = _tick_labels(charts.daily_active_users(_daily("2018-11-01", 30)))
    assert [t.get_text() for t in shown] == [
        "1 Nov", "8 Nov", "15 Nov", "22 Nov", "29 Nov"
    ]  # fmt: skip


def test_conversion_ticks_cover_the_whole_period_without_overlap():
    frame = pd.DataFrame(
        {
            "conversion_date": pd.to_datetime(["2018-11-03", "2018-11-29"]).date,
            "conversions": [1, 2],
            "users_converted": [1, 2],
            "period_start": pd.Timestamp("2018-11-01").date(),
            "period_end": pd.Timestamp("2018-11-30").date(),
        }
    )
    ax, shown, boxes = _tick_labels(charts.conversions(frame))
    assert shown[0].get_text() == "1 Nov"
    assert all(a.x1 < b.x0 for a, b in zip(boxes, boxes[1:], strict=False))
    assert (
        max(mdates.num2date(x).date() for x in ax.get_xticks()) <= pd.Timestamp("2018-11-30").date()
    )


METROS = [
    "Minneapolis-St. Paul-Bloomington, MN-WI",
    "Miami-Fort Lauderdale-West Palm Beach, FL",
    "New York-Newark-Jersey City, NY-NJ-PA",
    "Tucson, AZ",
]


def _squash(text: str) -> str:
    return re.sub(r"\s", "", text)


def test_long_metro_names_are_wrapped_whole_never_cut():
    frame = pd.DataFrame({"location": METROS, "plays": [663, 703, 1675, 672], "listeners": 1})
    ax = charts.top_locations(frame).axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    by_plays = ["New York-Newark-Jersey City, NY-NJ-PA", METROS[1], "Tucson, AZ", METROS[0]]
    assert [_squash(label) for label in labels] == [_squash(m) for m in by_plays]
    assert not any("…" in label for label in labels)
    assert labels[3] == "Minneapolis-St.\nPaul-Bloomington, MN-WI"
    wrapped = style.wrap("Chicago-Naperville-Elgin, IL-IN-WI")
    assert wrapped == "Chicago-Naperville-Elgin,\nIL-IN-WI"  # the states stay together
    assert all(len(line) <= 30 for label in labels for line in label.splitlines())


def test_two_songs_whose_labels_read_alike_stay_two_bars():
    frame = pd.DataFrame({"title": ["Intro", "Intro"], "artist": ["Ana", "Ana"], "plays": [5, 3]})
    ax = charts.top_songs(frame).axes[0]
    assert [round(b.get_width()) for b in ax.patches] == [5, 3]


def test_wrapping_keeps_the_distinguishing_end_of_a_name():
    a = style.wrap("Riverside-San Bernardino-Ontario, CA")
    b = style.wrap("Riverside-San Bernardino-Ontario, NV")
    assert a != b and a.endswith("CA") and b.endswith("NV")
    assert style.wrap("Short") == "Short"
