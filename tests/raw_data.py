"""Oracles read straight from raw files laid out like the public bucket (never from the package)."""

from __future__ import annotations

import json
from pathlib import Path


def json_lines(path: Path) -> list[dict]:
    """The JSON objects of a newline-delimited file (blank lines skipped)."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def log_files(root: Path) -> list[Path]:
    """``log_data/**/*.json`` in name order."""
    return sorted((root / "log_data").rglob("*.json"))


def song_files(root: Path) -> list[Path]:
    """``song_data/**/*.json`` in name order."""
    return sorted((root / "song_data").rglob("*.json"))


def events(root: Path) -> list[dict]:
    """Every event, in file order."""
    return [e for f in log_files(root) for e in json_lines(f)]


def songs(root: Path) -> list[dict]:
    """Every song object (a file may hold several, one per line)."""
    return [s for f in song_files(root) for s in json_lines(f)]


def expected_counts(root: Path) -> dict[str, int]:
    """The row count of every warehouse table that a correct load of ``root`` gives."""
    evs, sgs = events(root), songs(root)
    plays = [e for e in evs if e["page"] == "NextSong"]
    return {
        "staging_events": len(evs),
        "staging_songs": len(sgs),
        "songplays": len(plays),
        "users": len({e["userId"] for e in evs if e["userId"] != ""}),
        "songs": len({s["song_id"] for s in sgs}),
        "artists": len({s["artist_id"] for s in sgs}),
        "time": len({e["ts"] for e in plays}),
    }
