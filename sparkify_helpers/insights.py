"""One plain-English sentence per walkthrough question, computed from the query's result.

Nothing here is a hard-coded claim: every number, name and date comes from the frame, and
an empty frame gives a sentence that says so.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from sparkify_helpers.charts import frames
from sparkify_helpers.charts.frames import share_text

NO_PLAYS = "No plays in this period."


def _day(value) -> str:
    """A date the way a reader says it: ``28 Nov 2018``."""
    stamp = pd.Timestamp(value)
    return f"{stamp.day} {stamp:%b %Y}"


def _hour_span(hour: int) -> str:
    return f"{hour:02d}:00–{(hour + 1) % 24:02d}:00"


def _plays(n: float) -> str:
    return f"{n:,.0f} play" + ("" if n == 1 else "s")


def plays_by_hour(frame: pd.DataFrame) -> str:
    """Peak hour vs quietest hour."""
    per_hour = frames.hours(frame) if not frame.empty else pd.Series(dtype=int)
    if per_hour.sum() == 0:
        return NO_PLAYS
    peak, low = int(per_hour.idxmax()), int(per_hour.idxmin())
    head = f"Plays peak at {_hour_span(peak)} UTC ({_plays(per_hour[peak])})"
    if per_hour[low] == 0:
        return f"{head}, while {_hour_span(low)} UTC has no plays at all."
    ratio = per_hour[peak] / per_hour[low]
    return f"{head}, {ratio:.1f}x the quietest hour ({_hour_span(low)} UTC)."


def plays_by_weekday(frame: pd.DataFrame) -> str:
    """Busiest vs quietest weekday by average plays per calendar day (a month holds 4 or 5)."""
    if frame.empty or frame["plays"].sum() == 0:
        return NO_PLAYS
    days = frames.weekday_averages(frame)
    held = days[days["days"] > 0]
    busy, quiet = str(held["per_day"].idxmax()), str(held["per_day"].idxmin())

    def average(name: str) -> str:
        count, per_day = held["days"][name], held["per_day"][name]
        return f"{per_day:,.0f} plays per {name} ({count} in the period)"

    sentence = (
        f"{busy} is the busiest day of the week with {average(busy)} on average; "
        f"{quiet} is the quietest with {average(quiet)}."
    )
    return _with_note(sentence, frames.complete_period(frame)[2])


def level_share(frame: pd.DataFrame) -> str:
    """Paid share overall and how it moved from the first to the last week (or day)."""
    counts = frames.daily_level_counts(frame) if not frame.empty else pd.DataFrame()
    if counts.empty or counts.to_numpy().sum() == 0:
        return NO_PLAYS
    counts, note = frames.complete_days(counts, frame)
    return _with_note(_level_share(counts), note)


def _with_note(sentence: str, note: str) -> str:
    """The sentence, followed by what it left out (a partial day), if anything."""
    return f"{sentence} ({note[0].upper()}{note[1:]}.)" if note else sentence


def _level_share(counts: pd.DataFrame) -> str:
    """:func:`level_share` on complete days."""
    head = f"Paid listeners account for {frames.paid_share(counts):.0%} of all plays"
    if len(counts) < 2:
        return f"{head} on {_day(counts.index[0])}."
    span = 7 if len(counts) >= 14 else 1
    first, last = frames.paid_share(counts.iloc[:span]), frames.paid_share(counts.iloc[-span:])
    trend = "rose" if last > first else "fell" if last < first else "held"
    when = (
        ("the first week", "the last week")
        if span == 7
        else (_day(counts.index[0]), _day(counts.index[-1]))
    )
    return f"{head}; their share {trend} from {first:.0%} in {when[0]} to {last:.0%} in {when[1]}."


def top_songs(frame: pd.DataFrame) -> str:
    """The most played song and how far ahead it is."""
    if frame.empty:
        return "No play matched a catalogue song, so there is no top song."
    if (caveat := frames.match_caveat(frame)) is not None:
        return caveat

    def head(top: pd.Series) -> str:
        artist = top["artist"] if pd.notna(top["artist"]) else "an unknown artist"
        return f"The most played song is “{top['title']}” by {artist} with {_plays(top['plays'])}"

    return _ranking(
        frame,
        "title",
        head,
        name=lambda row: f"“{row['title']}”",
        ahead=lambda top, runner_up: f"{top['plays'] / runner_up['plays']:.1f}x the next song",
    )


def top_artists(frame: pd.DataFrame) -> str:
    """The most played artist and the runner-up."""
    if frame.empty:
        return "No play matched a catalogue artist, so there is no top artist."
    if (caveat := frames.match_caveat(frame)) is not None:
        return caveat
    return _leader(frame, "artist", "is the most played artist")


def top_locations(frame: pd.DataFrame) -> str:
    """The location with the most plays and the runner-up."""
    if frame.empty:
        return NO_PLAYS
    return _leader(frame, "location", "leads all locations")


def _leader(frame: pd.DataFrame, label: str, verb: str) -> str:
    """``<first> <verb> with N plays (from M listeners), ahead of <second> (K plays).``"""

    def head(first: pd.Series) -> str:
        listeners = (
            f" from {first['listeners']:,} listener" + ("" if first["listeners"] == 1 else "s")
            if "listeners" in first
            else ""
        )
        return f"{first[label]} {verb} with {_plays(first['plays'])}{listeners}"

    return _ranking(
        frame,
        label,
        head,
        name=lambda row: str(row[label]),
        ahead=lambda _, second: f"ahead of {second[label]} ({_plays(second['plays'])})",
    )


def _ranking(
    frame: pd.DataFrame,
    label: str,
    head: Callable[[pd.Series], str],
    name: Callable[[pd.Series], str],
    ahead: Callable[[pd.Series, pd.Series], str],
) -> str:
    """The leader by plays (ties broken by ``label``) against the runner-up.

    ``<head>.`` alone, ``<head>, tied with <name>.`` or ``<head>, <ahead>.``
    """
    data = frame.sort_values(["plays", label], ascending=[False, True]).reset_index(drop=True)
    first = data.iloc[0]
    text = head(first)
    if len(data) < 2:
        return f"{text}."
    second = data.iloc[1]
    if second["plays"] == first["plays"]:
        return f"{text}, tied with {name(second)}."
    return f"{text}, {ahead(first, second)}."


def user_agents(frame: pd.DataFrame) -> str:
    """The leading device, operating system and browser by share of plays."""
    if frame.empty or frame["plays"].sum() == 0:
        return NO_PLAYS
    device, os_, browser = (
        frames.agent_split(frame, column, keep=len(frame)) for column in ("device", "os", "browser")
    )
    return (
        f"{device.index[0]} devices carry {device.iloc[0]:.0%} of plays; {os_.index[0]} is the "
        f"leading operating system ({os_.iloc[0]:.0%}) and {browser.index[0]} the leading "
        f"browser ({browser.iloc[0]:.0%})."
    )


def daily_active_users(frame: pd.DataFrame) -> str:
    """Average daily listeners with the busiest and quietest day."""
    if frame.empty:
        return "No listeners in this period."
    days, note = frames.complete_days(frames.by_day(frame, "play_date"), frame)
    data = days["active_users"]
    busy, quiet = data.idxmax(), data.idxmin()
    sentence = (
        f"On average {data.mean():,.0f} people listened each day over {len(data)} days; the "
        f"busiest day was {_day(busy)} ({data[busy]:,} listeners), the quietest {_day(quiet)} "
        f"({data[quiet]:,})."
    )
    return _with_note(sentence, note)


def conversions(frame: pd.DataFrame) -> str:
    """How many listeners upgraded from free to paid, and the best day."""
    total = int(frame["users_converted"].sum()) if not frame.empty else 0
    if total == 0:
        return "No listener upgraded from free to paid in this period."
    first, last, note = frames.complete_period(frame)
    data = frames.by_day(frame, "conversion_date")["users_converted"].loc[first:last]
    total = int(data.sum())
    if total == 0:
        return _with_note("No listener upgraded from free to paid on a complete day.", note)
    best = data.idxmax()
    period_days = (last - first).days + 1
    times = "time" if total == 1 else "times"
    sentence = (
        f"Listeners upgraded from free to paid {total:,} {times}, on {len(data[data > 0])} of "
        f"the period's {period_days} days; the best day was {_day(best)} with {data[best]:,}."
    )
    return _with_note(sentence, note)


def match_rate(frame: pd.DataFrame) -> str:
    """How many plays matched the song catalogue (what the song/artist charts can see)."""
    plays = int(frame["plays"].sum()) if not frame.empty else 0
    if plays == 0:
        return NO_PLAYS
    matched = int(frame["matched_plays"].sum())
    sentence = (
        f"{share_text(matched / plays).capitalize()} of plays ({matched:,} of {plays:,}) "
        "matched a song in the "
        "catalogue; the top songs and top artists are counted from those plays only."
    )
    if matched >= frames.MIN_MATCHED_PLAYS and matched / plays >= frames.MIN_MATCH_SHARE:
        return sentence
    return (
        f"{sentence} That is too few to rank songs or artists (a ranking needs at least "
        f"{frames.MIN_MATCHED_PLAYS} matched plays and {frames.MIN_MATCH_SHARE:.0%} of all "
        "plays), so those charts show a caveat instead."
    )
