"""When people listen: events per day (weekly rhythm, growth) and per hour (evening peak).

The timeline is cut into slots (whole hours, at most a day) small enough that one slot's
events fit comfortably in memory; the generator works slot by slot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

import numpy as np

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
WEEKEND_VOLUME = 0.85
GROWTH = 0.3  # the last day carries this much more traffic than the first
SLOT_HOURS = (24, 12, 8, 6, 4, 3, 2, 1)

WEEKDAY_HOURS = np.array(
    [0.6, 0.35, 0.2, 0.12, 0.1, 0.15, 0.35, 0.7, 0.9, 0.85, 0.8, 0.85]
    + [1.0, 0.95, 0.9, 0.95, 1.1, 1.3, 1.55, 1.8, 2.0, 1.9, 1.5, 1.0]
)
WEEKEND_HOURS = np.array(
    [0.9, 0.6, 0.4, 0.25, 0.15, 0.12, 0.15, 0.25, 0.45, 0.7, 1.0, 1.2]
    + [1.3, 1.35, 1.35, 1.3, 1.3, 1.35, 1.45, 1.6, 1.75, 1.85, 1.7, 1.3]
)


@dataclass(frozen=True)
class Slot:
    """A stretch of one day and the number of events whose sessions start in it."""

    start_ms: int
    end_ms: int
    events: int
    hour_weights: np.ndarray  # weights of the slot's hours


def epoch_ms(day: date) -> int:
    """Milliseconds since the epoch at UTC midnight of ``day``."""
    return int(datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp() * 1000)


def plan_slots(
    rng: np.random.Generator, events: int, start: date, days: int, max_slot_events: int
) -> list[Slot]:
    """Split ``events`` over ``days`` days and then over slots of whole hours."""
    start_ms = epoch_ms(start)
    weekday = (start.weekday() + np.arange(days)) % 7
    hours = np.where((weekday >= 5)[:, None], WEEKEND_HOURS, WEEKDAY_HOURS)
    volume = np.where(weekday >= 5, WEEKEND_VOLUME, 1.0) * (1 + GROWTH * np.arange(days) / days)
    per_day = rng.multinomial(events, volume / volume.sum())
    slots = []
    for d, n_day in enumerate(per_day.tolist()):
        span = next(h for h in SLOT_HOURS if n_day * h / 24 <= max_slot_events or h == 1)
        shares = hours[d].reshape(-1, span).sum(axis=1)
        for s, n in enumerate(rng.multinomial(n_day, shares / shares.sum()).tolist()):
            begin = start_ms + d * DAY_MS + s * span * HOUR_MS
            weights = hours[d][s * span : (s + 1) * span]
            slots.append(Slot(begin, begin + span * HOUR_MS, n, weights))
    return slots


def session_starts(rng: np.random.Generator, slot: Slot, k: int) -> np.ndarray:
    """``k`` sorted session start times in the slot, following its hourly rhythm."""
    hour = rng.choice(len(slot.hour_weights), k, p=slot.hour_weights / slot.hour_weights.sum())
    return np.sort(slot.start_ms + hour * HOUR_MS + rng.integers(0, HOUR_MS, k))
