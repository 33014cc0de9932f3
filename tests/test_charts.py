"""Marketing charts: every chart has a title, labelled axes, the house style, and saves a PNG."""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import matplotlib.colors as mcolors
import pandas as pd
import pytest
from matplotlib.figure import Figure
from PIL import Image

from sparkify_helpers import charts
from sparkify_helpers.charts import frames, style

PNG = b"\x89PNG\r\n\x1a\n"
DAYS = pd.to_datetime(["2018-11-01", "2018-11-02", "2018-11-03"]).date

FRAMES = {
    "plays_by_hour": pd.DataFrame({"hour": [0, 7, 16, 23], "plays": [5, 2, 40, 9]}),
    "plays_by_weekday": pd.DataFrame(
        {
            "weekday": [0, 1, 5],
            "weekday_name": ["Sunday", "Monday", "Friday"],
            "plays": [4, 8, 12],
            "period_start": pd.Timestamp("2018-11-05").date(),  # a Monday: two weeks, 2 of each
            "period_end": pd.Timestamp("2018-11-18").date(),
        }
    ),
    "level_share": pd.DataFrame(
        {
            "play_date": [DAYS[0], DAYS[0], DAYS[1], DAYS[1], DAYS[2]],
            "level": ["free", "paid", "free", "paid", "paid"],
            "plays": [30, 10, 20, 20, 50],
        }
    ),
    "top_songs": pd.DataFrame(
        {
            "title": ["A very long song title that goes on and on and on", "Short"],
            "artist": ["Some Artist", None],
            "plays": [4, 9],
        }
    ),
    "top_artists": pd.DataFrame(
        {"artist": ["Dwight Yoakam", "Kid Cudi"], "plays": [37, 10], "listeners": [20, 8]}
    ),
    "top_locations": pd.DataFrame(
        {
            "location": ["Portland, ME", "San Francisco, CA"],
            "plays": [665, 691],
            "listeners": [1, 2],
        }
    ),
    "user_agents": pd.DataFrame(
        {
            "device": ["Desktop", "Desktop", "Phone"],
            "os": ["Windows", "macOS", "iOS"],
            "browser": ["Chrome", "Safari", "Safari"],
            "plays": [60, 30, 10],
            "listeners": [6, 3, 1],
        }
    ),
    "daily_active_users": pd.DataFrame(
        {
            "play_date": DAYS,
            "active_users": [10, 14, 9],
            "free_users": [7, 9, 5],
            "paid_users": [3, 6, 4],
        }
    ),
    "conversions": pd.DataFrame(
        {
            "conversion_date": DAYS[:2],
            "conversions": [1, 3],
            "users_converted": [1, 2],
            "period_start": DAYS[0],
            "period_end": DAYS[2],
        }
    ),
    "match_rate": pd.DataFrame({"plays": [6820], "matched_plays": [370], "match_rate_pct": [5.43]}),
}


def _draw(name: str, frame: pd.DataFrame) -> Figure:
    return getattr(charts, name)(frame, footnote="Source: test · run 20181130T000000")


def _title(ax) -> str:
    return "".join(ax.get_title(loc=loc) for loc in ("left", "center", "right"))


def _labelled_axes(fig: Figure):
    return [ax for ax in fig.axes if ax.get_xlabel()]


@pytest.mark.parametrize("name", FRAMES)
def test_chart_has_title_labelled_axes_and_footnote(name):
    fig = _draw(name, FRAMES[name])
    assert isinstance(fig, Figure)
    titles = [_title(ax) for ax in fig.axes] + [fig.get_suptitle()]
    assert any(len(t) > 10 for t in titles), titles
    panels = _labelled_axes(fig)
    assert panels, f"{name}: no axis has an x label"
    for ax in panels:
        assert ax.get_xlabel().strip()
        assert ax.spines["top"].get_visible() is False
        assert ax.spines["right"].get_visible() is False
    assert "Source: test · run 20181130T000000" in [t.get_text() for t in fig.texts]


@pytest.mark.parametrize("name", FRAMES)
def test_chart_saves_a_real_png(name, tmp_path):
    path = charts.save_chart(_draw(name, FRAMES[name]), tmp_path / "charts", name)
    assert path == tmp_path / "charts" / f"{name}.png"
    data = path.read_bytes()
    assert data[:8] == PNG
    assert len(data) > 5_000
    with Image.open(path) as image:
        assert image.width > 600 and image.height > 200


