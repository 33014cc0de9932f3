"""The house style of every marketing chart: one place for size, fonts, colours and labels.

Figures are built with :class:`matplotlib.figure.Figure` directly (never ``pyplot``), so
drawing needs no interactive backend: headless runs render through Agg, and a notebook
keeps whatever backend it has (``%matplotlib inline`` by default).
"""

from __future__ import annotations

import functools
import math
import textwrap
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

import matplotlib as mpl
import matplotlib.dates as mdates
import matplotlib.ticker as mticker
import pandas as pd
from cycler import cycler
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from sparkify_helpers.charts.files import DPI
from sparkify_helpers.charts.frames import share_text as share_text  # used by figures

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

FIGSIZE = (9.0, 5.0)
WIDE_FIGSIZE = (12.0, 4.8)

INK = "#2b2b2b"
MUTED = "#6b6b6b"
GRID = "#e4e4e4"
ACCENT = "#1f6f8b"  # the one colour of single-series charts
HIGHLIGHT = "#e07a1f"  # the bar or point a sentence talks about
PALETTE = ("#1f6f8b", "#e07a1f", "#5b8c5a", "#9d5c8f", "#c9a227", "#7f7f7f")
LEVEL_COLOURS = {"free": "#9fb8c8", "paid": "#1f6f8b"}  # free vs paid, everywhere

RC: dict[RcKeyType, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.titlesize": 14,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.titlepad": 12,
    "axes.labelsize": 10.5,
    "axes.labelcolor": INK,
    "axes.edgecolor": MUTED,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "axes.prop_cycle": cycler(color=PALETTE),
    "grid.color": GRID,
    "grid.linewidth": 0.8,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "xtick.labelcolor": INK,
    "ytick.labelcolor": INK,
    "legend.frameon": False,
    "legend.fontsize": 9.5,
    "text.color": INK,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
}


def styled(draw: Callable[..., Figure]) -> Callable[..., Figure]:
    """Run a chart function inside the house rcParams (without touching global state)."""

    @functools.wraps(draw)
    def wrapper(*args, **kwargs) -> Figure:
        with mpl.rc_context(RC):
            return draw(*args, **kwargs)

    return wrapper


def new_figure(ncols: int = 1, figsize: tuple[float, float] | None = None):
    """A backend-free Figure and its axes (one Axes, or a list when ``ncols > 1``)."""
    fig = Figure(figsize=figsize or (FIGSIZE if ncols == 1 else WIDE_FIGSIZE), dpi=DPI)
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, ncols, squeeze=True)
    return fig, (list(axes) if ncols > 1 else axes)


def label_axes(ax: Axes, title: str, xlabel: str, ylabel: str) -> None:
    """Set a panel's title and both axis labels (units in the label text)."""
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)


def finish(fig: Figure, title: str | None = None, footnote: str = "") -> Figure:
    """Add the figure title (multi-panel figures) and the source line, then lay it out."""
    if title:
        fig.suptitle(title, x=0.01, ha="left", fontsize=14, fontweight="bold")
    if footnote:
        fig.text(0.01, 0.005, footnote, ha="left", va="bottom", fontsize=8, color=MUTED)
    fig.tight_layout(rect=(0, 0.04 if footnote else 0, 1, 1))
    return fig


def no_data(title: str, footnote: str = "", message: str = "No plays in this period.") -> Figure:
    """A placeholder chart for an empty result, so a run still has a picture to show."""
    fig, ax = new_figure()
    ax.set_title(title)
    ax.set_axis_off()
    wrapped = "\n".join(textwrap.wrap(message, width=72))  # long caveats stay inside the figure
    ax.text(0.5, 0.5, wrapped, ha="center", va="center", fontsize=13, color=MUTED)
    return finish(fig, footnote=footnote)


def thousands(ax: Axes, axis: str = "y") -> None:
    """Format an axis with thousands separators (1,234)."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(mticker.StrMethodFormatter("{x:,.0f}"))
    target.set_major_locator(mticker.MaxNLocator(nbins=6, integer=True))


def percent(ax: Axes, axis: str = "y", decimals: int = 0) -> None:
    """Format an axis holding fractions (0..1) as percentages."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(mticker.PercentFormatter(xmax=1.0, decimals=decimals))


MAX_DATE_TICKS = 8  # "29 Nov" is about 0.5 in wide: 8 of them leave room on a 9 in chart


def dates(ax: Axes, first=None, last=None) -> None:
    """Format a date x axis as day and month (5 Nov, 12 Nov, ...); the span is in the footnote.

    Ticks fall on whole days from the data's first day (``first``, ``last``: its first and
    last day; by default the axis limits), at most :data:`MAX_DATE_TICKS` of them, evenly
    spaced, never past the last day: neighbouring labels cannot run into each other.
    """
    low, high = ax.get_xlim()
    start = math.ceil(low) if first is None else mdates.date2num(pd.Timestamp(first))
    end = math.floor(high) if last is None else mdates.date2num(pd.Timestamp(last))
    ax.xaxis.set_major_locator(mticker.FixedLocator(day_ticks(start, end)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%-d %b"))
    ax.xaxis.set_minor_locator(mticker.NullLocator())


def day_ticks(start: float, end: float, most: int = MAX_DATE_TICKS) -> list[float]:
    """Whole-day tick positions from ``start`` to ``end`` (matplotlib date numbers), a whole
    number of days apart (1, 2, 7, 14 ... days), at most ``most`` of them."""
    days = max(int(round(end - start)), 0)
    step = next(s for s in (1, 2, 3, 7, 14, 28, 56, 91, 182, 364, 10**9) if days // s < most)
    return [start + k * step for k in range(days // step + 1)]


def value_grid(ax: Axes, axis: Literal["both", "x", "y"] = "y") -> None:
    """Light gridlines along the value axis only, drawn under the data."""
    ax.grid(True, axis=axis)
    ax.set_axisbelow(True)


def wrap(label: object, width: int = 30) -> str:
    """A long label on several lines (at spaces only, so "IL-IN-WI" stays whole), never cut:
    the end of a name ("... Bloomington, MN-WI") is often the part that tells it apart."""
    text = " ".join(str(label).split())
    lines = textwrap.wrap(text, width=width, break_long_words=False, break_on_hyphens=False)
    return "\n".join(lines) or text
