"""The synthetic data generator: layout, format quirks, realism, determinism and errors."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from sparkify_helpers.datagen import DatagenError, GenerateSummary, generate
from sparkify_helpers.errors import SparkifyError

EVENT_KEYS = [
    "artist",
    "auth",
    "firstName",
    "gender",
    "itemInSession",
    "lastName",
    "length",
    "level",
    "location",
    "method",
    "page",
    "registration",
    "sessionId",
    "song",
    "status",
    "ts",
    "userAgent",
    "userId",
]
SONG_KEYS = [
    "num_songs",
    "artist_id",
    "artist_latitude",
    "artist_longitude",
    "artist_location",
    "artist_name",
    "song_id",
    "title",
    "duration",
    "year",
]
USER_FIELDS = ("firstName", "gender", "lastName", "location", "registration", "userAgent")
LOG_NAME = re.compile(r"log_data/(\d{4})/(\d{2})/(\d{4})-(\d{2})-(\d{2})-events\.json")


def read_lines(path: Path) -> list[str]:
    """The lines of a newline-delimited JSON file."""
    return path.read_text(encoding="ascii").split("\n")


def log_files(root: Path) -> list[Path]:
    """The generated log files in name order."""
    return sorted((root / "log_data").rglob("*.json"))


def load_events(root: Path) -> list[dict]:
    """Every event of a generated (or real) tree, in file order."""
    return [json.loads(line) for f in log_files(root) for line in read_lines(f)]


def load_songs(root: Path) -> list[dict]:
    """Every song object of a tree's song files."""
    return [
        json.loads(line)
        for f in sorted((root / "song_data").rglob("*.json"))
        for line in read_lines(f)
    ]


def tree_hash(root: Path) -> str:
    """A hash of every file's relative path and bytes under ``root``."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def matched(events: list[dict], songs: list[dict]) -> list[bool]:
    """For each NextSong event, whether (song, artist, length) is a catalogue song."""
    catalogue = {(s["title"], s["artist_name"], s["duration"]) for s in songs}
    return [
        (e["song"], e["artist"], e["length"]) in catalogue
        for e in events
        if e["page"] == "NextSong"
    ]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GenerateSummary]:
    """20,000 events with the default shape."""
    out = tmp_path_factory.mktemp("datagen") / "data"
    return out, generate(out, 20_000, seed=7, progress=False)


@pytest.fixture(scope="module")
def events(dataset: tuple[Path, GenerateSummary]) -> list[dict]:
    """The dataset's events."""
    return load_events(dataset[0])


def test_layout_and_file_names(dataset: tuple[Path, GenerateSummary]) -> None:
    root, summary = dataset
    song_paths = sorted((root / "song_data").rglob("*.json"))
    assert len(song_paths) == summary.song_files == summary.songs == 2000
    for path in song_paths:
        rel = path.relative_to(root / "song_data")
        track = path.stem
        assert re.fullmatch(r"TR[A-Z]{5}[0-9A-F]{11}", track)
        assert rel.parts[:3] == (track[2], track[3], track[4])
    assert {p.name for p in root.iterdir()} == {
        "song_data",
        "log_data",
        "log_json_path.json",
        "_generated.json",
    }
    manifest = json.loads((root / "_generated.json").read_text())
    assert manifest["generator"] == "sparkify_helpers.datagen"
    assert (manifest["events"], manifest["seed"], manifest["complete"]) == (20_000, 7, True)

    logs = log_files(root)
    assert len(logs) == summary.log_files
    assert 30 <= len(logs) <= 31  # a session starting late on the last day may spill over
    for path in logs:
        m = LOG_NAME.fullmatch(path.relative_to(root).as_posix())
        assert m and m.group(1, 2) == m.group(3, 4)
        day = date(*map(int, m.group(3, 4, 5)))
        stamps = [json.loads(line)["ts"] for line in read_lines(path)]
        assert stamps == sorted(stamps)
        days = {datetime.fromtimestamp(ts / 1000, timezone.utc).date() for ts in stamps}
        assert days == {day}
    assert min(logs).name == "2018-11-01-events.json"


def test_summary_counts_match_files(
    dataset: tuple[Path, GenerateSummary], events: list[dict]
) -> None:
    root, summary = dataset
    assert summary.events == len(events) == 20_000
    assert summary.next_song_events == sum(e["page"] == "NextSong" for e in events)
    assert summary.users == 200
    files = [*(root / "song_data").rglob("*.json"), *log_files(root), root / "log_json_path.json"]
    assert summary.bytes == sum(f.stat().st_size for f in files)
    assert len({s["artist_id"] for s in load_songs(root)}) == summary.artists


