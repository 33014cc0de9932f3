"""Marketing charts in one house style: one function per walkthrough question.

Each function takes its query's DataFrame (and an optional ``footnote`` source line) and
returns a :class:`matplotlib.figure.Figure`; :func:`save_chart` writes it as a PNG.
"""

from __future__ import annotations

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
from sparkify_helpers.charts.style import save_chart

__all__ = [
    "ChartImage",
    "conversions",
    "daily_active_users",
    "level_share",
    "match_rate",
    "plays_by_hour",
    "plays_by_weekday",
    "save_chart",
    "top_artists",
    "top_locations",
    "top_songs",
    "user_agents",
]
