"""The song catalogue (songs, artists, popularity) and the pool of plays it does not hold."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from . import vocab
from .encode import NULL, log_float, log_strs, song_json

ALPHABET = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
ID_SPACE_MASK = np.uint64(16**11 - 1)
ID_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)  # odd: index -> tail is a bijection mod 16**11
VARIANT_SHARE = 0.05  # share of multi-song artists whose spelling or location differs on a song


@dataclass(frozen=True)
class Catalogue:
    """Songs in the catalogue, followed by unmatched pool songs, as log fragments."""

    n_songs: int
    n_artists: int
    n_pool: int
    artist_frag: list[str]  # per playable song + a trailing null entry
    title_frag: list[str]
    length_frag: list[str]
    length_ms: np.ndarray
    song_cdf: np.ndarray
    pool_cdf: np.ndarray

    @property
    def null_song(self) -> int:
        """Index of the null entry used by events that are not NextSong."""
        return self.n_songs + self.n_pool

    def draw_plays(self, rng: np.random.Generator, n: int, unmatched_share: float) -> np.ndarray:
        """Song indices of ``n`` plays: Zipf-like over the catalogue, a share from the pool."""
        picks = np.searchsorted(self.song_cdf, rng.random(n), side="right")
        pool = self.n_songs + np.searchsorted(self.pool_cdf, rng.random(n), side="right")
        unmatched = rng.random(n) < unmatched_share
        return np.where(unmatched, pool, np.minimum(picks, self.n_songs - 1))


def song_files(records: list[tuple], songs_per_file: int) -> Iterator[tuple[str, list[str]]]:
    """``(track_id naming the file, [song JSON, ...])`` per file, grouped by A/B/C folder."""
    chunk: list[str] = []
    first = folder = ""
    for rec in sorted(records):
        rec_folder = rec[0][2:5]
        if chunk and (len(chunk) >= songs_per_file or rec_folder != folder):
            yield first, chunk
            chunk = []
        if not chunk:
            first, folder = rec[0], rec_folder
        chunk.append(song_json(_song_object(rec)))
    if chunk:
        yield first, chunk


def _song_object(rec: tuple) -> dict:
    """A song record in the key order of the real song files."""
    _, artist_id, lat, lon, location, name, song_id, title, duration, year = rec
    return {
        "num_songs": 1,
        "artist_id": artist_id,
        "artist_latitude": lat,
        "artist_longitude": lon,
        "artist_location": location,
        "artist_name": name,
        "song_id": song_id,
        "title": title,
        "duration": duration,
        "year": year,
    }


def build_catalogue(
    rng: np.random.Generator, n_songs: int, n_artists: int
) -> tuple[Catalogue, list[tuple]]:
    """A reproducible catalogue of ``n_songs`` songs by ``n_artists`` artists, plus a pool.

    Also returns the song records for the song files: (track_id, artist_id, latitude,
    longitude, location, artist_name, song_id, title, duration, year).
    """
    n_artists = max(1, min(n_artists, n_songs))
    n_pool = max(20, n_songs // 4)
    names = _artist_names(rng, n_artists + n_pool)
    artist_names, pool_names = names[:n_artists], names[n_artists:]
    artist_ids = _ids(rng, "AR", n_artists, letters=26)
    places = _artist_places(rng, n_artists)

    song_artist = np.concatenate(
        [np.arange(n_artists), _zipf_draw(rng, n_artists, n_songs - n_artists, 1.1)]
    )
    song_artist = song_artist[rng.permutation(n_songs)]
    titles = _titles(rng, n_songs)
    durations = _durations(rng, n_songs)
    years = np.where(
        rng.random(n_songs) < 0.45, 0, 2011 - np.ceil(rng.beta(1.3, 4.0, n_songs) * 55)
    )
    song_names = [artist_names[a] for a in song_artist.tolist()]
    song_places = [places[a] for a in song_artist.tolist()]
    _add_variants(rng, song_artist, song_names, song_places)

    folders = max(2, min(26, int(np.ceil(np.sqrt(n_songs / 8)))))
    track_ids = _ids(rng, "TR", n_songs, letters=folders)
    song_ids = _ids(rng, "SO", n_songs, letters=26)
    records = [
        (track_ids[i], artist_ids[a], *song_places[i], song_names[i], song_ids[i], titles[i])
        + (durations[i], int(years[i]))
        for i, a in enumerate(song_artist.tolist())
    ]

    pool_titles = _titles(rng, n_pool)
    pool_durations = _durations(rng, n_pool)
    pool_artists = [pool_names[i] for i in rng.integers(0, n_pool, n_pool).tolist()]
    all_durations = durations + pool_durations
    catalogue = Catalogue(
        n_songs=n_songs,
        n_artists=n_artists,
        n_pool=n_pool,
        artist_frag=log_strs(song_names + pool_artists) + [NULL],
        title_frag=log_strs(titles + pool_titles) + [NULL],
        length_frag=[log_float(d) for d in all_durations] + [NULL],
        length_ms=np.ceil(np.array(all_durations + [0.0]) * 1000).astype(np.int64),
        song_cdf=_zipf_cdf(rng, n_songs, 0.9),
        pool_cdf=_zipf_cdf(rng, n_pool, 0.8),
    )
    return catalogue, records


def _zipf_cdf(rng: np.random.Generator, n: int, s: float) -> np.ndarray:
    """Cumulative Zipf(s) weights over ``n`` items in random rank order."""
    weights = 1.0 / (rng.permutation(n) + 1.0) ** s
    cdf = np.cumsum(weights)
    return cdf / cdf[-1]


def _zipf_draw(rng: np.random.Generator, n_items: int, n: int, s: float) -> np.ndarray:
    """``n`` draws from a Zipf(s) law over ``n_items`` items."""
    return np.minimum(np.searchsorted(_zipf_cdf(rng, n_items, s), rng.random(n)), n_items - 1)


def _ids(rng: np.random.Generator, prefix: str, n: int, letters: int) -> list[str]:
    """Unique 18-character ids like the Million Song Dataset's (``TRAAAAW128F429D538``).

    Characters 3-5 pick the song_data folder: the first is ``A`` for tracks (as in the
    sample), the next two range over the first ``letters`` letters.
    """
    head = ALPHABET[rng.integers(0, 26, (n, 5))]
    head[:, 1:3] = ALPHABET[rng.integers(0, letters, (n, 2))]
    if prefix == "TR":
        head[:, 0] = "A"
    offset = np.uint64(rng.integers(0, 2**44))
    tails = (np.arange(n, dtype=np.uint64) * ID_MULTIPLIER + offset) & ID_SPACE_MASK
    heads = ["".join(row) for row in head.tolist()]
    return [f"{prefix}{h}{t:011X}" for h, t in zip(heads, tails.tolist(), strict=True)]


def _durations(rng: np.random.Generator, n: int) -> list[float]:
    """Song lengths in seconds with five decimals, centred near four minutes."""
    raw = np.clip(rng.lognormal(np.log(230.0), 0.35, n), 30.0, 1200.0)
    return np.round(raw, 5).tolist()


def _artist_places(rng: np.random.Generator, n: int) -> list[tuple]:
    """(latitude, longitude, location) per artist: often empty or without coordinates."""
    kind = rng.random(n)
    idx = rng.integers(0, len(vocab.ARTIST_PLACES), n).tolist()
    out: list[tuple[float | None, float | None, str]] = []
    for k, i in zip(kind.tolist(), idx, strict=True):
        place, lat, lon = vocab.ARTIST_PLACES[i]
        if k < 0.45:
            out.append((None, None, ""))
        elif k < 0.6:
            out.append((None, None, place))
        else:
            out.append((lat, lon, place))
    return out


def _add_variants(
    rng: np.random.Generator, song_artist: np.ndarray, names: list[str], places: list[tuple]
) -> None:
    """Give a few songs of multi-song artists another name spelling or location (in place)."""
    first_song: dict[int, int] = {}
    candidates = []
    for i, a in enumerate(song_artist.tolist()):
        if a in first_song:
            candidates.append(i)
        else:
            first_song[a] = i
    if not candidates:
        return
    multi = sorted({int(song_artist[i]) for i in candidates})
    n_pick = max(1, round(VARIANT_SHARE * len(multi)))
    chosen = set(rng.choice(multi, n_pick, replace=False).tolist())
    for i in candidates:
        a = int(song_artist[i])
        if a not in chosen:
            continue
        chosen.discard(a)
        if rng.random() < 0.5:
            names[i] = _spelling_variant(names[i])
        else:
            lat, lon, place = places[i]
            places[i] = (None, None, place.split(",")[0] if place else "United States")


def _spelling_variant(name: str) -> str:
    """Another spelling of an artist name, as catalogues carry them."""
    if " & " in name:
        return name.replace(" & ", " and ")
    if name.startswith("The "):
        return name[4:]
    return name.upper() if len(name) < 12 else f"{name} feat. Guest"


def _artist_names(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct artist names from a few patterns (bands, people, invented words)."""
    firsts = vocab.FIRST_NAMES_F + vocab.FIRST_NAMES_M
    names: dict[str, None] = {}
    while len(names) < n:
        m = 2 * (n - len(names)) + 16
        pattern = rng.integers(0, 6, m).tolist()
        a = rng.integers(0, len(vocab.WORDS_ADJ), m).tolist()
        b = rng.integers(0, len(vocab.WORDS_NOUN), m).tolist()
        f = rng.integers(0, len(firsts), m).tolist()
        last = rng.integers(0, len(vocab.LAST_NAMES), m).tolist()
        syl = rng.integers(0, len(vocab.SYLLABLES), (m, 3)).tolist()
        for p, ai, bi, fi, li, si in zip(pattern, a, b, f, last, syl, strict=True):
            first = firsts[fi]
            word = "".join(vocab.SYLLABLES[s] for s in si).capitalize()
            names.setdefault(
                (
                    f"The {vocab.WORDS_ADJ[ai]} {vocab.WORDS_NOUN[bi]}s",
                    f"{first} {vocab.LAST_NAMES[li]}",
                    f"{vocab.WORDS_ADJ[ai]} {vocab.WORDS_NOUN[bi]}",
                    word,
                    f"{first} {vocab.LAST_NAMES[li]} & The {vocab.WORDS_NOUN[bi]}s",
                    f"DJ {word}",
                )[p]
            )
    return list(names)[:n]


def _titles(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` song titles (repeats allowed, as in real catalogues)."""
    adj = vocab.WORDS_ADJ
    noun = vocab.WORDS_NOUN
    verb = vocab.WORDS_VERB
    pattern = rng.integers(0, 6, n).tolist()
    a = rng.integers(0, len(adj), n).tolist()
    b = rng.integers(0, len(noun), n).tolist()
    c = rng.integers(0, len(noun), n).tolist()
    v = rng.integers(0, len(verb), n).tolist()
    suffix = rng.integers(0, len(vocab.TITLE_SUFFIXES) * 6, n).tolist()
    out = []
    for p, ai, bi, ci, vi, si in zip(pattern, a, b, c, v, suffix, strict=True):
        title = (
            f"{adj[ai]} {noun[bi]}",
            f"{noun[bi]} Of {noun[ci]}",
            f"{verb[vi]} Me",
            f"{verb[vi]} My {noun[bi]}",
            noun[bi],
            f"{adj[ai]} {noun[bi]} / {noun[ci]}",
        )[p]
        out.append(title + (vocab.TITLE_SUFFIXES[si] if si < len(vocab.TITLE_SUFFIXES) else ""))
    return out