def test_every_line_has_the_real_keys_and_types(events: list[dict]) -> None:
    for e in events:
        assert list(e) == EVENT_KEYS
        assert isinstance(e["ts"], int) and isinstance(e["sessionId"], int)
        assert isinstance(e["itemInSession"], int) and isinstance(e["userId"], str)
        assert (e["method"], e["status"]) in {
            ("GET", 200),
            ("PUT", 200),
            ("PUT", 307),
            ("GET", 404),
        }
        assert e["level"] in {"free", "paid"}
        if e["page"] == "NextSong":
            assert isinstance(e["artist"], str) and isinstance(e["song"], str)
            assert isinstance(e["length"], float)
        else:
            assert (e["artist"], e["song"], e["length"]) == (None, None, None)
        if e["auth"] == "Logged In":
            assert e["userId"].isdigit() and isinstance(e["registration"], float)
            assert all(isinstance(e[k], str) for k in USER_FIELDS if k != "registration")
        else:
            assert e["auth"] in {"Logged Out", "Guest"} and e["userId"] == ""
            assert all(e[k] is None for k in USER_FIELDS)
    assert {e["auth"] for e in events} == {"Logged In", "Logged Out", "Guest"}


def test_serialisation_mirrors_the_bucket(dataset: tuple[Path, GenerateSummary]) -> None:
    root = dataset[0]
    text = log_files(root)[3].read_text(encoding="ascii")
    assert not text.endswith("\n")
    assert '"userAgent":"\\"Mozilla\\/5.0 (' in text
    assert "/" not in text.replace("\\/", "")
    assert re.search(r'"registration":\d{13}\.0,', text)
    assert re.search(r'"userId":"\d+"}', text)
    song_text = next((root / "song_data").rglob("*.json")).read_text(encoding="ascii")
    assert song_text.startswith('{"num_songs": 1, "artist_id": "AR') and song_text.endswith("}")


def test_songs_have_the_real_keys_and_types(dataset: tuple[Path, GenerateSummary]) -> None:
    songs = load_songs(dataset[0])
    for s in songs:
        assert list(s) == SONG_KEYS
        assert s["num_songs"] == 1 and isinstance(s["duration"], float)
        assert len(s["artist_id"]) == len(s["song_id"]) == 18
        assert isinstance(s["year"], int) and (s["year"] == 0 or 1950 <= s["year"] <= 2011)
        assert (s["artist_latitude"] is None) == (s["artist_longitude"] is None)
    assert len({s["song_id"] for s in songs}) == len(songs)
    assert any(s["year"] == 0 for s in songs) and any(s["artist_latitude"] is None for s in songs)
    by_artist: dict[str, set] = {}
    for s in songs:
        by_artist.setdefault(s["artist_id"], set()).add((s["artist_name"], s["artist_location"]))
    assert any(len(v) > 1 for v in by_artist.values()), "no artist with two spellings/locations"


def test_format_matches_the_real_sample(
    sample_dir: Path, dataset: tuple[Path, GenerateSummary], events: list[dict]
) -> None:
    real = load_events(sample_dir)
    for page, auth in (("NextSong", "Logged In"), ("Home", "Logged In"), ("Home", "Logged Out")):
        ours = next(e for e in events if e["page"] == page and e["auth"] == auth)
        theirs = next(e for e in real if e["page"] == page and e["auth"] == auth)
        assert list(ours) == list(theirs)
        assert {k: type(v) for k, v in ours.items()} == {k: type(v) for k, v in theirs.items()}
    real_song = load_songs(sample_dir)[0]
    our_song = load_songs(dataset[0])[0]
    assert list(our_song) == list(real_song)
    same = ("num_songs", "artist_id", "artist_location", "song_id", "duration", "year")
    assert {k: type(our_song[k]) for k in same} == {k: type(real_song[k]) for k in same}
    assert (dataset[0] / "log_json_path.json").read_bytes() == (
        sample_dir / "log_json_path.json"
    ).read_bytes()
    real_text = next((sample_dir / "log_data").rglob("*.json")).read_text()
    assert '"userAgent":"\\"Mozilla\\/5.0 (' in real_text  # the quirk we mirror


def test_sessions_levels_and_upgrades(events: list[dict]) -> None:
    pages = [e["page"] for e in events]
    assert 0.72 <= pages.count("NextSong") / len(pages) <= 0.88
    expected = {"Home", "Login", "Logout", "Roll Advert", "Thumbs Up", "Add to Playlist"}
    assert expected <= set(pages)
    sessions: dict[int, list[dict]] = {}
    for e in events:
        sessions.setdefault(e["sessionId"], []).append(e)
    for rows in sessions.values():
        assert [r["itemInSession"] for r in rows] == list(range(len(rows)))
        assert all(a["ts"] < b["ts"] for a, b in zip(rows, rows[1:], strict=False))
        assert len({r["level"] for r in rows}) == 1
        assert len({r["userId"] for r in rows if r["userId"]}) <= 1
        for a, b in zip(rows, rows[1:], strict=False):
            if a["page"] == "NextSong":
                assert b["ts"] - a["ts"] == pytest.approx(a["length"] * 1000, abs=1)
        assert all(r["level"] == "free" for r in rows if r["page"] == "Roll Advert")

    first_seen: dict[str, dict] = {}
    for e in events:
        if e["userId"] and e["userId"] not in first_seen:
            first_seen[e["userId"]] = e
    assert all(e["registration"] < e["ts"] for e in first_seen.values())
    levels_by_user: dict[str, set] = {}
    for e in events:
        if e["userId"]:
            levels_by_user.setdefault(e["userId"], set()).add(e["level"])
    assert any(len(v) == 2 for v in levels_by_user.values())
    upgrades = [e for e in events if e["page"] == "Submit Upgrade"]
    assert upgrades
    for up in upgrades:
        assert up["level"] == "free"
        later = [e for e in events if e["userId"] == up["userId"] and e["ts"] > up["ts"]]
        if later:
            assert later[0]["level"] == "paid"
    for down in (e for e in events if e["page"] == "Submit Downgrade"):
        later = [e for e in events if e["userId"] == down["userId"] and e["ts"] > down["ts"]]
        if later:
            assert later[0]["level"] == "free"


