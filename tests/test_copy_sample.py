"""The real Udacity sample through execute_copy, checked against counts taken with Python json.

The tables are created by the project's sql/create and loaded by its sql/copy statements (no
TRUNCATECOLUMNS: a value too long for its column is rejected here as on Redshift).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest
from copy_helpers import BUCKET, copy, mocked_s3, shipped_copy, staging_connection

from sparkify_helpers.paths import sample_dataset_dir

SAMPLE = sample_dataset_dir()
pytestmark = [
    pytest.mark.sample,
    pytest.mark.skipif(
        not (SAMPLE / "log_json_path.json").is_file(),
        reason=f"the Udacity sample is not at {SAMPLE} (set SPARKIFY_SAMPLE_DIR to run these)",
    ),
]


def _events(paths: list[Path]) -> list[dict]:
    return [json.loads(line) for p in paths for line in p.read_text().splitlines() if line.strip()]


def _ms(ts: int) -> datetime:
    return datetime.fromtimestamp(ts / 1000, tz=timezone.utc).replace(tzinfo=None)


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    with mocked_s3(monkeypatch) as client:
        for path in SAMPLE.rglob("*.json"):
            client.upload_file(str(path), BUCKET, path.relative_to(SAMPLE).as_posix())
        yield client


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = staging_connection()
    yield connection
    connection.close()


def test_whole_sample_loads_with_counts_from_the_raw_files(s3, con, tmp_path) -> None:
    log_files = sorted((SAMPLE / "log_data").rglob("*.json"))
    song_files = sorted((SAMPLE / "song_data").rglob("*.json"))
    events = _events(log_files)
    songs = [json.loads(p.read_text()) for p in song_files]

    result = copy(con, s3, tmp_path, shipped_copy("staging_events"))
    assert (result.files, result.rows_loaded, result.rows_rejected) == (
        len(log_files),
        len(events),
        0,
    )
    assert result.bytes == sum(p.stat().st_size for p in log_files)
    assert con.execute(
        "SELECT count(*), count(user_id), count(artist), count(DISTINCT session_id), "
        "sum(item_in_session), count(*) FILTER (page = 'NextSong'), min(ts), max(ts) "
        "FROM staging_events"
    ).fetchone() == (
        len(events),
        sum(e["userId"] != "" for e in events),
        sum(e["artist"] is not None for e in events),
        len({e["sessionId"] for e in events}),
        sum(e["itemInSession"] for e in events),
        sum(e["page"] == "NextSong" for e in events),
        _ms(min(e["ts"] for e in events)),
        _ms(max(e["ts"] for e in events)),
    )
    sums = "SELECT sum(user_id), sum(CAST(registration AS BIGINT)) FROM staging_events"
    assert con.execute(sums).fetchone() == (
        sum(int(e["userId"]) for e in events if e["userId"]),
        sum(int(e["registration"]) for e in events if e["registration"] is not None),
    )

    result = copy(con, s3, tmp_path, shipped_copy("staging_songs"))
    assert (result.files, result.rows_loaded, result.rows_rejected) == (71, len(songs), 0)
    assert con.execute(
        "SELECT count(*), count(DISTINCT song_id), count(artist_latitude), sum(year), "
        "round(sum(duration), 5) FROM staging_songs"
    ).fetchone() == (
        len(songs),
        len({s["song_id"] for s in songs}),
        sum(s["artist_latitude"] is not None for s in songs),
        sum(s["year"] for s in songs),
        round(sum(s["duration"] for s in songs), 5),
    )


def test_auto_leaves_camel_case_columns_null_on_a_real_day_and_jsonpaths_fill_them(
    s3, con, tmp_path
) -> None:
    day = SAMPLE / "log_data/2018/11/2018-11-01-events.json"
    events = _events([day])
    source = f"s3://{BUCKET}/log_data/2018/11/2018-11-01-events.json"
    auto = f"COPY staging_events FROM '{source}' JSON 'auto' TIMEFORMAT 'epochmillisecs'"
    assert copy(con, s3, tmp_path, auto).rows_loaded == len(events)
    assert con.execute(
        "SELECT count(first_name), count(user_id), count(session_id), count(artist), count(ts) "
        "FROM staging_events"
    ).fetchone() == (0, 0, 0, sum(e["artist"] is not None for e in events), len(events))

    con.execute("DELETE FROM staging_events")
    statement = shipped_copy("staging_events", log_data=source)
    assert copy(con, s3, tmp_path, statement).rows_loaded == len(events)
    assert con.execute(
        "SELECT count(first_name), count(user_id), count(session_id) FROM staging_events"
    ).fetchone() == (
        sum(e["firstName"] is not None for e in events),
        sum(e["userId"] != "" for e in events),
        len(events),
    )