@pytest.mark.parametrize("name", FRAMES)
def test_empty_frame_draws_a_no_data_chart(name, tmp_path):
    empty = FRAMES[name].iloc[0:0]
    fig = _draw(name, empty)
    messages = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert any(m.startswith("No ") for m in messages), messages
    assert charts.save_chart(fig, tmp_path, name).read_bytes()[:8] == PNG


def test_time_axes_use_units_in_their_labels():
    hour = _draw("plays_by_hour", FRAMES["plays_by_hour"]).axes[0]
    assert (hour.get_xlabel(), hour.get_ylabel()) == ("Hour of day (UTC)", "Plays")
    dau = _draw("daily_active_users", FRAMES["daily_active_users"]).axes[0]
    assert (dau.get_xlabel(), dau.get_ylabel()) == ("Day (UTC)", "Listeners")


def test_hour_chart_fills_all_24_hours_and_highlights_the_peak():
    ax = _draw("plays_by_hour", FRAMES["plays_by_hour"]).axes[0]
    bars = ax.patches
    assert len(bars) == 24
    assert [round(b.get_height()) for b in bars][16] == 40
    peak = [i for i, b in enumerate(bars) if mcolors.to_hex(b.get_facecolor()) == style.HIGHLIGHT]
    assert peak == [16]
    assert ax.get_yticklabels()[0].get_text() == "0"


def test_weekday_chart_reads_monday_first():
    ax = _draw("plays_by_weekday", FRAMES["plays_by_weekday"]).axes[0]
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    assert [round(b.get_height()) for b in ax.patches] == [4, 0, 0, 0, 6, 0, 2]  # per day
    assert "2 Mon, 2 Tue, 2 Wed, 2 Thu, 2 Fri, 2 Sat, 2 Sun" in ax.get_xlabel()


def test_top_songs_are_sorted_largest_first_with_long_titles_wrapped_not_cut():
    ax = _draw("top_songs", FRAMES["top_songs"]).axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "Short — unknown artist"
    assert labels[1] == "A very long song title that\ngoes on and on and on — Some\nArtist"
    assert [round(b.get_width()) for b in ax.patches] == [9, 4]


def test_free_and_paid_keep_their_house_colours():
    ax = _draw("level_share", FRAMES["level_share"]).axes[0]
    fills = {c.get_label(): mcolors.to_hex(c.get_facecolor()[0]) for c in ax.collections}
    assert fills == {"Paid": style.LEVEL_COLOURS["paid"], "Free": style.LEVEL_COLOURS["free"]}
    ax.figure.canvas.draw()
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == "100%"


def test_user_agent_chart_has_three_percent_panels():
    fig = _draw("user_agents", FRAMES["user_agents"])
    assert [_title(ax) for ax in fig.axes] == ["Device", "Operating system", "Browser"]
    assert fig.get_suptitle().startswith("How listeners connect")
    fig.canvas.draw()
    assert all(t.get_text().endswith("%") for t in fig.axes[0].get_xticklabels())
    devices = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert devices == ["Desktop", "Phone"]


def test_agent_split_folds_the_tail_into_other():
    frame = pd.DataFrame({"os": list("abcdefg"), "plays": [40, 20, 10, 10, 10, 5, 5]})
    split = frames.agent_split(frame, "os", keep=4)
    assert list(split.index) == ["a", "b", "c", "Other"]
    assert split["Other"] == pytest.approx(0.30)
    assert split.sum() == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("share", "text"), [(0, "0%"), (0.0001, "under 0.1%"), (0.054, "5.4%"), (0.9, "90%")]
)
def test_share_text(share, text):
    assert style.share_text(share) == text


def test_conversions_chart_spans_the_whole_period_not_only_upgrade_days():
    import matplotlib.dates as mdates

    ax = _draw("conversions", FRAMES["conversions"]).axes[0]
    left, right = (mdates.num2date(x).date() for x in ax.get_xlim())
    assert left < DAYS[0] and right >= DAYS[2]  # a bar only on the first two of three days


def test_top_charts_show_the_caveat_instead_of_bars_for_a_tiny_match():
    tiny = FRAMES["top_songs"].assign(all_plays=6820, matched_plays=1)
    fig = _draw("top_songs", tiny)
    (ax,) = fig.axes
    assert ax.patches == [] or not any(p.get_width() for p in ax.patches)
    shown = " ".join(" ".join(t.get_text().split()) for t in ax.texts)
    assert "Only 1 of 6,820 plays" in shown and "too few to rank" in shown


