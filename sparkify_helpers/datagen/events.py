"""Listening sessions: pages, songs, levels (upgrades, downgrades) and timestamps per slot.

Everything per event is vectorised with numpy; only the per-session bookkeeping that is
sequential by nature (a user's level and when their previous session ended) loops.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .catalogue import Catalogue
from .rhythm import HOUR_MS, Slot, session_starts
from .users import Users

PAGES = (  # name, method, status: as the real event simulator logs them
    ("NextSong", "PUT", 200),
    ("Home", "GET", 200),
    ("Login", "PUT", 307),
    ("Logout", "PUT", 307),
    ("Settings", "GET", 200),
    ("Save Settings", "PUT", 307),
    ("Upgrade", "GET", 200),
    ("Downgrade", "GET", 200),
    ("Submit Upgrade", "PUT", 307),
    ("Submit Downgrade", "PUT", 307),
    ("Help", "GET", 200),
    ("About", "GET", 200),
    ("Error", "GET", 404),
    ("Roll Advert", "GET", 200),
    ("Thumbs Up", "PUT", 307),
    ("Thumbs Down", "PUT", 307),
    ("Add to Playlist", "PUT", 200),
    ("Add Friend", "PUT", 307),
    ("Register", "GET", 200),
    ("Submit Registration", "PUT", 307),
)
P = {name: code for code, (name, _, _) in enumerate(PAGES)}
NEXT_SONG = P["NextSong"]

FREE_MIX = {"NextSong": 86.0, "Home": 2.0, "Thumbs Up": 4.0, "Add to Playlist": 2.0}
FREE_MIX |= {"Roll Advert": 4.0, "Add Friend": 1.5, "Thumbs Down": 1.0, "Upgrade": 1.0}
FREE_MIX |= {"Settings": 0.6, "Save Settings": 0.2, "Help": 0.5, "About": 0.2, "Error": 0.1}
PAID_MIX = {"NextSong": 90.0, "Home": 2.0, "Thumbs Up": 5.0, "Add to Playlist": 2.5}
PAID_MIX |= {"Add Friend": 1.7, "Thumbs Down": 0.9, "Downgrade": 0.8, "Settings": 0.8}
PAID_MIX |= {"Save Settings": 0.2, "Help": 0.5, "About": 0.2, "Error": 0.1}
GUEST_MIX = {"Home": 5.0, "Register": 2.0, "Help": 1.0, "About": 1.0, "Error": 0.5}
VISITOR_MIX = {"Home": 7.0, "About": 1.5, "Help": 1.5}

GUEST_SHARE = 0.01  # sessions of unregistered guests
VISITOR_SHARE = 0.02  # sessions of logged-out visitors who never log in
LOGIN_SHARE = 0.1  # user sessions that start logged out (Home, Login) before logging in
HOME_FIRST = 0.35  # user sessions whose first page is Home
LOGOUT_SHARE = 0.15  # user sessions that end with Logout
P_UPGRADE = 0.04  # free sessions that end with Upgrade, Submit Upgrade
P_DOWNGRADE = 0.015  # paid sessions that end with Downgrade, Submit Downgrade
SESSION_GAP_MS = 10 * 60_000  # at least this long between two sessions of one user
MAX_DELAY_MS = 6 * HOUR_MS  # a session waits at most this long for the user's previous one


def _cdf(mix: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """Page codes and their cumulative probabilities."""
    codes = np.array([P[name] for name in mix])
    cum = np.cumsum(list(mix.values()))
    return codes, cum / cum[-1]


def _draw(table: tuple[np.ndarray, np.ndarray], u: np.ndarray) -> np.ndarray:
    """Pages for uniform draws ``u``."""
    codes, cdf = table
    return codes[np.minimum(np.searchsorted(cdf, u, side="right"), len(codes) - 1)]


FREE, PAID, GUEST, VISITOR = (_cdf(m) for m in (FREE_MIX, PAID_MIX, GUEST_MIX, VISITOR_MIX))


@dataclass
class UserState:
    """What carries from one slot to the next: levels, busy-until times, session ids."""

    level: list[int]
    busy_until: list[int]
    next_session_id: int = 1
    upgrades: int = 0
    downgrades: int = 0

    @classmethod
    def start(cls, users: Users) -> UserState:
        """Every user at their starting level and free to listen."""
        return cls(users.initial_paid.astype(int).tolist(), [0] * users.n)


@dataclass
class EventBlock:
    """Events as parallel arrays (one row per event)."""

    ts: np.ndarray
    song: np.ndarray
    user: np.ndarray
    item: np.ndarray
    level: np.ndarray
    page: np.ndarray
    session: np.ndarray
    names: ClassVar[tuple[str, ...]] = ("ts", "song", "user", "item", "level", "page", "session")

    def __len__(self) -> int:
        return len(self.ts)

    def take(self, index: np.ndarray | slice) -> EventBlock:
        """The events at ``index`` (an index array or a boolean mask)."""
        return EventBlock(*(getattr(self, n)[index] for n in self.names))

    def concat(self, other: EventBlock) -> EventBlock:
        """These events followed by ``other``'s."""
        return EventBlock(
            *(np.concatenate([getattr(self, n), getattr(other, n)]) for n in self.names)
        )

    @classmethod
    def empty(cls) -> EventBlock:
        """No events."""
        return cls(*(np.zeros(0, dtype=np.int64) for _ in range(7)))


