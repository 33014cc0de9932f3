"""Checks of ``sparkify`` options before anything starts (no emulator, no folder, no lock):
each mistake is one :class:`~sparkify_helpers.errors.ConfigError` line saying what to do."""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from pathlib import Path

from sparkify_helpers.errors import ConfigError


def writable_folder(option: str, folder: Path) -> None:
    """``folder`` is, or can become, a folder this user can write to."""
    folder = Path(folder).expanduser().absolute()
    existing = folder
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise ConfigError(
            f"{option} {folder}: {existing} is a file, not a folder; pick another {option}."
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigError(
            f"{option} {folder}: {existing} is not writable by this user; pick another {option}."
        )


def warehouse_file(path: Path) -> None:
    """The local DuckDB file can be created (or is a file, not a folder)."""
    path = Path(path).expanduser().absolute()
    if path.is_dir():
        raise ConfigError(f"--warehouse {path} is a folder; give a file such as {path}/dw.duckdb.")
    writable_folder("--warehouse", path.parent)


def positive(option: str, value: int | None) -> None:
    """A count option is 1 or more (None: not given)."""
    if value is not None and value < 1:
        raise ConfigError(f"{option} must be a positive integer, got {value}.")


def kernel(name: str | None) -> None:
    """The Jupyter kernel exists (None: the notebooks' own)."""
    if not name:
        return
    from jupyter_client.kernelspec import KernelSpecManager

    known = sorted(KernelSpecManager().find_kernel_specs())
    if name not in known:
        raise ConfigError(
            f"--kernel {name}: no such Jupyter kernel{closest(name, known)}; "
            f"installed: {', '.join(known) or 'none'} (see `jupyter kernelspec list`)."
        )


def backfill(date: str | None, since: str | None, until: str | None, *, full_refresh: bool) -> None:
    """Refuse a malformed ``--date`` / ``--since`` / ``--until``, or one with ``--full-refresh``."""
    if not (date or since or until):  # no backfill: nothing to check (and no ledger to import:
        return  # it loads the warehouse's modules, which a run's start does without)
    from sparkify_helpers.ledger import days_of

    days = days_of(date or "", since or "", until or "")
    if days is not None and full_refresh:
        raise ConfigError(
            "--full-refresh rebuilds every day: give it, or --date/--since/--until, not both."
        )


def closest(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'run'?)`` for the nearest choice, or "" when none is near."""
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{found[0]}'?)" if found else ""
