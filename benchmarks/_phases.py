"""Seconds per phase of a benchmark, by wrapping the package's functions in this process."""

from __future__ import annotations

import functools
import time
from typing import Any


class PhaseTimer:
    """Adds the wall time of every call of a wrapped function to its phase's total."""

    def __init__(self) -> None:
        self.phases: dict[str, float] = {}

    def wrap(self, owner: Any, name: str, phase: str) -> None:
        """Replace ``owner.name`` (a module or class attribute) by a timed wrapper."""
        func = getattr(owner, name)

        @functools.wraps(func)
        def timed(*args, **kwargs):
            began = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self.phases[phase] = self.phases.get(phase, 0.0) + time.perf_counter() - began

        setattr(owner, name, timed)

    def take(self) -> dict[str, float]:
        """The phases timed since the last call, in seconds (3 decimals)."""
        phases, self.phases = self.phases, {}
        return {k: round(v, 3) for k, v in phases.items()}
