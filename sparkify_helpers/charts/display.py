"""Showing a chart in a notebook: the PNG, with alternative text for its HTML export."""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ChartImage:
    """A PNG that notebooks (and their HTML export) show with alternative text."""

    png: bytes
    alt: str

    @property
    def data(self) -> bytes:
        """The PNG bytes."""
        return self.png

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        encoded = base64.b64encode(self.png).decode("ascii")
        alt = html.escape(self.alt, quote=True)
        img = f'<img alt="{alt}" src="data:image/png;base64,{encoded}">'
        return {"image/png": encoded, "text/html": img}

    @classmethod
    def of_file(cls, path: str | Path, alt: str) -> ChartImage:
        """A saved PNG with its alternative text."""
        return cls(Path(path).read_bytes(), alt)
