"""The marketing walkthrough's questions: each one's query, chart and computed sentence.

``ask(wb, "plays_by_hour")`` runs ``sql/analytics/NN_plays_by_hour.sql`` on the warehouse,
saves the chart as ``<run>/charts/plays_by_hour.png`` (drawn, or copied from the chart cache
when the same chart was drawn before) and writes the sentence.
``show_sql(name)`` shows the query itself, so the notebook never hides what it runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sparkify_helpers import charts, insights, paths, sqlfiles
from sparkify_helpers.charts import cache as chart_cache
from sparkify_helpers.charts.cache import ChartCache
from sparkify_helpers.charts.display import ChartImage
from sparkify_helpers.charts.files import DPI, FORMAT
from sparkify_helpers.errors import WarehouseError
from sparkify_helpers.run_folder import write_atomically
from sparkify_helpers.warehouse import Warehouse

if TYPE_CHECKING:
    from matplotlib.figure import Figure

log = logging.getLogger(__name__)

SQL_FOLDER = "analytics"


@dataclass(frozen=True)
class Question:
    """One walkthrough question: its name (also the SQL file's and the PNG's), chart, sentence."""

    name: str
    title: str
    chart: Callable[..., Figure]
    insight: Callable[[pd.DataFrame], str]

    @property
    def sql_path(self) -> Path:
        """``sql/analytics/<NN>_<name>.sql`` (the number only orders the files)."""
        found = sorted((paths.sql_dir() / SQL_FOLDER).glob(f"[0-9]*_{self.name}.sql"))
        if len(found) != 1:
            raise WarehouseError(
                f"Expected one sql/{SQL_FOLDER}/NN_{self.name}.sql, found {len(found)}: "
                "check the sql/analytics folder of the checkout."
            )
        return found[0]


def _drawn_by(name: str) -> Callable[..., Figure]:
    """The chart function ``charts.<name>``, looked up when a chart is drawn: a chart that
    comes from the chart cache needs no matplotlib (saves its import in the kernel)."""

    def draw(frame: pd.DataFrame, footnote: str = "") -> Figure:
        return getattr(charts, name)(frame, footnote=footnote)

    draw.__name__ = draw.__qualname__ = name
    return draw


QUESTIONS: dict[str, Question] = {
    q.name: q
    for q in (
        Question(
            "plays_by_hour",
            "Plays by hour of day",
            _drawn_by("plays_by_hour"),
            insights.plays_by_hour,
        ),
        Question(
            "plays_by_weekday",
            "Plays by day of week",
            _drawn_by("plays_by_weekday"),
            insights.plays_by_weekday,
        ),
        Question(
            "plays_by_level_per_day",
            "Free vs paid share of plays over time",
            _drawn_by("level_share"),
            insights.level_share,
        ),
        Question("top_songs", "Top songs", _drawn_by("top_songs"), insights.top_songs),
        Question("top_artists", "Top artists", _drawn_by("top_artists"), insights.top_artists),
        Question(
            "top_locations", "Top locations", _drawn_by("top_locations"), insights.top_locations
        ),
        Question(
            "user_agents",
            "Devices, operating systems and browsers",
            _drawn_by("user_agents"),
            insights.user_agents,
        ),
        Question(
            "daily_active_users",
            "Daily active users",
            _drawn_by("daily_active_users"),
            insights.daily_active_users,
        ),
        Question(
            "free_to_paid_conversions",
            "Free-to-paid conversions",
            _drawn_by("conversions"),
            insights.conversions,
        ),
        Question(
            "match_rate", "Catalogue match rate", _drawn_by("match_rate"), insights.match_rate
        ),
    )
}


@dataclass
class Answer:
    """What one question gave: the query result, its sentence, its chart and the saved PNG.

    The matplotlib figure is drawn on first use of :attr:`figure`: a chart that came from
    the chart cache needs none.
    """

    question: Question
    frame: pd.DataFrame
    sentence: str
    png_path: Path | None
    footnote: str = ""
    cache: ChartCache | None = field(default=None, repr=False)
    _figure: Figure | None = field(default=None, init=False, repr=False)

    @property
    def figure(self) -> Figure:
        """The chart as a matplotlib Figure (drawn now if it was not yet)."""
        if self._figure is None:
            self._figure = self.question.chart(self.frame, footnote=self.footnote)
        return self._figure

    @property
    def cache_key(self) -> str:
        """The chart's content key: data, question, footnote, drawing code, renderer."""
        q, digest = self.question, chart_cache.frame_digest(self.frame)
        parts = (digest, q.name, q.chart.__name__, self.footnote, FORMAT, str(DPI))
        return chart_cache.content_key(parts, chart_cache.CHART_SOURCES)

    def png(self) -> bytes:
        """The chart's PNG bytes: from the chart cache when it holds them, else drawn (and
        stored there)."""
        render = lambda: charts.png_bytes(self.figure)  # noqa: E731
        return render() if self.cache is None else self.cache.png(self.cache_key, render)

    def chart(self) -> ChartImage:
        """The chart for the notebook: the saved PNG (exactly what the run keeps), with its
        title and sentence as the image's alternative text."""
        png = self.png_path.read_bytes() if self.png_path is not None else self.png()
        return ChartImage(png, f"{self.question.title}. {self.sentence}")

    def insight(self):
        """The sentence as Markdown, ready to display under the chart."""
        from IPython.display import Markdown

        return Markdown(f"**{self.sentence}**")


