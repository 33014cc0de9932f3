"""Group a COPY's cached files into batches of bounded size and present each batch to SQL.

A batch is consecutive files up to ``max_bytes`` in total (a larger file is a batch of its
own), so a load never holds more than one batch's contents, lines and temp tables at once.
``BatchInput`` offers a batch to SQL in two shapes:

- ``blobs``: one ``(path, content)`` row per file, for the pre-check; ``contents()``: each
  file's URI and bytes, for the exact reader (``records``);
- ``lines()``: one ``line`` row per line, for the fast path (``fast``), or None when a file is
  not valid UTF-8 or holds a CR, NUL or 0x01 byte (those batches go to the exact reader).

Batches of small files (under ``CopyTuning.small_file_bytes`` on average, like one song per
file) are read by Python into a registered DataFrame: DuckDB's file readers pay about 50 us
per file, Python's ``read_bytes`` a fifth of that. Batches of large files are read by DuckDB
itself: ``read_blob`` for the exact reader and the pre-check, and for the fast path its
parallel CSV reader set up to return whole lines (one VARCHAR column, delimiter 0x01, no
quote or escape character, LF newlines, a line limit above the largest file so no line is
ever refused).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from sparkify_helpers.copy.fetch import CachedFile
from sparkify_helpers.copy.sqltext import one_row
from sparkify_helpers.errors import CopyError


@dataclass(frozen=True)
class CopyTuning:
    """How the local COPY reads its input (it never changes what loads, only how fast).

    ``batch_bytes``: input read per batch, so memory does not grow with the input.
    ``small_file_bytes``: a batch whose files average less than this (one song per file) is
    read into memory by Python instead of by DuckDB's file readers. ``fast_path``: try the
    parallel line reader before the exact one (False: always the exact path).
    """

    batch_bytes: int = 128 << 20
    small_file_bytes: int = 1 << 20
    fast_path: bool = True


DEFAULT_TUNING = CopyTuning()
_CSV_MIN_LINE_SIZE = 2_097_152
_READ_CHUNK = 1 << 20

# One pass over the batch's bytes: every file valid UTF-8 without CR, NUL or 0x01 (bytes the
# CSV reader would refuse, split on or treat as a delimiter), and the largest file's size.
_PRECHECK = """
SELECT coalesce(bool_and(txt IS NOT NULL AND NOT contains(txt, chr(13))
        AND NOT contains(txt, chr(0)) AND NOT contains(txt, chr(1))), true),
    coalesce(max(octet_length(content)), 0)
FROM (SELECT content, try(decode(content)) AS txt FROM {blobs})
"""


def local_size(file: CachedFile) -> int:
    """The cached file's size on disk (decompressed for GZIP), else the object's size."""
    try:
        return file.path.stat().st_size
    except OSError:
        return file.size


def plan_batches(files: Sequence[CachedFile], max_bytes: int, gunzipped: bool) -> list[Batch]:
    """Consecutive runs of files of at most ``max_bytes`` each (one file may exceed it alone).

    Sizes are the S3 objects' (no disk access), or the cached files' when they were gunzipped.
    """
    batches: list[Batch] = []
    current: list[CachedFile] = []
    size = 0
    for file in files:
        grows = local_size(file) if gunzipped else file.size
        if current and size + grows > max_bytes:
            batches.append(Batch(tuple(current), size))
            current, size = [], 0
        current.append(file)
        size += grows
    if current:
        batches.append(Batch(tuple(current), size))
    return batches


def _read(file: CachedFile) -> bytes:
    """A cached file's bytes (``os.read``: a third of ``Path.read_bytes``'s cost per file)."""
    try:
        fd = os.open(file.path, os.O_RDONLY)
        try:
            chunks = [os.read(fd, os.fstat(fd).st_size + 1)]
            while chunks[-1]:
                chunks.append(os.read(fd, _READ_CHUNK))
        finally:
            os.close(fd)
    except OSError as exc:
        raise CopyError(
            f"Cannot read the cached copy {file.path} of {file.uri}: {exc.strerror or exc}. "
            "Run the COPY again (the cache is refilled) or check the cache folder's permissions."
        ) from exc
    return b"".join(chunks)


@dataclass(frozen=True)
class Batch:
    """Consecutive files of a COPY and their total size in bytes."""

    files: tuple[CachedFile, ...]
    size: int


class BatchInput:
    """One batch of files as SQL relations; use as a context manager (it may register a view)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, batch: Batch, small_file_bytes: int) -> None:
        self.con = con
        files = batch.files
        self.files = files
        self.paths = [str(f.path) for f in files]
        self.uris = [f.uri for f in files]
        self.in_memory = batch.size < small_file_bytes * len(files)
        self._view: str | None = None
        self._contents: list[bytes] | None = None
        if self.in_memory:
            self._view = f"__copy_files_{uuid.uuid4().hex[:12]}"
            self._contents = [_read(f) for f in files]
            frame = pd.DataFrame({"path": self.paths, "content": self._contents})
            con.register(self._view, frame)
            self.blobs = (
                f"(SELECT path::VARCHAR AS path, content::BLOB AS content FROM {self._view})"
            )
            self.read_params: dict[str, Any] = {}
        else:
            self.blobs = "(SELECT filename AS path, content FROM read_blob($paths))"
            self.read_params = {"paths": self.paths}

    def contents(self) -> Iterator[tuple[str, bytes]]:
        """Each file's URI and bytes, in order (a file listed twice comes twice)."""
        for index, file in enumerate(self.files):
            data = self._contents[index] if self._contents is not None else _read(file)
            yield file.uri, data

    def lines(self) -> str | None:
        """A relation of the batch's lines (column ``line``), or None if a file is unusual."""
        plain, largest = one_row(self.con, _PRECHECK.format(blobs=self.blobs), self.read_params)
        if not plain:
            return None
        if self.in_memory:
            return (
                "(SELECT unnest(string_split(ltrim(decode(content), chr(65279)), chr(10))) AS line "
                f"FROM {self.blobs})"
            )
        max_line = max(_CSV_MIN_LINE_SIZE, int(largest) + 16)
        return (
            "(SELECT line FROM read_csv($paths, columns = {'line': 'VARCHAR'}, delim = chr(1), "
            "quote = '', escape = '', header = false, auto_detect = false, "
            f"new_line = '\\n', max_line_size = {max_line}))"
        )

    def close(self) -> None:
        """Unregister the in-memory view, if any."""
        if self._view is not None:
            with contextlib.suppress(duckdb.Error):
                self.con.unregister(self._view)
            self._view = None

    def __enter__(self) -> BatchInput:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