def _session_lengths(rng: np.random.Generator, events: int) -> tuple[np.ndarray, np.ndarray]:
    """Session lengths summing to exactly ``events``, and each session's kind (0 user,
    1 guest, 2 logged-out visitor)."""
    lengths, kinds, total = [], [], 0
    while total < events:
        k = max(16, int((events - total) / 8))
        length = np.minimum(1 + np.floor(rng.lognormal(np.log(9.0), 0.9, k)), 200).astype(np.int64)
        u = rng.random(k)
        kind = np.where(u < GUEST_SHARE, 1, np.where(u < GUEST_SHARE + VISITOR_SHARE, 2, 0))
        length = np.where(kind > 0, np.minimum(length, 1 + (length % 4)), length)
        lengths.append(length)
        kinds.append(kind)
        total += int(length.sum())
    length = np.concatenate(lengths)
    kind = np.concatenate(kinds)
    cum = np.cumsum(length)
    k = int(np.searchsorted(cum, events)) + 1
    length = length[:k].copy()
    length[-1] -= int(cum[k - 1]) - events
    return length, kind[:k]


def simulate_slot(
    rng: np.random.Generator,
    slot: Slot,
    catalogue: Catalogue,
    users: Users,
    state: UserState,
    unmatched_share: float,
) -> EventBlock:
    """The events of all sessions that start in ``slot`` (some may run past its end)."""
    if slot.events == 0:
        return EventBlock.empty()
    length, kind = _session_lengths(rng, slot.events)
    k, n = len(length), slot.events
    start = session_starts(rng, slot, k)
    user = users.draw(rng, k, slot.start_ms)
    first = np.cumsum(length) - length
    last = first + length - 1
    sess = np.repeat(np.arange(k), length)
    item = np.arange(n) - first[sess]

    row = np.where(kind == 1, users.guest, np.where(kind == 2, users.logged_out, user))[sess]
    free, paid, login = _pages(rng, kind, length, first, sess)
    row[first[login]] = row[first[login] + 1] = users.logged_out

    song = catalogue.draw_plays(rng, n, unmatched_share)
    other_gap = rng.integers(1, 90, n) * 1000
    gap_free = np.where(free == NEXT_SONG, catalogue.length_ms[song], other_gap)
    gap_paid = np.where(paid == NEXT_SONG, catalogue.length_ms[song], other_gap)
    dur_free = np.add.reduceat(gap_free, first) - gap_free[last]
    dur_paid = np.add.reduceat(gap_paid, first) - gap_paid[last]

    can_change = (kind == 0) & (length >= np.where(login, 5, 2))
    start, level, changed = _sequence_sessions(
        state, start, user, kind == 0, can_change, rng.random(k), (dur_free, dur_paid)
    )
    ev_level = level[sess]
    page = np.where(ev_level == 1, paid, free)
    ends = last[changed]
    page[ends - 1] = np.where(level[changed] == 1, P["Downgrade"], P["Upgrade"])
    page[ends] = np.where(level[changed] == 1, P["Submit Downgrade"], P["Submit Upgrade"])

    gap = np.where(page == NEXT_SONG, catalogue.length_ms[song], other_gap)
    before = np.cumsum(gap) - gap
    ts = start[sess] + before - before[first][sess]
    session_id = state.next_session_id + np.arange(k)
    state.next_session_id += k
    song = np.where(page == NEXT_SONG, song, catalogue.null_song)
    return EventBlock(ts, song, row, item, ev_level, page, session_id[sess])