def question(name: str) -> Question:
    """Look a question up by name; an unknown name lists the known ones."""
    try:
        return QUESTIONS[name]
    except KeyError:
        raise KeyError(f"No question {name!r}; pick one of: {', '.join(QUESTIONS)}.") from None


def footnote(q: Question, target: str, frame: pd.DataFrame) -> str:
    """The chart's source line: query file, target and the data's date span.

    No run id or time: the image shows what the data says, so an unchanged result gives the
    same PNG (and a chart-cache hit); the run folder and report.html name the run.
    """
    parts = [f"Source: sql/{SQL_FOLDER}/{q.sql_path.name} on the {target} warehouse"]
    spans = [c for c in ("period_start", "period_end") if c in frame.columns]  # the data's span
    date_columns = spans if len(spans) == 2 else [c for c in frame.columns if c.endswith("_date")]
    if date_columns and not frame.empty:
        days = pd.concat([pd.to_datetime(frame[c]) for c in date_columns])
        parts.append(f"data {days.min():%Y-%m-%d} to {days.max():%Y-%m-%d}")
    return " · ".join(parts)


def answer(
    q: Question,
    frame: pd.DataFrame,
    charts_dir: str | Path | None = None,
    target: str = "local",
    cache: ChartCache | None = None,
) -> Answer:
    """Describe and (given ``charts_dir``) save the answer to a question's result.

    The PNG comes from ``cache`` (default: the project's :class:`ChartCache`) when it holds
    this chart, else it is drawn and stored there; the figure is drawn only when needed.
    """
    result = Answer(
        q, frame, q.insight(frame), None, footnote(q, target, frame), cache or ChartCache.default()
    )
    if charts_dir is not None:
        result.png_path = charts.write_chart(result.png(), charts_dir, q.name)
        write_atomically(sentence_path(result.png_path), result.sentence)  # report.html: under it
    return result


def sentence_path(png: Path) -> Path:
    """Where a saved chart's computed sentence is kept: beside it, ``<name>.txt``."""
    return png.with_suffix(".txt")


def ask(
    warehouse: Warehouse,
    name: str,
    charts_dir: str | Path | None = None,
    cache: ChartCache | None = None,
) -> Answer:
    """Run a question's query on an open warehouse and answer it.

    The chart is saved as ``<charts_dir>/<name>.png`` when ``charts_dir`` is given
    (``Workbook.ask`` gives the run's ``charts/`` folder).
    """
    q = question(name)
    frame = warehouse.query_file(q.sql_path)
    return answer(q, frame, charts_dir, warehouse.kind, cache)


def show_sql(name: str):
    """The question's SQL file as Markdown (path + highlighted query) for the notebook."""
    from IPython.display import Markdown

    path = question(name).sql_path
    text = sqlfiles.read_sql_file(path).text.strip()
    return Markdown(f"`sql/{SQL_FOLDER}/{path.name}`\n\n```sql\n{text}\n```")