def test_daily_and_weekly_rhythm_and_popularity(events: list[dict]) -> None:
    hours = [datetime.fromtimestamp(e["ts"] / 1000, timezone.utc).hour for e in events]
    evening = sum(18 <= h <= 23 for h in hours)
    early = sum(3 <= h <= 8 for h in hours)
    assert evening > 4 * early
    plays: dict[tuple, int] = {}
    for e in events:
        if e["page"] == "NextSong":
            plays[(e["song"], e["artist"])] = plays.get((e["song"], e["artist"]), 0) + 1
    per_day: dict[date, int] = {}
    for e in events:
        day = datetime.fromtimestamp(e["ts"] / 1000, timezone.utc).date()
        per_day[day] = per_day.get(day, 0) + 1
    weekend = [n for d, n in per_day.items() if d.weekday() >= 5 and d.month == 11]
    weekday = [n for d, n in per_day.items() if d.weekday() < 5 and d.month == 11]
    assert sum(weekend) / len(weekend) < 0.95 * sum(weekday) / len(weekday)
    counts = sorted(plays.values(), reverse=True)
    assert counts[0] > 10 * counts[len(counts) // 2]  # heavy-tailed popularity


def test_unmatched_share_is_close_to_requested(
    dataset: tuple[Path, GenerateSummary], events: list[dict]
) -> None:
    hits = matched(events, load_songs(dataset[0]))
    assert 1 - sum(hits) / len(hits) == pytest.approx(0.1, abs=0.02)


@pytest.mark.parametrize("share", [0.0, 0.5, 1.0])
def test_unmatched_share_follows_the_argument(tmp_path: Path, share: float) -> None:
    generate(tmp_path, 4000, seed=3, unmatched_share=share, progress=False)
    hits = matched(load_events(tmp_path), load_songs(tmp_path))
    assert 1 - sum(hits) / len(hits) == pytest.approx(share, abs=0.04)


def test_several_songs_per_file(tmp_path: Path) -> None:
    summary = generate(tmp_path, 2000, songs=300, songs_per_file=10, progress=False)
    files = sorted((tmp_path / "song_data").rglob("*.json"))
    per_file = [len(read_lines(f)) for f in files]
    assert summary.songs == sum(per_file) == 300
    assert summary.song_files == len(files) < 300
    assert max(per_file) == 10
    for f in files:
        objects = [json.loads(line) for line in read_lines(f)]
        assert all(list(o) == SONG_KEYS for o in objects)
    assert len(load_songs(tmp_path)) == 300


def test_deterministic_for_a_seed(tmp_path: Path) -> None:
    hashes = []
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        generate(tmp_path / name, 3000, seed=seed, progress=False)
        hashes.append(tree_hash(tmp_path / name))
    assert hashes[0] == hashes[1]
    assert hashes[0] != hashes[2]


def test_regenerating_replaces_an_earlier_output(tmp_path: Path) -> None:
    generate(tmp_path / "out", 3000, seed=1, progress=False)
    generate(tmp_path / "out", 2000, seed=2, progress=False)
    generate(tmp_path / "fresh", 2000, seed=2, progress=False)
    assert tree_hash(tmp_path / "out") == tree_hash(tmp_path / "fresh")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"events": 0}, "events must be a positive integer"),
        ({"events": -5}, "events must be a positive integer"),
        ({"events": 100, "unmatched_share": 1.5}, "unmatched_share must be between 0 and 1"),
        ({"events": 100, "unmatched_share": -0.1}, "unmatched_share must be between 0 and 1"),
        ({"events": 100, "songs": 0}, "songs must be a positive integer"),
        ({"events": 100, "songs_per_file": 0}, "songs_per_file must be a positive integer"),
    ],
)
def test_bad_arguments_raise(tmp_path: Path, kwargs: dict, message: str) -> None:
    with pytest.raises(DatagenError, match=message) as info:
        generate(tmp_path / "out", progress=False, **kwargs)
    assert isinstance(info.value, ValueError) and isinstance(info.value, SparkifyError)
    assert not (tmp_path / "out").exists()


def test_refuses_a_foreign_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(DatagenError, match="not empty.*pass an empty or new folder"):
        generate(tmp_path, 100, progress=False)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
    (tmp_path / "notes.txt").unlink()
    (tmp_path / "file").write_text("x")
    with pytest.raises(DatagenError, match="is a file"):
        generate(tmp_path / "file", 100, progress=False)