def _pages(
    rng: np.random.Generator,
    kind: np.ndarray,
    length: np.ndarray,
    first: np.ndarray,
    sess: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each event's page if its session is on the free level and if it is on the paid one.

    Guests and visitors browse; a user session may open logged out (Home, Login, Home),
    open on Home, and end with Logout. Also returns the mask of sessions that log in.
    """
    n = len(sess)
    last = first + length - 1
    u = rng.random(n)
    fixed = np.full(n, -1)
    event_kind = kind[sess]
    fixed[event_kind == 1] = _draw(GUEST, u[event_kind == 1])
    fixed[event_kind == 2] = _draw(VISITOR, u[event_kind == 2])
    r = rng.random((len(kind), 3))
    login = (kind == 0) & (length >= 4) & (r[:, 0] < LOGIN_SHARE)
    home = (kind == 0) & ~login & (r[:, 1] < HOME_FIRST)
    logout = (kind == 0) & (length >= 3) & (r[:, 2] < LOGOUT_SHARE)
    fixed[first[login]] = P["Home"]
    fixed[first[login] + 1] = P["Login"]
    fixed[first[login] + 2] = P["Home"]
    fixed[first[home]] = P["Home"]
    fixed[last[logout]] = P["Logout"]
    free = np.where(fixed >= 0, fixed, _draw(FREE, u))
    paid = np.where(fixed >= 0, fixed, _draw(PAID, u))
    return free, paid, login


def _sequence_sessions(
    state: UserState,
    start: np.ndarray,
    user: np.ndarray,
    is_user: np.ndarray,
    can_change: np.ndarray,
    change_draw: np.ndarray,
    durations: tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Walk sessions in start order: keep a user's sessions apart and apply level changes.

    ``durations`` are each session's length in ms at the free and at the paid level.
    Returns the (possibly delayed) start, the level of each session and a mask of sessions
    that end with a submitted upgrade or downgrade (the new level applies from the next one).
    """
    level, busy = state.level, state.busy_until
    starts = start.tolist()
    levels = [0] * len(starts)
    changed = [False] * len(starts)
    rows = zip(
        user.tolist(),
        is_user.tolist(),
        can_change.tolist(),
        change_draw.tolist(),
        durations[0].tolist(),
        durations[1].tolist(),
        strict=True,
    )
    for j, (u, listener, ok, draw, d_free, d_paid) in enumerate(rows):
        if not listener:
            continue
        if starts[j] < busy[u] < starts[j] + MAX_DELAY_MS:
            starts[j] = busy[u]
        lv = levels[j] = level[u]
        busy[u] = starts[j] + (d_paid if lv else d_free) + SESSION_GAP_MS
        if ok and draw < (P_DOWNGRADE if lv else P_UPGRADE):
            changed[j] = True
            level[u] = 1 - lv
            if lv:
                state.downgrades += 1
            else:
                state.upgrades += 1
    return np.array(starts, dtype=np.int64), np.array(levels), np.array(changed, dtype=bool)
