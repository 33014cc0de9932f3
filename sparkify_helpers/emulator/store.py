"""The emulator's seeded bucket, mirrored in process and kept on disk between runs.

Runs inside the server process (:mod:`.serve`), next to moto's S3 backend: seeding reads the
source files here and writes them into the backend directly (no HTTP request per object),
skipping every object the bucket already holds with the same size and MD5 (the ETag S3 gives
a single-part PUT); :meth:`BucketStore.prune` removes what the source no longer has. A source
file whose size, mtime_ns, ctime_ns and inode are those it had when last read (and whose
object the bucket still holds with that MD5, and whose kept file is intact) is not read
again (:mod:`.storeindex`); a file changed within the last ``RACY_NS`` of its read is not
trusted that way (a file system's clock may not tell two writes in one tick apart).

With a store folder (``.sparkify/bucket-store/``), each seeded object is kept as
``<store>/<region>/<bucket>/<key>``, written under a temporary name and renamed, and the
bucket holds it as a :class:`~.lazykey.LazyKey` (its bytes stay in that file until a request
reads them). The next server loads the folder at start (in the background: :mod:`.serve`
holds requests for those buckets until it is done), taking each kept file's MD5 from the
bucket's index when its stat matches and reading it otherwise, so a second run finds its
objects already there. On a moto other than the one :mod:`.lazykey` was written for, the
bytes are loaded into moto as before. The server holds an exclusive lock on
``<store>/.lock`` while it lives; a second emulator finds it held and keeps its bucket in
memory only. Temporary files left by a killed server are removed at the next load.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import gc
import logging
import os
import re
import shutil
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from sparkify_helpers.emulator.storeindex import (
    TMP_SUFFIX,
    Kept,
    Seen,
    index_path,
    kept_of,
    md5_hex,
    read_index,
    read_sources,
    seen_of,
    sources_path,
    write_atomic,
    write_index,
    write_sources,
)

log = logging.getLogger(__name__)

ACCOUNT_ID = "123456789012"  # moto's default account, the one the emulator's keys map to
LOCK_FILE = ".lock"
RACY_NS = 2_000_000_000  # a source file changed this recently is read again next time
_TMP_RE = re.compile(rf"^\..+\.[0-9a-f]{{32}}{re.escape(TMP_SUFFIX)}$")
_NO_LAZY = object()  # the registrar once known to be unavailable


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


def relative_files(top: Path | str) -> list[str]:
    """Every file under ``top`` (symlinks to files too, symlinked folders not entered), as
    sorted ``/``-separated paths relative to it; plain strings, not pathlib (20,000 files)."""
    found = []
    stack = [("", os.fspath(top))]
    while stack:
        prefix, where = stack.pop()
        with os.scandir(where) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append((f"{prefix}{entry.name}/", entry.path))
                elif entry.is_file():
                    found.append(prefix + entry.name)
    found.sort()
    return found


def _read(path: str) -> tuple[bytes, os.stat_result]:
    """A file's bytes and its stat as it was when opened."""
    with open(path, "rb") as handle:
        st = os.fstat(handle.fileno())
        return handle.read(), st


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """The cyclic garbage collector paused (it would walk every new key many times)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _intact(path: str, kept: Kept | None) -> bool:
    """Whether the kept file ``path`` still has the stat its index entry ``kept`` records."""
    if kept is None:
        return False
    try:
        st = os.stat(path)
    except OSError:
        return False
    return kept.matches(st)


def _kept_holds(path: str, kept: Kept | None, md5: str) -> bool:
    """Whether the kept file ``path`` is intact and indexed with the MD5 ``md5``."""
    return kept is not None and kept.md5 == md5 and _intact(path, kept)


def _holds(held: Any, size: int, md5: str) -> bool:
    """Whether moto's key ``held`` has that size and MD5 (neither reads a lazy key's file),
    and is not a lazy key whose kept file was found damaged."""
    return bool(held.size == size and held.etag == f'"{md5}"') and not getattr(
        held, "damaged", False
    )


def _result(
    key: str, etag: str, size: int, uploaded: bool, previous: str | None, path: str | None
) -> dict[str, Any]:
    return {
        "key": key,
        "etag": etag,
        "size": size,
        "uploaded": uploaded,
        "previous": None if not uploaded else previous,
        "path": path,
    }


class BucketStore:
    """Seeded buckets of one server: moto's backend, plus the folder that persists them."""

    def __init__(self, root: Path | None, backend: Any) -> None:
        self.root = root
        self.backend = backend
        self._lock_handle: Any = None
        self._registrar: Any = None
        self._index: dict[tuple[str, str], dict[str, Kept]] = {}  # (region, bucket) ->
        self._sources: dict[tuple[str, str], tuple[str, dict[str, Seen]]] = {}
        self._dirty: set[tuple[str, str, str]] = set()  # ("index" | "sources", region, bucket)

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

    def close(self) -> None:
        """Release the store's lock (the server holds it until it exits)."""
        if self._lock_handle is not None:
            self._lock_handle.close()
            self._lock_handle = None

    def _bucket_dir(self, bucket: str, region: str) -> Path | None:
        return None if self.root is None else self.root / region / bucket

    def _ensure_bucket(self, bucket: str, region: str) -> None:
        if bucket not in self.backend.buckets:
            self.backend.create_bucket(bucket, region)

    def _lazy(self) -> Any:
        """The :class:`~.lazykey.Registrar` of this store's backend, or None (no store folder,
        or a moto it does not match: then objects' bytes live in moto's memory)."""
        if self._registrar is None:
            from sparkify_helpers.emulator.lazykey import MOTO_VERSION, registrar

            found = registrar(self.backend) if self.root is not None else None
            if found is None and self.root is not None:
                log.warning("moto is not %s: stored objects are loaded into memory", MOTO_VERSION)
            self._registrar = _NO_LAZY if found is None else found
        return None if self._registrar is _NO_LAZY else self._registrar

    def _hold(self, bucket: str, key: str, path: str, kept: Kept, data: bytes | None) -> None:
        """Make the bucket hold ``key`` as the kept file ``path`` (lazily when it can)."""
        lazy = self._lazy()
        if lazy is None or not lazy.register(bucket, key, path, kept):
            if data is None:
                data, _ = _read(path)
            self.backend.put_object(bucket, key, data, etag=kept.md5, disable_notification=True)

    def bucket_names(self) -> set[str]:
        """The buckets :meth:`load` fills (one folder each, under its region)."""
        if self.root is None:
            return set()
        return {
            b.name for r in self.root.iterdir() if r.is_dir() for b in r.iterdir() if b.is_dir()
        }

    def load(self) -> int:
        """Hold every persisted object in the backend; how many. Sweeps temporary files and
        rewrites the index of a bucket whose files it had to read."""
        if self.root is None:
            return 0
        loaded = 0
        for region_dir in sorted(p for p in self.root.iterdir() if p.is_dir()):
            for path in region_dir.iterdir():  # an index written when the server was killed
                if _TMP_RE.match(path.name) and path.is_file():
                    path.unlink(missing_ok=True)
            for bucket_dir in sorted(p for p in region_dir.iterdir() if p.is_dir()):
                with _no_gc():  # tens of thousands of keys: the cycle collector's passes
                    loaded += self._load_bucket(region_dir.name, bucket_dir)
        self.save()
        return loaded

    def _load_bucket(self, region: str, folder: Path) -> int:
        bucket = folder.name
        self._ensure_bucket(bucket, region)
        assert self.root is not None
        known = read_index(index_path(self.root, region, bucket))
        found = []
        for key in relative_files(folder):
            path = os.path.join(folder, key)
            if _TMP_RE.match(key.rsplit("/", 1)[-1]):
                os.unlink(path)
            else:
                found.append((key, path))
        index = {}
        for key, path in found:
            kept = known.get(key)
            data = None
            if not _intact(path, kept):
                data, st = _read(path)
                kept = kept_of(st, md5_hex(data))
            assert kept is not None
            index[key] = kept
            self._hold(bucket, key, path, kept, data)
        self._index[(region, bucket)] = index
        if index != known:
            self._dirty.add(("index", region, bucket))
        return len(found)

    def _seen(self, bucket: str, region: str, source: str) -> dict[str, Seen]:
        """The checksums of ``source``'s files last read into the bucket (empty for a bucket
        last seeded from another folder)."""
        held = self._sources.get((region, bucket))
        if held is None and self.root is not None:
            held = read_sources(sources_path(self.root, region, bucket))  # type: ignore[assignment]
        if held is None or held[0] != source:
            held = (source, {})
            self._dirty.add(("sources", region, bucket))
        self._sources[(region, bucket)] = held
        return held[1]

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
        top, shelf = str(source), (str(folder) if folder is not None else None)
        seen = self._seen(bucket, region, top)
        index = self._index.setdefault((region, bucket), {})
        results = []
        for key in keys:
            _key_parts(key)
            path = os.path.join(top, key)  # plain strings: pathlib costs more than the read
            kept = os.path.join(shelf, key) if shelf is not None else None
            held = self.backend.get_object(bucket, key)
            known = seen.get(key)
            try:
                if known is not None and held is not None and _holds(held, known.size, known.md5):
                    st = os.stat(path)
                    if seen_of(st, known.md5) == known and (
                        kept is None or _kept_holds(kept, index.get(key), known.md5)
                    ):
                        results.append(_result(key, known.md5, known.size, False, None, kept))
                        continue
                data, st = _read(path)
            except OSError as exc:
                raise StoreError(f"cannot read {path}: {exc.strerror}") from exc
            etag = md5_hex(data)
            self._remember(seen, key, st, etag, bucket, region)
            previous = held.etag.strip('"') if held is not None else None
            same = held is not None and _holds(held, len(data), etag)
            if kept is not None and not (same and _kept_holds(kept, index.get(key), etag)):
                write_atomic(kept, data)
                index[key] = kept_of(os.stat(kept), etag)
                self._dirty.add(("index", region, bucket))
                self._hold(bucket, key, kept, index[key], data)
            elif not same:
                self.backend.put_object(bucket, key, data, etag=etag, disable_notification=True)
            results.append(_result(key, etag, len(data), not same, previous, kept))
        return results

    def _remember(
        self,
        seen: dict[str, Seen],
        key: str,
        st: os.stat_result,
        md5: str,
        bucket: str,
        region: str,
    ) -> None:
        """Record what a source file held when read, unless it changed too recently to tell
        a later write in the same clock tick apart."""
        entry = seen_of(st, md5)
        if time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) < RACY_NS:
            if seen.pop(key, None) is not None:
                self._dirty.add(("sources", region, bucket))
        elif seen.get(key) != entry:
            seen[key] = entry
            self._dirty.add(("sources", region, bucket))

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
                    self._forget(other.parent.name, bucket)
        sources = self._sources.get((region, bucket))
        for kind, table in (
            ("index", self._index.get((region, bucket), {})),
            ("sources", sources[1] if sources is not None else {}),
        ):
            gone = [key for key in table if key not in wanted]
            for key in gone:
                del table[key]
            if gone:
                self._dirty.add((kind, region, bucket))
        if folder is not None and folder.is_dir():
            stray = [key for key in relative_files(folder) if key not in wanted]
            for key in stray:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(os.path.join(folder, key))
            if stray:  # remove the folders that emptied
                for where, _, _ in os.walk(folder, topdown=False):
                    if where != str(folder) and not os.listdir(where):
                        os.rmdir(where)
        self.save()
        return removed

    def _forget(self, region: str, bucket: str) -> None:
        """Drop the index and source checksums of a bucket no longer kept under ``region``."""
        assert self.root is not None
        index_path(self.root, region, bucket).unlink(missing_ok=True)
        sources_path(self.root, region, bucket).unlink(missing_ok=True)
        self._index.pop((region, bucket), None)
        self._sources.pop((region, bucket), None)
        self._dirty -= {("index", region, bucket), ("sources", region, bucket)}

    def save(self) -> None:
        """Write the indexes and source checksums that changed. A failure (a full disk) is
        logged, not raised: they are caches, and the objects themselves are stored."""
        if self.root is None:
            return
        for kind, region, bucket in sorted(self._dirty):
            try:
                if kind == "index":
                    write_index(
                        index_path(self.root, region, bucket), self._index.get((region, bucket), {})
                    )
                elif (region, bucket) in self._sources:
                    source, seen = self._sources[(region, bucket)]
                    write_sources(sources_path(self.root, region, bucket), source, seen)
            except OSError as exc:
                log.warning(
                    "could not write the %s of s3://%s (%s): the next run reads its files again",
                    kind,
                    bucket,
                    exc,
                )
                continue
            self._dirty.discard((kind, region, bucket))
