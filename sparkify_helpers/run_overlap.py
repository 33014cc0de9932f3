"""What a run does beside its notebooks, in threads, so it does not add to the run's time.

The modules the run needs only once its notebooks start are imported (:meth:`Overlap.warm_up`)
while the emulator starts in its own process; :meth:`Overlap.warmed` waits for them before the
run's thread imports any of them itself. The runner process mostly waits while the kernel
executes a notebook, and a stopping process (the emulator, the kernel) exits on its own:
each notebook's HTML copy is rendered (:meth:`Overlap.render`) while the next notebook
runs, and what the run started is stopped (:meth:`Overlap.end`) while the run writes its
report. :meth:`Overlap.wait` joins it all and raises the first error a step raised, so the
run still ends only when nothing it started runs, and a failure still surfaces.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

log = logging.getLogger(__name__)

__all__ = ["Overlap"]


class Overlap:
    """Background work of one run: renders keyed by notebook path, ending steps in threads."""

    def __init__(self) -> None:
        self.rendered: dict[Path, Future[Path | None]] = {}
        self._renderer: ThreadPoolExecutor | None = None
        self._threads: list[threading.Thread] = []
        self._errors: list[BaseException] = []
        self._warming: threading.Thread | None = None

    def warm_up(self, modules: tuple[str, ...]) -> None:
        """Import ``modules`` in a thread; one that fails is left for its importer to raise."""

        def run() -> None:
            for name in modules:
                try:
                    importlib.import_module(name)
                except Exception:  # the run's own import of it raises the error, as before
                    log.debug("could not import %s ahead of time", name, exc_info=True)

        self._warming = threading.Thread(target=run, name="sparkify-imports")
        self._warming.start()

    def warmed(self) -> None:
        """Wait until :meth:`warm_up`'s imports are done (at once when there are none)."""
        if self._warming is not None:
            self._warming.join()

    def render(self, notebook: Path, render: Callable[[Path], Path | None]) -> None:
        """Start ``render(notebook)`` (one at a time, in order); its result is
        ``rendered[notebook]``, its error raised by that future's ``result()``."""
        if self._renderer is None:
            self._renderer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sparkify-html")
        self.rendered[notebook] = self._renderer.submit(render, notebook)

    def end(self, name: str, step: Callable[[], object]) -> None:
        """Run ``step`` (stopping something the run started) in a thread; :meth:`wait` joins
        it and raises its error."""

        def run() -> None:
            try:
                step()
            except BaseException as exc:  # re-raised by wait(), in the run's thread
                self._errors.append(exc)

        thread = threading.Thread(target=run, name=f"sparkify-{name}")
        thread.start()
        self._threads.append(thread)

    def wait(self) -> None:
        """Wait for the imports, every render and step; raise the first step's error, if any."""
        self.warmed()
        if self._renderer is not None:
            self._renderer.shutdown(wait=True)
        for thread in self._threads:
            thread.join()
        if self._errors:
            raise self._errors[0]
