"""Reshaping of query results shared by the charts and the insight sentences.

The charts draw what these return and the sentences describe the same numbers, so a
sentence can never disagree with its picture.
"""

from __future__ import annotations

import pandas as pd

# Redshift EXTRACT(DOW): 0 = Sunday ... 6 = Saturday; charts read Monday first.
WEEKDAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
MONDAY_FIRST = (1, 2, 3, 4, 5, 6, 0)
OTHER = "Other"


def share_text(share: float) -> str:
    """A share (0..1) as readable text: ``42%``, ``4.2%``, ``under 0.1%``."""
    if share == 0 or share >= 0.1:
        return f"{share:.0%}"
    return f"{share:.1%}" if share >= 0.001 else "under 0.1%"


def hours(frame: pd.DataFrame) -> pd.Series:
    """Plays per hour 0..23 (missing hours are 0)."""
    series = frame.groupby(frame["hour"].astype(int))["plays"].sum()
    return series.reindex(range(24), fill_value=0).astype(int)


def weekdays(frame: pd.DataFrame) -> pd.Series:
    """Plays per weekday, indexed by day name, Monday first (missing days are 0)."""
    series = frame.groupby(frame["weekday"].astype(int))["plays"].sum()
    series = series.reindex(MONDAY_FIRST, fill_value=0).astype(int)
    series.index = [WEEKDAY_NAMES[d] for d in MONDAY_FIRST]
    return series


# Under either bound, a ranking of catalogue songs or artists says more about the catalogue
# than about the listeners: show the caveat in its place.
MIN_MATCHED_PLAYS = 100
MIN_MATCH_SHARE = 0.05


def match_caveat(frame: pd.DataFrame) -> str | None:
    """Why a top-songs/artists result is too thin to rank (``all_plays``/``matched_plays``
    of the query), or None when it is not."""
    if frame.empty or not {"all_plays", "matched_plays"} <= set(frame.columns):
        return None
    plays, matched = int(frame["all_plays"].max()), int(frame["matched_plays"].max())
    share = matched / plays if plays else 0.0
    if matched >= MIN_MATCHED_PLAYS and share >= MIN_MATCH_SHARE:
        return None
    return (
        f"Only {matched:,} of {plays:,} plays ({share_text(share)}) matched the song catalogue: "
        f"too few to rank (a ranking needs at least {MIN_MATCHED_PLAYS} matched plays and "
        f"{MIN_MATCH_SHARE:.0%} of all plays). Load a fuller catalogue first."
    )


# A first (last) day whose data covers less of its 24 hours than this is partial.
COMPLETE_DAY_SHARE = 0.9
DAY = pd.Timedelta(days=1)


def partial_days(frame: pd.DataFrame) -> dict[pd.Timestamp, str]:
    """The data's first and last day when only part of it is in the data (``first_play`` /
    ``last_play`` of the query), each with a reader's note; none when one day is all there is."""
    if frame.empty or not {"first_play", "last_play"} <= set(frame.columns):
        return {}
    first, last = pd.Timestamp(frame["first_play"].min()), pd.Timestamp(frame["last_play"].max())
    first_day, last_day = first.normalize(), last.normalize()
    if first_day == last_day:
        return {}
    partial = {}
    if (first_day + DAY - first) / DAY < COMPLETE_DAY_SHARE:
        partial[first_day] = f"{first_day.day} {first_day:%b} (data from {first:%H:%M} UTC)"
    if (last - last_day) / DAY < COMPLETE_DAY_SHARE:
        partial[last_day] = f"{last_day.day} {last_day:%b} (data until {last:%H:%M} UTC)"
    return partial


def complete_days(data: pd.DataFrame, frame: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """``data`` (indexed by day) without the partial edge days of ``frame``, and a note
    naming what was left out ("" when nothing was)."""
    partial = partial_days(frame)
    kept = data[~data.index.isin(list(partial))]
    if not partial or kept.empty:
        return data, ""
    return kept, "partial day left out: " + "; ".join(partial.values())


def period(frame: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The data's first and last day (``period_start``, ``period_end`` of the query)."""
    return pd.Timestamp(frame["period_start"].min()), pd.Timestamp(frame["period_end"].max())


def complete_period(frame: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp, str]:
    """The period without its partial edge days (``first_play``/``last_play``, when the query
    has them), and the note naming what was left out ("" when nothing was)."""
    first, last = period(frame)
    partial = partial_days(frame)
    kept = [day for day in pd.date_range(first, last, freq="D") if day not in partial]
    if not partial or not kept:
        return first, last, ""
    return kept[0], kept[-1], "partial day left out: " + "; ".join(partial.values())


def weekday_averages(frame: pd.DataFrame) -> pd.DataFrame:
    """Per weekday (Monday first): plays, calendar days of that weekday in the data's period
    (``period_start`` .. ``period_end``, both included, less a partial first or last day) and
    average plays per such day. Rows per day (``play_date``) let a partial day's plays go."""
    start, end, _ = complete_period(frame)
    if "play_date" in frame:
        days_played = pd.to_datetime(frame["play_date"])
        frame = frame[(days_played >= start) & (days_played <= end)]
    calendar = pd.date_range(start, end, freq="D")
    days = pd.Series((calendar.dayofweek + 1) % 7).value_counts()  # pandas: Monday = 0
    plays = weekdays(frame)
    counts = pd.Series([int(days.get(d, 0)) for d in MONDAY_FIRST], index=plays.index)
    averages = (plays / counts.where(counts > 0)).fillna(0.0)
    return pd.DataFrame({"plays": plays, "days": counts, "per_day": averages})


def daily_level_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Plays per day and level: index day (datetime), one column per level, in date order."""
    counts = frame.assign(day=pd.to_datetime(frame["play_date"])).pivot_table(
        index="day", columns="level", values="plays", aggfunc="sum", fill_value=0
    )
    counts.columns = [str(c) for c in counts.columns]
    return counts.sort_index()


def level_shares(counts: pd.DataFrame) -> pd.DataFrame:
    """Each row of a counts frame divided by its total (shares 0..1)."""
    return counts.div(counts.sum(axis=1), axis=0)


def paid_share(counts: pd.DataFrame) -> float:
    """The paid share of all plays in a counts frame (0 when it has none)."""
    total = counts.to_numpy().sum()
    return float(counts["paid"].sum() / total) if "paid" in counts and total else 0.0


def by_day(frame: pd.DataFrame, date_column: str) -> pd.DataFrame:
    """The frame indexed by its date column (as datetimes), in date order."""
    return (
        frame.assign(**{date_column: pd.to_datetime(frame[date_column])})
        .set_index(date_column)
        .sort_index()
    )


def ranked(frame: pd.DataFrame, label: str) -> pd.DataFrame:
    """``label, plays`` sorted by plays (largest first), ties by label."""
    data = frame.rename(columns={label: "label"})[["label", "plays"]]
    return data.sort_values(["plays", "label"], ascending=[False, True]).reset_index(drop=True)


def agent_split(frame: pd.DataFrame, column: str, keep: int = 5) -> pd.Series:
    """Share of plays per value of ``column`` (largest first), the tail folded into Other."""
    shares = frame.groupby(frame[column].fillna("Unknown"))["plays"].sum()
    total = shares.sum()
    shares = (shares / total if total else shares).sort_values(ascending=False)
    if len(shares) > keep:
        head = shares.iloc[: keep - 1]
        shares = pd.concat([head, pd.Series({OTHER: shares.iloc[keep - 1 :].sum()})])
    return shares
