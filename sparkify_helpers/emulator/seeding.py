"""Filling the emulator's bucket from a folder laid out like the public bucket.

The bucket mirrors the folder: the emulator reads the files itself, in batches, through its
seeding routes (:mod:`.store`), and writes only those it does not already hold with the
same size and MD5; objects that are not in the folder are removed from the bucket. Each
seeded file is also placed in the local COPY's cache under its ETag, so the COPY that
follows reads it without downloading it; the cache entries of replaced or removed objects
are dropped. A failure or an interrupt stops before the next batch and leaves no temporary
file in the cache; temporary files of a seeding that was killed are swept at the next one.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sparkify_helpers.emulator.process import EmulatorInfo
from sparkify_helpers.emulator.serve import TOKEN_HEADER
from sparkify_helpers.emulator.store import relative_files
from sparkify_helpers.errors import ConfigError, EmulatorError
from sparkify_helpers.progress import bar as progress_bar

log = logging.getLogger(__name__)

BATCH = 500  # files per seeding request
REQUEST_TIMEOUT_S = 600.0
TMP_SUFFIX = ".seed-tmp"  # .<name>.<pid>.<thread>.seed-tmp beside its target in the cache
# that name, or the one earlier versions used (no suffix)
_TMP_RE = re.compile(rf"^\..+\.(?P<pid>\d+)\.\d+(?:{re.escape(TMP_SUFFIX)})?$")


@dataclass(frozen=True)
class SeedSummary:
    """What seed_bucket uploaded."""

    bucket: str
    objects: int  # the source's objects, all now in the bucket
    bytes: int
    seconds: float
    uploaded: int = 0  # written because the bucket did not hold them with that size and MD5
    uploaded_bytes: int = 0
    removed: int = 0  # in the bucket but not in the source


def _source_keys(source_dir: Path) -> list[str]:
    """Every file under a bucket-like directory as its key (its path relative to the
    directory, sorted), or ConfigError describing the layout."""
    layout = "song_data/, log_data/ and log_json_path.json, as in s3://udacity-dend/"
    if not source_dir.is_dir():
        raise ConfigError(
            f"{source_dir}: source directory not found; point it at a folder holding {layout}"
        )
    keys = relative_files(source_dir)
    if not keys or not any((source_dir / d).is_dir() for d in ("song_data", "log_data")):
        raise ConfigError(f"{source_dir}: no song_data/ or log_data/ inside; expected {layout}")
    return keys


def _cache_path(cache_dir: Path, bucket: str, key: str, etag: str) -> Path:
    """Where the local COPY caches this object version (:func:`copy.fetch.cache_path`)."""
    from sparkify_helpers.copy.fetch import S3Object, cache_path  # pandas: not before seeding

    return cache_path(cache_dir, S3Object(bucket, key, 0, etag), False)


def _warm_cache(
    cache_dir: Path, bucket: str, key: str, root: Path, etag: str, kept: str | None = None
) -> None:
    """Put a seeded file where the COPY cache looks for it (keyed by the object's ETag).

    A hard link to the emulator's persisted copy ``kept`` when there is one (the store
    replaces its files by rename, so the link keeps this ETag's bytes); else a copy of the
    source file ``root/key`` under a temporary name, then renamed; the temporary file is
    removed on any failure (a full disk, an interrupt).
    """
    target = _cache_path(cache_dir, bucket, key, etag)
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    if kept is not None:
        try:
            os.link(kept, target)
            return
        except FileExistsError:
            return
        except OSError:
            pass  # another file system, or links not allowed: copy instead
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}{TMP_SUFFIX}")
    try:
        shutil.copyfile(root / key, tmp)  # a copy, not a link: the source may be rewritten
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def sweep_temp_files(cache_dir: Path | str) -> int:
    """Remove the cache's temporary files left by a seeding whose process is gone; how many.

    Files of a live process (a seeding running now) are left alone.
    """
    removed = 0
    root = Path(cache_dir)
    if not root.is_dir():
        return 0
    for tmp in root.rglob(".*"):
        match = _TMP_RE.match(tmp.name)
        if match is None or not tmp.is_file():
            continue
        pid = int(match["pid"])
        if pid != os.getpid() and not _pid_alive(pid):
            tmp.unlink(missing_ok=True)
            removed += 1
    if removed:
        log.info("removed %s temporary files of an interrupted seeding from %s", removed, root)
    return removed


def _post(info: EmulatorInfo, route: str, payload: dict[str, Any]) -> list[dict[str, Any]]:
    """One seeding request to the emulator; EmulatorError saying what to do when it fails."""
    request = urllib.request.Request(
        f"{info.endpoint_url}/sparkify-emulator/{route}",
        data=json.dumps(payload).encode(),
        headers={TOKEN_HEADER: info.token, "Content-Type": "application/json"},
        method="POST",
    )
    where = f"seeding s3://{payload['bucket']} through the emulator at {info.endpoint_url}"
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_S) as reply:
            return json.loads(reply.read())["objects"]
    except urllib.error.HTTPError as exc:
        try:
            error = json.loads(exc.read())["error"]
        except (ValueError, KeyError, TypeError):
            raise EmulatorError(
                f"{where} failed (HTTP {exc.code}); an emulator of an older version may be "
                "running: sparkify emulator stop, then run again"
            ) from exc
        if exc.code == 507:
            raise EmulatorError(
                f"{where} stopped: the emulator could not keep an object on disk: {error}; "
                "free disk space and run again"
            ) from exc
        raise EmulatorError(f"{where} failed: {error}") from exc
    except (OSError, ValueError) as exc:
        raise EmulatorError(
            f"{where} failed: {exc}; check that it still runs (sparkify emulator status)"
        ) from exc


def _drop_cached(cache_dir: Path, bucket: str, key: str, etag: str) -> None:
    """Remove the cache entry of an object version the bucket no longer holds."""
    _cache_path(cache_dir, bucket, key, etag).unlink(missing_ok=True)


def seed_bucket(
    info: EmulatorInfo,
    source_dir: Path | str,
    bucket: str,
    region: str,
    progress: bool = True,
    cache_dir: Path | str | None = None,
) -> SeedSummary:
    """Make the emulator's bucket mirror ``source_dir`` (keys = relative paths).

    Only files the bucket does not hold with the same size and MD5 are written; objects not
    in ``source_dir`` are removed. With ``cache_dir`` (the local COPY's cache), each file is
    also placed there under its ETag, so the COPY that follows reads it without downloading.
    """
    root = Path(source_dir).expanduser().resolve()
    name = bucket
    keys = _source_keys(root)
    cache = Path(cache_dir) if cache_dir is not None else None
    began = time.monotonic()
    if cache is not None:
        sweep_temp_files(cache)
    uploaded: list[dict[str, Any]] = []
    size = 0
    with progress_bar(
        total=len(keys), desc=f"seed s3://{name}", unit="file", disable=not progress
    ) as bar:
        for start in range(0, len(keys), BATCH):
            batch = keys[start : start + BATCH]
            payload = {"bucket": bucket, "region": region, "source": str(root), "keys": batch}
            for item in _post(info, "put-files", payload):
                size += item["size"]
                if item["uploaded"]:
                    uploaded.append(item)
                if cache is not None:
                    if item["previous"]:
                        _drop_cached(cache, bucket, item["key"], item["previous"])
                    _warm_cache(cache, bucket, item["key"], root, item["etag"], item["path"])
            bar.update(len(batch))
    removed = _post(info, "prune", {"bucket": bucket, "region": region, "keep": keys})
    if cache is not None:
        for item in removed:
            _drop_cached(cache, bucket, item["key"], item["etag"])
    summary = SeedSummary(
        bucket,
        len(keys),
        size,
        round(time.monotonic() - began, 3),
        len(uploaded),
        sum(item["size"] for item in uploaded),
        len(removed),
    )
    log.debug(  # the target says it in a sentence
        "seeded s3://%s: %s objects (%s bytes); %s written, %s already held, %s removed, %.2f s",
        bucket,
        summary.objects,
        summary.bytes,
        summary.uploaded,
        summary.objects - summary.uploaded,
        summary.removed,
        summary.seconds,
    )
    return summary
