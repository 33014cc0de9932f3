"""One chart per walkthrough question: each takes its query's DataFrame, returns a Figure.

Every function accepts ``footnote`` (the source line: query file, target, data dates) and draws
a "no data" placeholder for an empty frame, so a headless run always has a picture.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sparkify_helpers.charts import style
from sparkify_helpers.charts.frames import (
    agent_split,
    by_day,
    complete_days,
    complete_period,
    daily_level_counts,
    hours,
    level_shares,
    match_caveat,
    ranked,
    weekday_averages,
)


def _bars(ax: Axes, labels, values, highlight: int | None = None, horizontal=False) -> None:
    colours = [style.ACCENT] * len(values)
    if highlight is not None and len(values):
        colours[highlight] = style.HIGHLIGHT
    if horizontal:  # by position: two labels that read alike stay two bars
        ax.barh(range(len(values)), values, color=colours, height=0.7)
        ax.set_yticks(range(len(values)), list(labels))
    else:
        ax.bar(labels, values, color=colours, width=0.75)


def _peak_bars(plays: pd.Series, title: str, xlabel: str) -> tuple[Figure, Axes]:
    """Vertical bars of plays per category with the busiest one highlighted."""
    fig, ax = style.new_figure()
    _bars(ax, plays.index, plays.to_numpy(), highlight=int(plays.to_numpy().argmax()))
    style.label_axes(ax, title, xlabel, "Plays")
    style.thousands(ax)
    style.value_grid(ax)
    return fig, ax


def _day_label(note: str) -> str:
    """The x label of a daily chart, saying which partial day it leaves out."""
    return f"Day (UTC); {note}" if note else "Day (UTC)"


def _top_n(frame: pd.DataFrame, label: str, title: str, ylabel: str, footnote: str) -> Figure:
    """Horizontal bars, largest on top, long labels wrapped onto more lines (never cut)."""
    data = ranked(frame, label)
    labels = data["label"].map(style.wrap)
    extra_lines = int(labels.str.count("\n").sum())
    fig, ax = style.new_figure(figsize=(9.0, 0.42 * len(data) + 0.16 * extra_lines + 1.8))
    _bars(ax, labels, data["plays"], horizontal=True)
    ax.invert_yaxis()
    ax.bar_label(
        ax.containers[0],
        labels=[f"{v:,.0f}" for v in data["plays"]],
        padding=3,
        fontsize=9,
        color=style.MUTED,
    )
    ax.margins(x=0.08)
    style.label_axes(ax, title, "Plays", ylabel)
    style.thousands(ax, "x")
    style.value_grid(ax, "x")
    ax.tick_params(axis="y", length=0)
    return style.finish(fig, footnote=footnote)


@style.styled
def plays_by_hour(frame: pd.DataFrame, footnote: str = "") -> Figure:
    """Bars of plays per hour of day (UTC), the peak hour highlighted."""
    title = "Plays by hour of day"
    if frame.empty:
        return style.no_data(title, footnote)
    heading = f"{title}: when do listeners press play?"
    fig, ax = _peak_bars(hours(frame), heading, "Hour of day (UTC)")
    ax.set_xticks(range(0, 24, 2), [f"{h:02d}:00" for h in range(0, 24, 2)])
    ax.set_xlim(-0.6, 23.6)
    return style.finish(fig, footnote=footnote)


@style.styled
def plays_by_weekday(frame: pd.DataFrame, footnote: str = "") -> Figure:
    """Bars of average plays per calendar day of each weekday, Monday first, busiest highlighted."""
    title = "Plays by day of week"
    if frame.empty:
        return style.no_data(title, footnote)
    days = weekday_averages(frame)
    held = ", ".join(f"{n} {str(name)[:3]}" for name, n in days["days"].items())
    note = complete_period(frame)[2]
    xlabel = f"Day of week (the period holds {held})" + (f";\n{note}" if note else "")
    fig, ax = _peak_bars(days["per_day"], f"{title}, average per calendar day (UTC)", xlabel)
    ax.set_ylabel("Average plays per day")
    return style.finish(fig, footnote=footnote)


@style.styled
def level_share(frame: pd.DataFrame, footnote: str = "") -> Figure:
    """Stacked areas of the free vs paid share of daily plays."""
    title = "Free vs paid share of daily plays"
    if frame.empty:
        return style.no_data(title, footnote)
    counts, note = complete_days(daily_level_counts(frame), frame)
    share = level_shares(counts)
    fig, ax = style.new_figure()
    levels = [lvl for lvl in ("paid", "free") if lvl in share] + [
        lvl for lvl in share.columns if lvl not in ("paid", "free")
    ]
    colours = [style.LEVEL_COLOURS.get(lvl, style.PALETTE[-1]) for lvl in levels]
    labels = [lvl.capitalize() for lvl in levels]
    ax.stackplot(share.index, *[share[lvl] for lvl in levels], labels=labels, colors=colours)
    ax.set_ylim(0, 1)
    ax.set_xlim(share.index.min(), share.index.max())
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), title="Level")
    style.label_axes(ax, title, _day_label(note), "Share of plays")
    style.percent(ax)
    style.dates(ax)
    return style.finish(fig, footnote=footnote)


@style.styled
def top_songs(frame: pd.DataFrame, footnote: str = "") -> Figure:
    """Horizontal bars of the most played catalogue songs ("title — artist")."""
    title = "Most played songs (plays matched to the catalogue)"
    if frame.empty:
        return style.no_data(title, footnote, "No play matched a catalogue song.")
    if (caveat := match_caveat(frame)) is not None:
        return style.no_data(title, footnote, caveat)
    labelled = frame.assign(label=frame["title"] + " — " + frame["artist"].fillna("unknown artist"))
    return _top_n(labelled, "label", title, "Song — artist", footnote)


@style.styled
def top_artists(frame: pd.DataFrame, footnote: str = "") -> Figure:
    """Horizontal bars of the most played catalogue artists."""
    title = "Most played artists (plays matched to the catalogue)"
    if frame.empty:
        return style.no_data(title, footnote, "No play matched a catalogue artist.")
    if (caveat := match_caveat(frame)) is not None:
        return style.no_data(title, footnote, caveat)
    return _top_n(frame, "artist", title, "Artist", footnote)


@style.styled
def top_locations(frame: pd.DataFrame, footnote: str = "") -> Figure:
    """Horizontal bars of the listener locations with the most plays."""
    title = "Where listeners play the most"
    if frame.empty:
        return style.no_data(title, footnote)
    return _top_n(frame, "location", title, "Listener location", footnote)


@style.styled
def user_agents(frame: pd.DataFrame, footnote: str = "") -> Figure:
    """Three panels: share of plays by device, operating system and browser."""
    title = "How listeners connect: share of plays by device, OS and browser"
    if frame.empty:
        return style.no_data(title, footnote)
    fig, axes = style.new_figure(ncols=3)
    for ax, (column, label) in zip(
        axes,
        (("device", "Device"), ("os", "Operating system"), ("browser", "Browser")),
        strict=True,
    ):
        split = agent_split(frame, column)
        _bars(ax, split.index, split.to_numpy(), horizontal=True)
        ax.invert_yaxis()
        ax.bar_label(
            ax.containers[0],
            labels=[style.share_text(v) for v in split],
            padding=3,
            fontsize=9,
            color=style.MUTED,
        )
        style.label_axes(ax, label, "Share of plays", "")
        ax.set_title(label, fontsize=11.5)
        ax.set_xlim(0, 1.18)  # room for the "100%" label of a bar that fills the panel
        ax.spines["bottom"].set_bounds(0, 1)  # the axis itself stops at 100%
        ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
        style.percent(ax, "x")
        ax.tick_params(axis="y", length=0)
        style.value_grid(ax, "x")
    return style.finish(fig, title=title, footnote=footnote)


@style.styled
def daily_active_users(frame: pd.DataFrame, footnote: str = "") -> Figure:
    """Lines of distinct listeners per day: all, paid and free."""
    title = "Daily active users"
    if frame.empty:
        return style.no_data(title, footnote, "No listeners in this period.")
    data, note = complete_days(by_day(frame, "play_date"), frame)
    fig, ax = style.new_figure()
    ax.plot(data.index, data["active_users"], color=style.INK, linewidth=2.2, label="All")
    for level in ("paid", "free"):
        column = f"{level}_users"
        if column in data:
            ax.plot(
                data.index,
                data[column],
                color=style.LEVEL_COLOURS[level],
                linewidth=1.8,
                label=level.capitalize(),
            )
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), title="Listeners")
    style.label_axes(ax, f"{title}: distinct listeners per day", _day_label(note), "Listeners")
    style.thousands(ax)
    style.dates(ax, data.index.min(), data.index.max())
    style.value_grid(ax)
    return style.finish(fig, footnote=footnote)


@style.styled
def conversions(frame: pd.DataFrame, footnote: str = "") -> Figure:
    """Bars of free-to-paid upgrades per day."""
    title = "Free-to-paid upgrades per day"
    if frame.empty or frame["users_converted"].sum() == 0:
        return style.no_data(title, footnote, "No free-to-paid upgrades in this period.")
    first, last, note = complete_period(frame)
    data = by_day(frame, "conversion_date").loc[first:last]
    if data["users_converted"].sum() == 0:
        return style.no_data(
            title, footnote, f"No free-to-paid upgrades on a complete day ({note})."
        )
    fig, ax = style.new_figure()
    ax.bar(data.index, data["users_converted"], color=style.LEVEL_COLOURS["paid"], width=0.8)
    half_day = pd.Timedelta(hours=12)
    ax.set_xlim(first - half_day, last + half_day)  # the whole period, not only upgrade days
    xlabel = "Day of upgrade (UTC)" + (f"; {note}" if note else "")
    style.label_axes(ax, title, xlabel, "Users upgraded")
    style.thousands(ax)
    style.dates(ax, first, last)
    style.value_grid(ax)
    return style.finish(fig, footnote=footnote)


@style.styled
def match_rate(frame: pd.DataFrame, footnote: str = "") -> Figure:
    """One bar split into plays matched / not matched to the song catalogue."""
    title = "Plays matched to the song catalogue"
    if frame.empty or int(frame["plays"].sum()) == 0:
        return style.no_data(title, footnote)
    plays, matched = int(frame["plays"].sum()), int(frame["matched_plays"].sum())
    fig, ax = style.new_figure(figsize=(9.0, 2.6))
    share = matched / plays
    ax.barh([0], [share], color=style.ACCENT, height=0.5, label="Matched a catalogue song")
    ax.barh([0], [1 - share], left=[share], color=style.GRID, height=0.5, label="No match")
    inside = share >= 0.5
    ax.text(
        share / 2 if inside else share + 0.01,
        0,
        f"{style.share_text(share)} matched ({matched:,} of {plays:,} plays)",
        va="center",
        ha="center" if inside else "left",
        fontsize=10.5,
        color="white" if inside else style.INK,
    )
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_yticks([])
    ax.set_xlim(0, 1)
    ax.spines["left"].set_visible(False)
    style.label_axes(ax, title, "Share of plays", "")
    style.percent(ax, "x")
    return style.finish(fig, footnote=footnote)
