"""A content-addressed cache of rendered charts (``.sparkify/chart-cache/<key>.png``).

A chart is a pure function of its data, the texts drawn on it, the code that draws it and
the libraries that render it: :func:`content_key` hashes all of them (with :func:`frame_digest`
for a query result), so a hit is byte-identical to a fresh render and a run on unchanged data
builds no figure. Entries are written atomically, checked (PNG chunks and their CRCs) before
use, and bounded in number and size (the least recently used go first). A missing, damaged or
unreadable entry only means the chart is drawn again; the cache never fails a run.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import platform
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sparkify_helpers import paths
from sparkify_helpers.run_folder import write_atomically, write_cause

log = logging.getLogger(__name__)

CHART_SOURCES: tuple[Path, ...] = tuple(sorted(Path(__file__).parent.glob("*.py")))
"""The files that define how a marketing chart looks (every module of ``charts/``)."""

MAX_ENTRIES = 500
MAX_BYTES = 100 * 2**20
STALE_TEMP_S = 3600.0  # a temporary file this old was left by a killed writer
# rcParams that cannot change a saved PNG (backend and GUI choices, the save dialog's folder)
_RC_UNUSED = ("backend", "interactive", "webagg.", "toolbar", "tk.", "savefig.directory")


def frame_digest(frame: pd.DataFrame) -> str:
    """A hash of a frame's content, index, column names and dtypes (pandas' row hashes)."""
    digest = hashlib.sha256()
    digest.update(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
    digest.update(repr(list(frame.index.names)).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return digest.hexdigest()


def sources_digest(files: Iterable[Path]) -> str:
    """A hash of the files' names and bytes (the code that draws a chart)."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def renderer_digest() -> str:
    """A hash of what renders a figure: the libraries' and Python's versions and the
    rcParams in force (a user's matplotlibrc or style changes what is drawn)."""
    import matplotlib as mpl
    import numpy as np
    import PIL

    libraries = (mpl, PIL, np, pd)  # the versions imported here, which are the ones drawing
    versions = [lib.__version__ for lib in libraries] + [platform.python_version()]
    rc = [  # never read "backend": reading it picks one, importing pyplot
        (key, repr(mpl.rcParams[key]))
        for key in sorted(mpl.rcParams)
        if not key.startswith(_RC_UNUSED)
    ]
    return hashlib.sha256(repr((versions, rc)).encode()).hexdigest()


def content_key(parts: Iterable[str], sources: Iterable[Path]) -> str:
    """The cache key of one image: its parts (data digests, texts, format, DPI), the drawing
    code's files and the renderer (:func:`renderer_digest`)."""
    digest = hashlib.sha256()
    for part in (*parts, sources_digest(sources), renderer_digest()):
        digest.update(part.encode() + b"\0")
    return digest.hexdigest()


def is_whole_png(data: bytes) -> bool:
    """True when ``data`` is a complete PNG whose chunks all match their CRCs (Pillow's check)."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            image.verify()
    except Exception:  # Pillow raises several kinds for a damaged file  # noqa: BLE001
        return False
    return True


@dataclass(frozen=True)
class ChartCache:
    """PNGs by content key in one folder, at most ``max_entries`` files and ``max_bytes``."""

    folder: Path
    max_entries: int = MAX_ENTRIES
    max_bytes: int = MAX_BYTES

    @classmethod
    def default(cls) -> ChartCache:
        """The project's cache (``SPARKIFY_CHART_CACHE_DIR``, else ``.sparkify/chart-cache``)."""
        return cls(paths.chart_cache_dir())

    def path(self, key: str) -> Path:
        """Where the entry of ``key`` is kept."""
        return self.folder / f"{key}.png"

    def get(self, key: str) -> bytes | None:
        """The cached PNG of ``key``, or None (not there, unreadable, or damaged: dropped)."""
        path = self.path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("chart cache: cannot read %s (%s); drawing it", path, write_cause(exc))
            return None
        if not is_whole_png(data):
            log.warning("chart cache: %s is damaged; drawing the chart again", path)
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: evicted last
        return data

    def png(self, key: str, render: Callable[[], bytes]) -> bytes:
        """The PNG of ``key``: from the cache, else ``render()``'s, which is then stored."""
        data = self.get(key)
        if data is None:
            data = render()
            self.put(key, data)
        return data

    def put(self, key: str, png: bytes) -> None:
        """Store a rendered PNG (atomically), then keep the cache within its bounds.
        A cache that cannot be written is logged and skipped: the run has its chart anyway."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_atomically(self.path(key), png)
            self.evict()
        except OSError as exc:
            log.warning("chart cache: cannot store in %s (%s)", self.folder, write_cause(exc))

    def evict(self) -> list[Path]:
        """Remove the least recently used entries beyond the bounds, and temporary files a
        killed writer left; return what was removed. Safe while another run uses the cache."""
        entries, removed = [], []
        now = time.time()
        for path in self.folder.iterdir():
            try:
                stat = path.stat()
            except FileNotFoundError:  # another run removed it meanwhile
                continue
            if path.name.startswith(".") and path.name.endswith(".tmp"):
                if now - stat.st_mtime > STALE_TEMP_S:
                    removed.append(path)
            elif path.suffix == ".png":
                entries.append((stat.st_mtime, stat.st_size, path))
        entries.sort(reverse=True)  # newest first
        kept_bytes = 0
        for count, (_, size, path) in enumerate(entries, start=1):
            kept_bytes += size
            if count > self.max_entries or kept_bytes > self.max_bytes:
                removed.append(path)
        for path in removed:
            path.unlink(missing_ok=True)
        return removed
