"""The local AWS emulator: moto's server as a process (:mod:`.process`, run by :mod:`.serve`),
bucket seeding (:mod:`.seeding`) and the seeded bucket kept between runs (:mod:`.store`)."""

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
from sparkify_helpers.emulator.seeding import SeedSummary, seed_bucket

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
