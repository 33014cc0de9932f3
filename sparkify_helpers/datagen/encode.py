"""JSON encoding exactly as the public bucket's files serialise values."""

from __future__ import annotations

import json
from collections.abc import Iterable

NULL = "null"


def log_str(value: str | None) -> str:
    """A JSON string as the event logs write it: ASCII-escaped and with ``/`` as ``\\/``."""
    if value is None:
        return NULL
    return json.dumps(value).replace("/", "\\/")


def log_strs(values: Iterable[str | None]) -> list[str]:
    """``log_str`` over many values."""
    return [log_str(v) for v in values]


def log_float(value: float) -> str:
    """A float as the logs write it (shortest round-trip repr, ``.0`` kept)."""
    return repr(float(value))


def song_json(song: dict) -> str:
    """One song object as the song files write it (``json.dumps`` defaults)."""
    return json.dumps(song)


# The log record keys, in staging_events column order (the JSONPaths file lists them so).
LOG_FIELDS = (
    "artist",
    "auth",
    "firstName",
    "gender",
    "itemInSession",
    "lastName",
    "length",
    "level",
    "location",
    "method",
    "page",
    "registration",
    "sessionId",
    "song",
    "status",
    "ts",
    "userAgent",
    "userId",
)
JSONPATHS = {"jsonpaths": [f"$['{key}']" for key in LOG_FIELDS]}


def jsonpaths_text() -> str:
    """The ``log_json_path.json`` file, byte for byte as in the bucket."""
    return json.dumps(JSONPATHS, indent=1) + "\n"
