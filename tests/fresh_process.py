"""Python code run in a fresh interpreter: what a process imports or sets up at start."""

from __future__ import annotations

import subprocess
import sys


def python_output(code: str, env: dict[str, str] | None = None) -> str:
    """The standard output of ``python -c code`` (a failure raises, with its stderr kept)."""
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
