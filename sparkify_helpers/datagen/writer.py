"""The bucket's file layout: song files, daily log files, the JSONPaths file, a manifest."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

import numpy as np

from ..errors import SparkifyError
from .encode import jsonpaths_text
from .rhythm import DAY_MS

MANIFEST = "_generated.json"
GENERATOR = "sparkify_helpers.datagen"
LAYOUT = ("song_data", "log_data", "log_json_path.json", MANIFEST)


class DatagenError(SparkifyError, ValueError):
    """Bad arguments for the generator, or an output folder it must not touch."""


def prepare_out_dir(out_dir: Path) -> None:
    """Make ``out_dir`` ready: create it, or clear a previous generator output in it."""
    if out_dir.exists() and not out_dir.is_dir():
        raise DatagenError(f"{out_dir} is a file; pass a folder path for the generated data.")
    if out_dir.is_dir() and any(out_dir.iterdir()):
        if not _is_generated(out_dir):
            raise DatagenError(
                f"{out_dir} is not empty and holds no {MANIFEST} from an earlier run of the "
                "generator; pass an empty or new folder (nothing was written)."
            )
        for name in LAYOUT:
            path = out_dir / name
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
    out_dir.mkdir(parents=True, exist_ok=True)


def _is_generated(out_dir: Path) -> bool:
    """Whether ``out_dir`` carries this generator's manifest."""
    try:
        manifest = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("generator") == GENERATOR


def write_manifest(out_dir: Path, params: dict, complete: bool) -> None:
    """``_generated.json`` at the top level, outside the COPY prefixes."""
    body = {"generator": GENERATOR, "complete": complete, **params}
    (out_dir / MANIFEST).write_text(json.dumps(body, indent=2, sort_keys=True) + "\n")


def write_jsonpaths(out_dir: Path) -> int:
    """``log_json_path.json``; returns the bytes written."""
    text = jsonpaths_text()
    (out_dir / "log_json_path.json").write_text(text, encoding="ascii")
    return len(text)


def write_song_files(
    out_dir: Path, files_of_songs: Iterable[tuple[str, list[str]]]
) -> tuple[int, int]:
    """``song_data/A/B/C/<track_id>.json`` from (track_id, [song JSON, ...]); (files, bytes)."""
    files = size = 0
    made: set[str] = set()
    root = str(out_dir / "song_data")
    for track_id, objects in files_of_songs:
        folder = os.path.join(root, track_id[2], track_id[3], track_id[4])
        if folder not in made:
            os.makedirs(folder, exist_ok=True)
            made.add(folder)
        text = "\n".join(objects)
        with open(os.path.join(folder, track_id + ".json"), "w", encoding="ascii") as fh:
            fh.write(text)
        files += 1
        size += len(text)
    return files, size


class LogWriter:
    """Streams event lines into ``log_data/YYYY/MM/YYYY-MM-DD-events.json``, one per UTC day.

    Lines must arrive in time order; like the real files, there is no trailing newline.
    """

    def __init__(self, out_dir: Path) -> None:
        self.root = out_dir / "log_data"
        self.files = 0
        self.bytes = 0
        self._day: int | None = None
        self._fh: TextIO | None = None

    def write(self, ts: np.ndarray, lines: list[str]) -> None:
        """Append ``lines`` (sorted by their ``ts``) to the files of their days."""
        if not lines:
            return
        days = ts // DAY_MS
        bounds = [0, *(np.flatnonzero(np.diff(days)) + 1).tolist(), len(lines)]
        for a, b in zip(bounds[:-1], bounds[1:], strict=True):
            text = "\n".join(lines[a:b])
            if int(days[a]) == self._day:
                text = "\n" + text
            else:
                self._open(int(days[a]))
            assert self._fh is not None  # _open just opened it
            self._fh.write(text)
            self.bytes += len(text)

    def _open(self, day: int) -> None:
        """Close the current day's file and start the file of ``day``."""
        self.close()
        name = np.datetime64(day, "D").astype(str)  # YYYY-MM-DD
        folder = self.root / name[:4] / name[5:7]
        folder.mkdir(parents=True, exist_ok=True)
        self._fh = open(folder / f"{name}-events.json", "w", encoding="ascii", newline="\n")  # noqa: SIM115
        self._day = day
        self.files += 1

    def close(self) -> None:
        """Close the open file, if any."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None