def test_daily_charts_leave_a_partial_edge_day_out_and_say_so():
    frame = pd.DataFrame(
        {
            "play_date": pd.to_datetime(["2018-11-29", "2018-11-30", "2018-12-01"]).date,
            "active_users": [20, 25, 4],
            "free_users": [15, 20, 4],
            "paid_users": [5, 5, 0],
            "first_play": pd.Timestamp("2018-11-29 00:01"),
            "last_play": pd.Timestamp("2018-12-01 02:26"),
        }
    )
    ax = _draw("daily_active_users", frame).axes[0]
    assert [list(line.get_ydata()) for line in ax.get_lines()][0] == [20, 25]
    assert ax.get_xlabel() == "Day (UTC); partial day left out: 1 Dec (data until 02:26 UTC)"


def test_device_panels_stop_their_axis_at_100_percent():
    for ax in _draw("user_agents", FRAMES["user_agents"]).axes:
        assert ax.spines["bottom"].get_bounds() == (0, 1)
        assert max(ax.get_xticks()) == 1.0


# -- the chart cache ----------------------------------------------------------------


def _aged(cache: charts.ChartCache, name: str, data: bytes, age_s: float) -> Path:
    """An entry written ``age_s`` seconds ago."""
    cache.folder.mkdir(parents=True, exist_ok=True)
    path = cache.folder / name
    path.write_bytes(data)
    then = time.time() - age_s
    os.utime(path, (then, then))
    return path


def test_the_cache_keeps_its_newest_entries_within_the_count_and_size_bounds(tmp_path):
    by_count = charts.ChartCache(tmp_path / "count", max_entries=3)
    for age in (50, 40, 30, 20, 10):
        _aged(by_count, f"{age}.png", b"x" * 100, age)
    assert sorted(p.name for p in by_count.evict()) == ["40.png", "50.png"]
    assert sorted(p.name for p in by_count.folder.iterdir()) == ["10.png", "20.png", "30.png"]
    by_size = charts.ChartCache(tmp_path / "size", max_bytes=2_500)
    for age in (30, 20, 10):
        _aged(by_size, f"{age}.png", b"x" * 1_000, age)
    by_size.put("new", b"y" * 1_000)  # storing evicts: the two newest fit in 2,500 bytes
    assert sorted(p.name for p in by_size.folder.iterdir()) == ["10.png", "new.png"]


def test_a_hit_counts_as_recent_use_and_killed_writers_temporary_files_go(tmp_path):
    cache = charts.ChartCache(tmp_path / "cache", max_entries=2)
    png = charts.png_bytes(_draw("match_rate", FRAMES["match_rate"]))
    _aged(cache, "old.png", png, 30)
    _aged(cache, "mid.png", png, 20)
    stale = _aged(cache, ".new.png.123.tmp", png[:100], 7_200)  # a kill mid-write, long ago
    live = _aged(cache, ".new.png.456.tmp", png[:100], 1)  # another run writing now
    assert cache.get("old") == png  # used now: kept, "mid" is the oldest
    cache.put("new", png)
    assert sorted(p.name for p in cache.folder.iterdir()) == [live.name, "new.png", "old.png"]
    assert not stale.exists()
    assert cache.get("missing") is None


def _hammer(folder: str, seed: int) -> int:
    """One of two processes storing, reading and evicting in one small cache at once."""
    cache = charts.ChartCache(Path(folder), max_entries=4)
    png = charts.png_bytes(_draw("match_rate", FRAMES["match_rate"]))
    hits = 0
    for i in range(60):
        key = f"k{(i * seed) % 7}"
        found = cache.get(key)
        if found is None:
            cache.put(key, png)
        else:
            assert found == png
            hits += 1
    return hits


def test_two_runs_can_share_the_cache_at_once(tmp_path):
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
        results = list(pool.map(_hammer, [str(tmp_path / "cache")] * 2, [3, 5]))
    assert sum(results) > 0
    entries = list((tmp_path / "cache").glob("*.png"))
    assert 0 < len(entries) <= 4
    assert all(charts.ChartCache(tmp_path / "cache").get(p.stem) for p in entries)
    assert not list((tmp_path / "cache").glob(".*.tmp"))
