"""Marketing charts in one house style: one function per walkthrough question.

Each function takes its query's DataFrame (and an optional ``footnote`` source line) and
returns a :class:`matplotlib.figure.Figure`; :func:`save_chart` writes it as a PNG, and
:class:`ChartCache` keeps rendered PNGs by content so unchanged data is not drawn again.
The chart functions are imported on first use: a run whose charts all come from the cache
never loads matplotlib's figure machinery (about half a second per kernel).
"""

from __future__ import annotations

from typing import Any

from sparkify_helpers.charts.cache import ChartCache
from sparkify_helpers.charts.display import ChartImage
from sparkify_helpers.charts.files import png_bytes, save_chart, write_chart

FIGURES = (
    "conversions",
    "daily_active_users",
    "level_share",
    "match_rate",
    "plays_by_hour",
    "plays_by_weekday",
    "top_artists",
    "top_locations",
    "top_songs",
    "user_agents",
)

__all__ = ["ChartCache", "ChartImage", "png_bytes", "save_chart", "write_chart"]  # and FIGURES


def __getattr__(name: str) -> Any:
    """``charts.<chart function>``: imports :mod:`.figures` (and matplotlib) when first asked."""
    if name in FIGURES:
        from sparkify_helpers.charts import figures

        return getattr(figures, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
