"""A chart as a file: its format and resolution, its PNG bytes, and where it is written.

Imports no matplotlib: a run whose charts all come from the chart cache never loads it.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from sparkify_helpers.run_folder import write_atomically

if TYPE_CHECKING:
    from matplotlib.figure import Figure

log = logging.getLogger(__name__)

DPI = 120
FORMAT = "png"


def png_bytes(fig: Figure, dpi: int = DPI) -> bytes:
    """The figure as PNG bytes (tight bounding box), exactly what :func:`save_chart` writes."""
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=dpi, bbox_inches="tight", format=FORMAT)
    return buffer.getvalue()


def write_chart(png: bytes, charts_dir: str | Path, name: str) -> Path:
    """Write PNG bytes as ``<charts_dir>/<name>.png`` (atomically) and return its path."""
    folder = Path(charts_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = write_atomically(folder / f"{name}.{FORMAT}", png)
    log.debug("chart written: %s", path)
    return path


def save_chart(fig: Figure, charts_dir: str | Path, name: str) -> Path:
    """Write ``<charts_dir>/<name>.png`` (dpi 120, tight bounding box) and return its path."""
    return write_chart(png_bytes(fig), charts_dir, name)
