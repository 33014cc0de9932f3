"""Progress bars that suit where they are shown: a widget in JupyterLab, a live bar in a
terminal, and a few whole lines (0, 25, 50, 75, 100 %, or one every ``interval`` seconds
when the total is unknown) in a log file or CI, where carriage returns pile up into one
endless line, and in the notebooks ``sparkify run`` executes, where a widget would be kept
as its first frame and shows nothing in the offline HTML."""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from collections.abc import Iterable
from typing import IO, Any

from tqdm.std import tqdm as std_tqdm

HEADLESS_ENV = "SPARKIFY_HEADLESS"  # set by the runner for the kernels it starts
LOG_INTERVAL_S = 30.0  # a line at least this often when the total is unknown or slow
_KNOWN = "{desc}: {percentage:3.0f}% {n_fmt}/{total_fmt} {unit} [{elapsed}<{remaining}{postfix}]"
_UNKNOWN = "{desc}: {n_fmt} {unit} [{elapsed}{postfix}]"


class LineBar(std_tqdm):
    """A tqdm bar that writes a whole line at each quarter of its total (or every
    ``interval`` seconds) and a last one when it closes; never a carriage return."""

    def __init__(self, *args: Any, interval: float = LOG_INTERVAL_S, **kwargs: Any) -> None:
        self._interval = interval
        self._shown: tuple[int, float] | None = None  # (quarter, monotonic time) last written
        self._shown_n: float = -1
        kwargs.setdefault("mininterval", 0)  # see every update; display() decides what to write
        super().__init__(*args, **kwargs)

    def _quarter(self) -> int:
        return min(4, int(4 * self.n / self.total)) if self.total else 0

    def display(self, msg: str | None = None, pos: int | None = None) -> None:
        if msg == "":  # tqdm clearing its line: nothing to clear (and a None reply: no "\r")
            return
        now = time.monotonic()
        if self._shown is not None:
            last_quarter, last_time = self._shown
            if self.n == self._shown_n:
                return
            if self._quarter() <= last_quarter and now - last_time < self._interval:
                return
        self.bar_format = _KNOWN if self.total else _UNKNOWN
        self.fp.write(f"{msg or self}\n")
        self.fp.flush()
        self._shown, self._shown_n = (self._quarter(), now), self.n

    def close(self) -> None:
        if not self.disable and self.n != self._shown_n and self._shown is not None:
            self._shown = (-1, float("-inf"))  # the last line is always written
            self.display()
        self.leave = False  # tqdm's own closing would add a blank line or a "\r"
        super().close()


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or closed
        return False


def _in_notebook() -> bool:
    """True inside a Jupyter kernel with widgets, where tqdm.auto picks its widget bar.

    tqdm.autonotebook's own test (an IPython shell started by a kernel app, ipywidgets there),
    made without importing ipywidgets: that import costs a quarter of a second, and a notebook
    under ``sparkify run`` draws lines, not widgets.
    """
    ipython = sys.modules.get("IPython")
    try:
        shell = ipython.get_ipython() if ipython is not None else None
        in_kernel = shell is not None and "IPKernelApp" in shell.config
        return in_kernel and importlib.util.find_spec("ipywidgets") is not None
    except Exception:  # as tqdm.autonotebook: any failure means no widget bar  # noqa: BLE001
        return False


def bar(
    iterable: Iterable[Any] | None = None,
    *,
    desc: str | None = None,
    total: float | None = None,
    unit: str = "it",
    disable: bool = False,
    file: IO[str] | None = None,
    interval: float = LOG_INTERVAL_S,
) -> std_tqdm:
    """A tqdm bar for ``file`` (default stderr): the widget in a notebook (lines on its
    stdout under ``sparkify run``), a live bar on a terminal, :class:`LineBar` anywhere
    else. Used as tqdm is: ``with bar(...) as b``."""
    kwargs: dict[str, Any] = {"desc": desc, "total": total, "unit": unit, "disable": disable}
    if file is None and _in_notebook() and os.environ.get(HEADLESS_ENV):
        return LineBar(iterable, file=sys.stdout, interval=interval, **kwargs)
    if file is None and _in_notebook():
        from tqdm.auto import tqdm as auto_tqdm

        return auto_tqdm(iterable, **kwargs)
    stream = sys.stderr if file is None else file
    if _is_terminal(stream):
        return std_tqdm(iterable, file=stream, **kwargs)
    return LineBar(iterable, file=stream, interval=interval, **kwargs)
