"""The bucket store's two caches, kept per bucket beside its folder in ``<store>/<region>/``.

- ``.<bucket>.index.json``: per key, the kept file's size, mtime_ns and inode and the MD5
  of its bytes. The store trusts an entry only while the kept file's stat still matches it;
  otherwise the file is read and hashed again.
- ``.<bucket>.sources.json``: the source folder last seeded into the bucket and, per key,
  its source file's size, mtime_ns, ctime_ns and inode when it was last read, with the MD5
  of what was read. A source file whose stat still matches is not read again.

Both are written atomically (a temporary name, then a rename). A missing, unreadable or
malformed file is ignored (with a log line for a malformed one): everything it would have
vouched for is read again, so a cache can make the store slower, never wrong.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import uuid
from pathlib import Path
from typing import Any, NamedTuple

log = logging.getLogger(__name__)

VERSION = 1
TMP_SUFFIX = ".store-tmp"
_MD5 = re.compile(r"[0-9a-f]{32}")


class Kept(NamedTuple):
    """A kept file as the index knows it: its stat, and the MD5 of its bytes (hex)."""

    size: int
    mtime_ns: int
    ino: int
    md5: str

    def matches(self, st: os.stat_result) -> bool:
        """Whether a file's stat is the one recorded (size, mtime, inode)."""
        return (st.st_size, st.st_mtime_ns, st.st_ino) == (self.size, self.mtime_ns, self.ino)


class Seen(NamedTuple):
    """A source file as it was when last read, and the MD5 of what was read."""

    size: int
    mtime_ns: int
    ctime_ns: int
    ino: int
    md5: str


def md5_hex(data: bytes) -> str:
    """The MD5 of ``data`` as S3 gives a single-part PUT's ETag (hex, unquoted)."""
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def kept_of(st: os.stat_result, md5: str) -> Kept:
    return Kept(st.st_size, st.st_mtime_ns, st.st_ino, md5)


def seen_of(st: os.stat_result, md5: str) -> Seen:
    return Seen(st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, md5)


def index_path(root: Path, region: str, bucket: str) -> Path:
    return root / region / f".{bucket}.index.json"


def sources_path(root: Path, region: str, bucket: str) -> Path:
    return root / region / f".{bucket}.sources.json"


def write_atomic(path: Path | str, data: bytes) -> None:
    """Write ``data`` to ``path`` under a temporary name, then rename; no temp file remains.
    Its folder is made when missing."""
    folder, name = os.path.split(os.fspath(path))
    tmp = os.path.join(folder, f".{name}.{uuid.uuid4().hex}{TMP_SUFFIX}")
    try:
        try:
            handle = open(tmp, "wb")  # noqa: SIM115 (closed below)
        except FileNotFoundError:
            os.makedirs(folder, exist_ok=True)
            handle = open(tmp, "wb")  # noqa: SIM115
        with handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _entries(path: Path, kind: str, width: int) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """The file's JSON object and its valid ``entries`` (key -> ``width`` ints and an MD5)."""
    try:
        payload = json.loads(path.read_bytes())
    except FileNotFoundError:
        return {}, {}
    except (OSError, ValueError) as exc:
        log.warning("ignoring the %s %s (%s): its files are read again", kind, path, exc)
        return {}, {}
    entries = payload.get("entries") if isinstance(payload, dict) else None
    if not isinstance(entries, dict) or payload.get("version") != VERSION:
        log.warning(
            "ignoring the %s %s (not version %s): its files are read again", kind, path, VERSION
        )
        return {}, {}
    good = {
        key: value
        for key, value in entries.items()
        if isinstance(value, list)
        and len(value) == width + 1
        and all(type(v) is int and v >= 0 for v in value[:width])
        and isinstance(value[width], str)
        and _MD5.fullmatch(value[width])
    }
    if len(good) != len(entries):
        log.warning(
            "ignoring %s malformed entries of the %s %s", len(entries) - len(good), kind, path
        )
    return payload, good


def read_index(path: Path) -> dict[str, Kept]:
    """The kept files' index at ``path`` (empty when missing or malformed)."""
    _, entries = _entries(path, "store index", 3)
    return {key: Kept(*value) for key, value in entries.items()}


def read_sources(path: Path) -> tuple[str | None, dict[str, Seen]]:
    """The source folder and source files' checksums at ``path`` (None, {} when unusable)."""
    payload, entries = _entries(path, "source checksum cache", 4)
    source = payload.get("source")
    if not isinstance(source, str):
        return None, {}
    return source, {key: Seen(*value) for key, value in entries.items()}


def write_index(path: Path, index: dict[str, Kept]) -> None:
    write_atomic(path, _dump({"version": VERSION, "entries": index}))


def write_sources(path: Path, source: str, seen: dict[str, Seen]) -> None:
    write_atomic(path, _dump({"version": VERSION, "source": source, "entries": seen}))


def _dump(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()
