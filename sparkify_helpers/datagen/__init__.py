"""Synthetic Sparkify data in the exact layout and quirks of ``s3://udacity-dend/``.

``generate`` writes ``song_data/``, ``log_data/``, ``log_json_path.json`` and a top-level
``_generated.json`` manifest; it is deterministic for a seed and streams slot by slot, so
memory stays flat as the number of events grows.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from sparkify_helpers.progress import bar as progress_bar

from .catalogue import Catalogue, build_catalogue, song_files
from .eventlines import event_lines
from .events import NEXT_SONG, EventBlock, UserState, simulate_slot
from .rhythm import DAY_MS, epoch_ms, plan_slots
from .users import Users, build_users
from .writer import (
    DatagenError,
    LogWriter,
    prepare_out_dir,
    write_jsonpaths,
    write_manifest,
    write_song_files,
)

__all__ = ["DatagenError", "GenerateSummary", "generate"]

log = logging.getLogger(__name__)

MAX_SLOT_EVENTS = 20_000  # events simulated at once: bounds memory at any scale
LINES_PER_WRITE = 5_000  # event lines encoded and written at once
SONGS_PER_FILE_FROM = 20_000  # catalogues larger than this pack several songs per file
FORMAT_VERSION = 1


@dataclass(frozen=True)
class GenerateSummary:
    """What ``generate`` wrote."""

    out_dir: Path
    events: int
    next_song_events: int
    songs: int
    artists: int
    users: int
    song_files: int
    log_files: int
    bytes: int
    seconds: float

    def __str__(self) -> str:
        plays = f"{self.events:,} events ({self.next_song_events:,} plays)"
        catalogue = f"{self.songs:,} songs by {self.artists:,} artists, {self.users:,} users"
        files = f"{self.song_files:,} song files and {self.log_files:,} log files"
        size = f"{self.bytes / 1e6:,.1f} MB"
        where = f"into {self.out_dir} in {self.seconds:.1f} s"
        return f"generated {plays}, {catalogue}: {files} ({size}) {where}"


def default_sizes(events: int) -> dict[str, int]:
    """Catalogue size, users and days that suit ``events`` events."""
    return {
        "songs": min(max(events // 10, 50), 100_000),
        "users": min(max(events // 100, 10), 100_000),
        "days": 30 if events <= 200_000 else min(730, round(30 * math.sqrt(events / 200_000))),
    }


def default_songs_per_file(songs: int) -> int:
    """One song per file like the bucket, several once the catalogue is large."""
    return max(1, math.ceil(songs / SONGS_PER_FILE_FROM))


def generate(
    out_dir: Path,
    events: int,
    seed: int = 42,
    *,
    songs: int | None = None,
    users: int | None = None,
    unmatched_share: float = 0.1,
    start: date = date(2018, 11, 1),
    days: int | None = None,
    songs_per_file: int | None = None,
    progress: bool = True,
) -> GenerateSummary:
    """Write a synthetic dataset of exactly ``events`` log events to ``out_dir``.

    Sizes left as ``None`` scale with ``events`` (see ``default_sizes``). ``out_dir`` must
    be empty, new, or an earlier output of this generator (which is replaced).
    """
    began = time.perf_counter()
    events = _positive("events", events)
    sizes = default_sizes(events)
    n_songs = _positive("songs", songs) if songs is not None else sizes["songs"]
    n_users = _positive("users", users) if users is not None else sizes["users"]
    n_days = _positive("days", days) if days is not None else sizes["days"]
    per_file = (
        _positive("songs_per_file", songs_per_file)
        if songs_per_file is not None
        else default_songs_per_file(n_songs)
    )
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise DatagenError(f"seed must be a non-negative integer, got {seed!r}.")
    if isinstance(unmatched_share, bool) or not (
        isinstance(unmatched_share, (int, float)) and 0.0 <= unmatched_share <= 1.0
    ):
        raise DatagenError(
            f"unmatched_share must be between 0 and 1 (a share of plays), got {unmatched_share!r}."
        )
    if not isinstance(start, date):
        raise DatagenError(f"start must be a datetime.date, got {start!r}.")

    out_dir = Path(out_dir)
    prepare_out_dir(out_dir)
    n_artists = max(1, n_songs // 3)
    params = {
        "version": FORMAT_VERSION,
        "events": events,
        "seed": int(seed),
        "songs": n_songs,
        "artists": n_artists,
        "users": n_users,
        "unmatched_share": unmatched_share,
        "start": start.isoformat(),
        "days": n_days,
        "songs_per_file": per_file,
    }
    write_manifest(out_dir, params, complete=False)
    cat_rng, user_rng, plan_rng, event_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4)
    )
    catalogue, records = build_catalogue(cat_rng, n_songs, n_artists)
    n_song_files, size = write_song_files(out_dir, song_files(records, per_file))
    del records
    size += write_jsonpaths(out_dir)
    start_ms = epoch_ms(start)
    people = build_users(user_rng, n_users, start_ms, n_days * DAY_MS)
    slots = plan_slots(plan_rng, events, start, n_days, MAX_SLOT_EVENTS)

    state = UserState.start(people)
    writer = LogWriter(out_dir)
    carry = EventBlock.empty()
    next_song = 0
    try:
        with progress_bar(total=events, unit="ev", desc="generate", disable=not progress) as bar:
            for slot in slots:
                block = simulate_slot(event_rng, slot, catalogue, people, state, unmatched_share)
                carry, written = _emit(carry.concat(block), slot.end_ms, writer, catalogue, people)
                next_song += written
                bar.update(slot.events)
            next_song += _emit(carry, None, writer, catalogue, people)[1]
    finally:
        writer.close()

    counts = {"next_song_events": next_song, "upgrades": state.upgrades}
    counts |= {"downgrades": state.downgrades, "song_files": n_song_files}
    counts |= {"log_files": writer.files, "bytes": size + writer.bytes}
    write_manifest(out_dir, params | counts, complete=True)
    summary = GenerateSummary(
        out_dir=out_dir,
        events=events,
        next_song_events=next_song,
        songs=n_songs,
        artists=catalogue.n_artists,
        users=n_users,
        song_files=n_song_files,
        log_files=writer.files,
        bytes=size + writer.bytes,
        seconds=time.perf_counter() - began,
    )
    log.debug("%s", summary)
    return summary


def _emit(
    block: EventBlock, until_ms: int | None, writer: LogWriter, catalogue: Catalogue, people: Users
) -> tuple[EventBlock, int]:
    """Write the events before ``until_ms`` (all when None) in time order; return the rest
    and the number of NextSong events written."""
    block = block.take(np.argsort(block.ts, kind="stable"))
    cut = len(block) if until_ms is None else int(np.searchsorted(block.ts, until_ms))
    for a in range(0, cut, LINES_PER_WRITE):
        part = block.take(slice(a, min(cut, a + LINES_PER_WRITE)))
        writer.write(part.ts, event_lines(part, catalogue, people))
    plays = int(np.count_nonzero(block.page[:cut] == NEXT_SONG))
    return block.take(slice(cut, None)), plays


def _positive(name: str, value: int) -> int:
    """``value`` when it is a positive integer, else a DatagenError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise DatagenError(f"{name} must be a positive integer, got {value!r}.")
    return int(value)
