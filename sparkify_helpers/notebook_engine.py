"""papermill engine ``sparkify``: the kept notebook is written at most once per interval.

papermill's execution manager writes the whole output notebook at notebook start, at every
cell's start and end, and at notebook end: for a notebook of a few MB (charts) and tens of
cells that is seconds of ``json.dumps``. :class:`ThrottledSaves` writes it at most once every
``save_every`` seconds (:data:`SAVE_EVERY_S`) while cells run, and always at notebook start,
when a cell fails, and at notebook end (papermill ends in a ``finally``: an interrupt also ends
with a full save). A save skipped by the throttle is done later: at the next cell event past
the interval, or, while a cell runs, by a timer on the kernel client's event loop, so a long
cell shows as running within about the interval; papermill's ``autosave_cell`` still saves a
long cell's output. A ``kill -9`` loses at most the last interval's progress.
"""

from __future__ import annotations

import asyncio
import logging

from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines

log = logging.getLogger(__name__)

NAME = "sparkify"  # papermill's engine_name
SAVE_EVERY_S = 1.0


class ThrottledSaves(NotebookExecutionManager):
    """papermill's execution manager whose cell events save at most once per ``save_every``."""

    def __init__(self, *args, save_every: float = SAVE_EVERY_S, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.save_every = save_every
        self.pending = False  # a save was skipped: the notebook on disk is behind
        self._timer: asyncio.TimerHandle | None = None

    def _since_save(self) -> float:
        return (self.now() - self.last_save_time).total_seconds()

    def save(self, **kwargs) -> None:
        """Write the notebook if the last write is ``save_every`` old, else note it is due."""
        if self._since_save() >= self.save_every:
            self._write(**kwargs)
        else:
            self.pending = True

    def flush(self) -> None:
        """Write the notebook now if a save was skipped."""
        if self.pending:
            self._write()

    def _write(self, **kwargs) -> None:
        self._cancel_timer()
        super().save(**kwargs)  # papermill's: writes, then sets last_save_time
        self.pending = False

    def notebook_start(self, **kwargs) -> None:
        super().notebook_start(**kwargs)
        self.flush()

    def cell_complete(self, cell, cell_index=None, **kwargs) -> None:
        super().cell_complete(cell, cell_index, **kwargs)
        if cell.metadata.papermill["status"] == self.FAILED:  # set by cell_exception
            self.flush()  # the failing cell's error, on disk before anything else happens
        self._cancel_timer()  # the loop that would run it stops with the cell

    def notebook_complete(self, **kwargs) -> None:
        super().notebook_complete(**kwargs)
        self.flush()

    def autosave_cell(self) -> None:
        """papermill's autosave of a long cell's output, plus: a skipped save is done by a
        timer once the interval has passed (called on each kernel message, in the loop)."""
        super().autosave_cell()
        if self.pending and self._timer is None:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:  # not called from the kernel client: the next event saves
                return
            wait = max(self.save_every - self._since_save(), 0.0)
            self._timer = loop.call_later(wait, self._on_timer)

    def _on_timer(self) -> None:
        self._timer = None
        try:
            self.flush()
        except Exception:  # on the event loop nothing would see it: the next event retries
            log.debug("deferred save of %s failed", self.output_path, exc_info=True)

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class ThrottledEngine(NBClientEngine):
    """papermill's nbclient engine with :class:`ThrottledSaves` as its execution manager.

    papermill's ``Engine.execute_notebook`` builds its manager inline, so this mirrors its
    few lines with ours; ``save_every`` (seconds) can be passed to ``execute_notebook``.
    """

    @classmethod
    def execute_notebook(
        cls,
        nb,
        kernel_name,
        output_path=None,
        progress_bar=True,
        log_output=False,
        autosave_cell_every=30,
        save_every: float = SAVE_EVERY_S,
        **kwargs,
    ):
        nb_man = ThrottledSaves(
            nb,
            output_path=output_path,
            progress_bar=progress_bar,
            log_output=log_output,
            autosave_cell_every=autosave_cell_every,
            save_every=save_every,
        )
        nb_man.notebook_start()
        try:
            cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
        return nb_man.nb


papermill_engines.register(NAME, ThrottledEngine)
