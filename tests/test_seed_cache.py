"""Seeding the emulator warms the COPY cache, so the COPY after it downloads nothing."""

from __future__ import annotations

import raw_data

from sparkify_helpers import load, paths
from sparkify_helpers.run_folder import RunFolder


def test_the_copy_after_seeding_reads_every_object_from_the_cache(
    seeded_sample, sample_dir, tmp_path
):
    target, summary = seeded_sample
    cached = [p for p in paths.copy_cache_dir().rglob("*") if p.is_file()]
    assert len(cached) == summary.objects == sum(p.is_file() for p in sample_dir.rglob("*"))
    with target.open_warehouse() as dw:
        dw.run_folder(paths.sql_dir() / "create")
        load.copy_staging(dw, RunFolder.open(tmp_path))
        results = {r.table: r for r in dw.copies}
        assert results["staging_events"].files == len(raw_data.log_files(sample_dir))
        assert results["staging_songs"].files == len(raw_data.song_files(sample_dir))
        assert results["staging_events"].files_downloaded == 0
        assert results["staging_songs"].files_downloaded == 0
        assert dw.row_count("staging_songs") == len(raw_data.songs(sample_dir))


def test_a_changed_object_is_fetched_again_not_served_stale(
    seeded_sample, put_back, tmp_path, sample_dir
):
    target, _ = seeded_sample
    song = raw_data.song_files(sample_dir)[0]
    key = song.relative_to(sample_dir).as_posix()
    put_back(key)
    target.aws_client("s3").put_object(
        Bucket=target.settings.source.bucket, Key=key, Body=song.read_bytes() + b"\n"
    )
    with target.open_warehouse() as dw:
        dw.run_folder(paths.sql_dir() / "create")
        load.copy_staging(dw, RunFolder.open(tmp_path))
        songs = next(r for r in dw.copies if r.table == "staging_songs")
        assert songs.files_downloaded == 1
