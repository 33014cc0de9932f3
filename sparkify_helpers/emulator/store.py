"""The emulator's seeded bucket, mirrored in process and kept on disk between runs.

Runs inside the server process (:mod:`.serve`), next to moto's S3 backend: seeding reads the
source files here and writes them into the backend directly (no HTTP request per object),
skipping every object the bucket already holds with the same size and MD5 (the ETag S3 gives
a single-part PUT); :meth:`BucketStore.prune` removes what the source no longer has.

With a store folder (``.sparkify/bucket-store/``), each seeded object is also kept as
``<store>/<region>/<bucket>/<key>``, written under a temporary name and renamed, and the next
server loads the folder into its backend at start (in the background: :mod:`.serve` holds
requests for those buckets until it is done): a second run finds its objects already there.
The server holds an exclusive lock on ``<store>/.lock`` while it lives; a second emulator
finds it held and keeps its bucket in memory only. Temporary files left by a killed
server are removed at the next load.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import logging
import os
import re
import shutil
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

ACCOUNT_ID = "123456789012"  # moto's default account, the one the emulator's keys map to
LOCK_FILE = ".lock"
TMP_SUFFIX = ".store-tmp"
_TMP_RE = re.compile(rf"^\..+\.[0-9a-f]{{32}}{re.escape(TMP_SUFFIX)}$")


class StoreError(Exception):
    """A seeding request the store refuses (bad key, missing file) or cannot persist."""


def s3_backend() -> Any:
    """moto's S3 backend of the emulator's account."""
    from moto.s3.models import s3_backends

    return s3_backends[ACCOUNT_ID]["aws"]


def _key_parts(key: str) -> list[str]:
    parts = key.split("/")
    if not key or any(p in ("", ".", "..") for p in parts) or _TMP_RE.match(parts[-1]):
        raise StoreError(f"object key {key!r} cannot be seeded from a file")
    return parts


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` under a temporary name, then rename; no temp file remains."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}{TMP_SUFFIX}")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class BucketStore:
    """Seeded buckets of one server: moto's backend, plus the folder that persists them."""

    def __init__(self, root: Path | None, backend: Any) -> None:
        self.root = root
        self.backend = backend
        self._lock_handle: Any = None

    @classmethod
    def open(cls, root: Path | str | None, backend: Any) -> BucketStore:
        """The store at ``root`` (locked for this process), in memory only when ``root`` is
        None or another emulator holds it."""
        if root is None:
            return cls(None, backend)
        folder = Path(root)
        folder.mkdir(parents=True, exist_ok=True)
        handle = open(folder / LOCK_FILE, "a+")  # noqa: SIM115 (held for the process's life)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            handle.close()
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            log.warning("%s is held by another emulator: this one keeps its bucket in memory", root)
            return cls(None, backend)
        store = cls(folder, backend)
        store._lock_handle = handle
        return store

    def _bucket_dir(self, bucket: str, region: str) -> Path | None:
        return None if self.root is None else self.root / region / bucket

    def _ensure_bucket(self, bucket: str, region: str) -> None:
        if bucket not in self.backend.buckets:
            self.backend.create_bucket(bucket, region)

    def bucket_names(self) -> set[str]:
        """The buckets :meth:`load` fills (one folder each, under its region)."""
        if self.root is None:
            return set()
        return {
            b.name for r in self.root.iterdir() if r.is_dir() for b in r.iterdir() if b.is_dir()
        }

    def load(self) -> int:
        """Put every persisted object into the backend; how many. Sweeps temporary files."""
        if self.root is None:
            return 0
        loaded = 0
        for region_dir in sorted(p for p in self.root.iterdir() if p.is_dir()):
            for bucket_dir in sorted(p for p in region_dir.iterdir() if p.is_dir()):
                self._ensure_bucket(bucket_dir.name, region_dir.name)
                for path in sorted(p for p in bucket_dir.rglob("*") if p.is_file()):
                    if _TMP_RE.match(path.name):
                        path.unlink(missing_ok=True)
                        continue
                    key = path.relative_to(bucket_dir).as_posix()
                    data = path.read_bytes()
                    self.backend.put_object(bucket_dir.name, key, data, disable_notification=True)
                    loaded += 1
        return loaded

    def put_files(
        self, bucket: str, region: str, source: Path, keys: Iterable[str]
    ) -> list[dict[str, Any]]:
        """Seed ``source/<key>`` as each key, unless the bucket holds the same size and MD5.

        Per key: its ``etag`` (MD5, unquoted), ``size``, whether it was ``uploaded``, the
        ETag it replaced (``previous``, None for a new key or an unchanged one) and the
        persisted file (``path``, None without a store; replaced by rename, never rewritten).
        """
        self._ensure_bucket(bucket, region)
        folder = self._bucket_dir(bucket, region)
        results = []
        for key in keys:
            _key_parts(key)
            path = os.path.join(source, key)  # plain strings: pathlib costs more than the read
            try:
                with open(path, "rb") as handle:
                    data = handle.read()
            except OSError as exc:
                raise StoreError(f"cannot read {path}: {exc.strerror}") from exc
            etag = hashlib.md5(data, usedforsecurity=False).hexdigest()
            held = self.backend.get_object(bucket, key)
            previous = held.etag.strip('"') if held is not None else None
            same = held is not None and held.size == len(data) and previous == etag
            kept = os.path.join(folder, key) if folder is not None else None
            if kept is not None and (not same or not os.path.isfile(kept)):
                _write_atomic(Path(kept), data)
            if not same:
                self.backend.put_object(bucket, key, data, etag=etag, disable_notification=True)
            results.append(
                {
                    "key": key,
                    "etag": etag,
                    "size": len(data),
                    "uploaded": not same,
                    "previous": None if same else previous,
                    "path": kept,
                }
            )
        return results

    def prune(self, bucket: str, region: str, keep: Iterable[str]) -> list[dict[str, str]]:
        """Remove every object of the bucket (and of its folder) whose key is not in ``keep``;
        the removed keys with their ETags."""
        wanted = set(keep)
        removed = []
        if bucket in self.backend.buckets:
            for key in [k for k in self.backend.buckets[bucket].keys if k not in wanted]:
                held = self.backend.get_object(bucket, key)
                etag = held.etag.strip('"') if held is not None else ""
                self.backend.delete_object(bucket, key)
                removed.append({"key": key, "etag": etag})
        folder = self._bucket_dir(bucket, region)
        if self.root is not None:  # the bucket kept under another region (a changed setting)
            for other in self.root.glob(f"*/{bucket}"):
                if other.is_dir() and other != folder:
                    shutil.rmtree(other)
        if folder is not None and folder.is_dir():
            for path in [p for p in folder.rglob("*") if p.is_file()]:
                if path.relative_to(folder).as_posix() not in wanted:
                    path.unlink(missing_ok=True)
            for sub in sorted((p for p in folder.rglob("*") if p.is_dir()), reverse=True):
                if not any(sub.iterdir()):
                    sub.rmdir()
        return removed
