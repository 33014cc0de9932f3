"""Filling the emulator's bucket from a folder laid out like the public bucket.

Each uploaded file can also be placed in the local COPY's cache under its ETag, so the COPY
that follows reads it without downloading it again. A failure or an interrupt cancels the
uploads still queued and leaves no temporary file in the cache; temporary files of a seeding
that was killed are swept at the next one.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from sparkify_helpers.aws.errors import aws_errors
from sparkify_helpers.copy.fetch import S3Object, cache_path, plain_etag
from sparkify_helpers.errors import ConfigError
from sparkify_helpers.progress import bar as progress_bar

log = logging.getLogger(__name__)

SEED_WORKERS = 16  # parallel PUTs; the client needs as many pooled connections
TMP_SUFFIX = ".seed-tmp"  # .<name>.<pid>.<thread>.seed-tmp beside its target in the cache
# that name, or the one earlier versions used (no suffix)
_TMP_RE = re.compile(rf"^\..+\.(?P<pid>\d+)\.\d+(?:{re.escape(TMP_SUFFIX)})?$")


@dataclass(frozen=True)
class SeedSummary:
    """What seed_bucket uploaded."""

    bucket: str
    objects: int
    bytes: int
    seconds: float


def _source_files(source_dir: Path) -> list[Path]:
    """Every file under a bucket-like directory, or ConfigError describing the layout."""
    layout = "song_data/, log_data/ and log_json_path.json, as in s3://udacity-dend/"
    if not source_dir.is_dir():
        raise ConfigError(
            f"{source_dir}: source directory not found; point it at a folder holding {layout}"
        )
    files = sorted(p for p in source_dir.rglob("*") if p.is_file())
    if not files or not any((source_dir / d).is_dir() for d in ("song_data", "log_data")):
        raise ConfigError(f"{source_dir}: no song_data/ or log_data/ inside; expected {layout}")
    return files


def _ensure_bucket(s3, bucket: str, region: str) -> None:
    kwargs = (
        {}
        if region == "us-east-1"
        else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    )
    try:
        s3.create_bucket(Bucket=bucket, **kwargs)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "BucketAlreadyOwnedByYou":
            raise


def _warm_cache(cache_dir: Path, bucket: str, key: str, source: Path, etag: str) -> None:
    """Put an uploaded file where the COPY cache looks for it (keyed by the object's ETag).

    Written under a temporary name, then renamed; the temporary file is removed on any
    failure (a full disk, an interrupt).
    """
    obj = S3Object(bucket, key, source.stat().st_size, plain_etag(etag))
    target = cache_path(cache_dir, obj, False)
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}{TMP_SUFFIX}")
    try:
        shutil.copyfile(source, tmp)  # a copy, not a link: the source may be rewritten later
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


def seed_bucket(
    s3: Any,
    source_dir: Path | str,
    bucket: str,
    region: str,
    progress: bool = True,
    cache_dir: Path | str | None = None,
) -> SeedSummary:
    """Upload every file under ``source_dir`` (keys = relative paths) to the bucket.

    With ``cache_dir`` (the local COPY's cache), each uploaded file is also placed under
    its ETag there, so the COPY that follows reads it without downloading it again.
    """
    root = Path(source_dir).expanduser()
    files = _source_files(root)
    name = bucket

    def upload(path: Path) -> None:
        key = path.relative_to(root).as_posix()
        with path.open("rb") as body:
            etag = s3.put_object(Bucket=name, Key=key, Body=body)["ETag"]
        if cache_dir is not None:
            _warm_cache(Path(cache_dir), name, key, path, etag)

    began = time.monotonic()
    if cache_dir is not None:
        sweep_temp_files(cache_dir)
    with aws_errors(f"seed bucket {name}", "s3:PutObject"):
        _ensure_bucket(s3, name, region)
        pool = ThreadPoolExecutor(max_workers=SEED_WORKERS)
        futures: list[Future] = []
        try:
            with progress_bar(
                total=len(files), desc=f"seed s3://{name}", unit="file", disable=not progress
            ) as bar:
                futures = [pool.submit(upload, f) for f in files]
                for future in as_completed(futures):
                    future.result()
                    bar.update(1)
        except BaseException:
            # a failed upload or an interrupt: nothing queued starts; the running ones end
            pool.shutdown(wait=True, cancel_futures=True)
            cancelled = sum(f.cancelled() for f in futures)
            log.info("seeding s3://%s stopped: %s queued uploads cancelled", name, cancelled)
            raise
        pool.shutdown(wait=True)
    summary = SeedSummary(
        name, len(files), sum(f.stat().st_size for f in files), round(time.monotonic() - began, 3)
    )
    log.info("seeded s3://%s: %s objects, %s bytes", name, summary.objects, summary.bytes)
    return summary
