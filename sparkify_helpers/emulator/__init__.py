"""The local AWS emulator: moto's server as a process (:mod:`.process`) and bucket seeding
(:mod:`.seeding`)."""

from sparkify_helpers.emulator.process import (
    LOG_FILE,
    STATE_FILE,
    EmulatorInfo,
    running,
    start,
    status,
    stop,
)
from sparkify_helpers.emulator.seeding import SEED_WORKERS, SeedSummary, seed_bucket

__all__ = [
    "LOG_FILE",
    "SEED_WORKERS",
    "STATE_FILE",
    "EmulatorInfo",
    "SeedSummary",
    "running",
    "seed_bucket",
    "start",
    "status",
    "stop",
]
