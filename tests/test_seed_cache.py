"""Seeding the emulator warms the COPY cache, so the COPY after it downloads nothing."""

from __future__ import annotations

import pytest

from sparkify_helpers import aws, config, emulator, load, paths
from sparkify_helpers.run_folder import RunFolder
from sparkify_helpers.targets import for_settings


@pytest.fixture
def seeded(aws_env, sample_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("SPARKIFY_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("SPARKIFY_WAREHOUSE", str(tmp_path / "wh.duckdb"))
    with emulator.running() as info:
        settings = config.load_settings().with_overrides(endpoint_url=info.endpoint_url)
        target = for_settings(settings)
        summary = emulator.seed_bucket(
            target.aws_client("s3"),
            sample_dir,
            settings.source.bucket,
            settings.aws.region,
            progress=False,
            cache_dir=paths.copy_cache_dir(),
        )
        aws.ensure_role(target)
        yield settings, summary


def test_the_copy_after_seeding_reads_every_object_from_the_cache(seeded, tmp_path):
    settings, summary = seeded
    cached = [p for p in paths.copy_cache_dir().rglob("*") if p.is_file()]
    assert len(cached) == summary.objects
    with for_settings(settings).open_warehouse() as dw:
        dw.run_folder(paths.sql_dir() / "create")
        load.copy_staging(dw, RunFolder.open(tmp_path))
        results = {r.table: r for r in dw.copy_results}
        assert results["staging_events"].files == 30
        assert results["staging_songs"].files == 71
        assert all(r.files_downloaded == 0 for r in results.values())
        assert dw.row_count("staging_songs") == 71


def test_a_changed_object_is_fetched_again_not_served_stale(seeded, tmp_path, sample_dir):
    settings, _ = seeded
    s3 = aws.client(for_settings(settings), "s3")
    song = next((sample_dir / "song_data").rglob("*.json"))
    key = song.relative_to(sample_dir).as_posix()
    s3.put_object(Bucket=settings.source.bucket, Key=key, Body=song.read_bytes() + b"\n")
    with for_settings(settings).open_warehouse() as dw:
        dw.run_folder(paths.sql_dir() / "create")
        load.copy_staging(dw, RunFolder.open(tmp_path))
        songs = next(r for r in dw.copy_results if r.table == "staging_songs")
        assert songs.files_downloaded == 1
