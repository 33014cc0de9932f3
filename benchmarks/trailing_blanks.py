"""How trailing-blank comparison changes the songplays match on a catalogue (sql/insert/50).

Redshift treats trailing blanks as insignificant when character values are compared
(r_Character_types.md, "Significance of trailing blanks"); DuckDB compares them. This reads
a Sparkify dataset (default: the real sample) with DuckDB and counts NextSong events that
sql/insert/50_songplays.sql matches to a song with exact comparison (the local target)
and with trailing blanks ignored (Redshift). Usage: python benchmarks/trailing_blanks.py [DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

DEFAULT = Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets" / "udacity-sample"
QUERY = """
WITH e AS (SELECT song, artist, length FROM read_json_auto(?) WHERE page = 'NextSong'),
     s AS (SELECT title, artist_name, duration FROM read_json_auto(?))
SELECT
    (SELECT count(*) FROM e) AS events,
    (SELECT count(*) FROM e WHERE song LIKE '% ') AS titles_ending_in_blank,
    (SELECT count(*) FROM s WHERE title LIKE '% ' OR artist_name LIKE '% ') AS songs_with_blank,
    (SELECT count(*) FROM e WHERE EXISTS (SELECT 1 FROM s WHERE s.title = e.song
        AND s.artist_name = e.artist AND abs(s.duration - e.length) < 0.01)) AS exact,
    (SELECT count(*) FROM e WHERE EXISTS (SELECT 1 FROM s WHERE rtrim(s.title, ' ') =
        rtrim(e.song, ' ') AND rtrim(s.artist_name, ' ') = rtrim(e.artist, ' ')
        AND abs(s.duration - e.length) < 0.01)) AS blanks_ignored
"""


def main(root: Path) -> None:
    logs, songs = (
        str(root / "log_data" / "**" / "*.json"),
        str(root / "song_data" / "**" / "*.json"),
    )
    names = ("events", "titles_ending_in_blank", "songs_with_blank", "exact", "blanks_ignored")
    with duckdb.connect() as con:
        row = con.execute(QUERY, [logs, songs]).fetchone()
    for name, value in zip(names, row or (), strict=True):
        print(f"{name:24} {value}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT)
