"""The local AWS emulator: moto's server as a process (:mod:`.process`, run by :mod:`.serve`),
bucket seeding (:mod:`.seeding`) and the seeded bucket kept between runs (:mod:`.store`).

:mod:`.seeding` (the client side, which imports the COPY package and with it pandas) is
imported on first use of its names, so the server process (``python -m
sparkify_helpers.emulator.serve``, which runs this file first) does not pay for it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from sparkify_helpers.emulator.process import (
    LOG_FILE,
    STATE_FILE,
    EmulatorEntry,
    EmulatorInfo,
    answers_token,
    reap_orphans,
    running,
    start,
    status,
    status_all,
    stop,
    stop_all,
)

if TYPE_CHECKING:
    from sparkify_helpers.emulator.seeding import SeedSummary, seed_bucket

_LAZY = {"SeedSummary": "seeding", "seed_bucket": "seeding"}

__all__ = [
    "LOG_FILE",
    "STATE_FILE",
    "EmulatorEntry",
    "EmulatorInfo",
    "SeedSummary",
    "answers_token",
    "reap_orphans",
    "running",
    "seed_bucket",
    "start",
    "status",
    "status_all",
    "stop",
    "stop_all",
]


def __getattr__(name: str) -> Any:
    """The names of :data:`_LAZY`, imported from their module on first use."""
    if name in _LAZY:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
