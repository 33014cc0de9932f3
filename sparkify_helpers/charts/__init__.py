"""Marketing charts in one house style: one function per walkthrough question.

Each function takes its query's DataFrame (and an optional ``footnote`` source line) and
returns a :class:`matplotlib.figure.Figure`; :func:`save_chart` writes it as a PNG, and
:class:`ChartCache` keeps rendered PNGs by content so unchanged data is not drawn again.
"""

from __future__ import annotations

from sparkify_helpers.charts.cache import ChartCache
from sparkify_helpers.charts.display import ChartImage
from sparkify_helpers.charts.figures import (
    conversions,
    daily_active_users,
    level_share,
    match_rate,
    plays_by_hour,
    plays_by_weekday,
    top_artists,
    top_locations,
    top_songs,
    user_agents,
)
from sparkify_helpers.charts.style import png_bytes, save_chart, write_chart

__all__ = [
    "ChartCache",
    "ChartImage",
    "conversions",
    "daily_active_users",
    "level_share",
    "match_rate",
    "plays_by_hour",
    "plays_by_weekday",
    "png_bytes",
    "save_chart",
    "top_artists",
    "top_locations",
    "top_songs",
    "user_agents",
    "write_chart",
]
