"""Peak memory of a whole process tree (this process and every descendant), sampled by a thread.

The moto server is a child process of the benchmark worker, so the tree's RSS is what the
local target really costs. ``TreeSampler.window()`` gives the peak of one stage.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psutil

INTERVAL_S = 0.05


def tree_rss(root: psutil.Process) -> tuple[int, int]:
    """(RSS of ``root`` and all its descendants, RSS of the descendants alone), in bytes."""
    own = children = 0
    for proc in [root, *root.children(recursive=True)]:
        try:
            rss = proc.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if proc.pid == root.pid:
            own = rss
        else:
            children += rss
    return own + children, children


@dataclass
class Window:
    """The peak RSS seen while one stage ran (filled in when the stage ends)."""

    peak_bytes: int = 0


class TreeSampler:
    """Samples the tree's RSS every ``interval_s`` in a daemon thread; use as a context manager."""

    def __init__(self, pid: int | None = None, interval_s: float = INTERVAL_S) -> None:
        self.root = psutil.Process(pid or os.getpid())
        self.interval_s = interval_s
        self.peak_bytes = 0
        self.peak_children_bytes = 0
        self._window_peak = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def sample(self) -> int:
        """Take one sample now and fold it into the running peaks."""
        rss, children = tree_rss(self.root)
        with self._lock:
            self.peak_bytes = max(self.peak_bytes, rss)
            self.peak_children_bytes = max(self.peak_children_bytes, children)
            self._window_peak = max(self._window_peak, rss)
        return rss

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.sample()

    @contextmanager
    def window(self) -> Iterator[Window]:
        """Peak RSS of the tree while the block runs (sampled at its start and end too)."""
        result = Window()
        with self._lock:
            self._window_peak = 0
        self.sample()
        try:
            yield result
        finally:
            self.sample()
            with self._lock:
                result.peak_bytes = self._window_peak

    def __enter__(self) -> TreeSampler:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
