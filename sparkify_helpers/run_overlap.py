"""What a run does beside its notebooks, in threads, so it does not add to the run's time.

The modules the run needs only once its notebooks start are imported (:meth:`Overlap.warm_up`)
while the emulator starts in its own process; :meth:`Overlap.warmed` waits for them before the
run's thread imports any of them itself. The runner process mostly waits while the kernel
executes a notebook, and a stopping process (the emulator, the kernel) exits on its own:
each notebook's HTML copy is rendered (:meth:`Overlap.render`) while the next notebook
runs, and what the run started is stopped (:meth:`Overlap.end`) while the run writes its
report. :meth:`Overlap.wait` joins it all and raises the first error a step raised, so the
run still ends only when nothing it started runs, and a failure still surfaces.

Some of those imports do work at import time that the run never uses: :func:`defer_imports`
makes such a module load only when one of its functions is first called (:data:`DEFERRED`).
"""

from __future__ import annotations

import gc
import importlib
import importlib.util
import logging
import sys
import threading
import types
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

log = logging.getLogger(__name__)

__all__ = ["DEFERRED", "Overlap", "defer_imports"]

# module -> the functions other modules import from it by name. jsonschema (imported by
# nbformat, so by papermill and nbconvert) imports rfc3987_syntax for its "iri" format checks;
# rfc3987_syntax builds three Earley parsers at import: 1.5 s of CPU here, in every run,
# for a format check the run's notebooks never ask for.
DEFERRED: dict[str, tuple[str, ...]] = {"rfc3987_syntax": ("is_valid_syntax",)}
_loading = threading.Lock()


class _DeferredModule(types.ModuleType):
    """Stands in ``sys.modules`` for a module not loaded yet: its named functions and any other
    attribute load the real module (which then replaces this one) and answer from it."""

    def __init__(self, spec: importlib.machinery.ModuleSpec, functions: tuple[str, ...]) -> None:
        super().__init__(spec.name)
        self.__spec__, self.__loader__, self.__file__ = spec, spec.loader, spec.origin
        if spec.submodule_search_locations is not None:  # a package, as the import system asks
            self.__path__ = list(spec.submodule_search_locations)
        for function in functions:
            setattr(self, function, self._forward(function))

    def _forward(self, function: str) -> Callable[..., object]:
        def call(*args: object, **kwargs: object) -> object:
            return getattr(self._real(), function)(*args, **kwargs)

        call.__name__ = call.__qualname__ = function
        return call

    def _real(self) -> types.ModuleType:
        module = sys.modules.get(self.__name__)
        if module is not None and module is not self:
            return module
        with _loading:
            module = sys.modules.get(self.__name__)
            if module is not None and module is not self:
                return module
            spec = self.__spec__
            assert spec is not None and spec.loader is not None  # found by defer_imports
            module = importlib.util.module_from_spec(spec)
            sys.modules[self.__name__] = module
            try:
                spec.loader.exec_module(module)
            except BaseException:
                sys.modules[self.__name__] = self
                raise
            return module

    def __getattr__(self, name: str) -> object:
        if name.startswith("__"):  # what the import system probes for: as a module without it
            raise AttributeError(name)
        return getattr(self._real(), name)


def defer_imports(deferred: dict[str, tuple[str, ...]] | None = None) -> None:
    """Put a stand-in for each module of ``deferred`` (default :data:`DEFERRED`) that is
    installed and not imported yet: importing it, or a function of it, costs nothing; the
    first call of such a function loads the module and answers as the module would."""
    for name, functions in (DEFERRED if deferred is None else deferred).items():
        if name in sys.modules:
            continue
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None:
            sys.modules[name] = _DeferredModule(spec, functions)


class Overlap:
    """Background work of one run: renders keyed by notebook path, ending steps in threads."""

    def __init__(self) -> None:
        self.rendered: dict[Path, Future[Path | None]] = {}
        self._renderer: ThreadPoolExecutor | None = None
        self._threads: list[threading.Thread] = []
        self._errors: list[BaseException] = []
        self._warming: threading.Thread | None = None
        self._frozen = False

    def warm_up(self, modules: tuple[str, ...]) -> None:
        """Import ``modules`` in a thread (:data:`DEFERRED` ones deferred, see
        :func:`defer_imports`); one that fails is left for its importer to raise."""
        defer_imports()
        gc.disable()  # until warmed()

        def run() -> None:
            for name in modules:
                try:
                    importlib.import_module(name)
                except Exception:  # the run's own import of it raises the error, as before
                    log.debug("could not import %s ahead of time", name, exc_info=True)

        self._warming = threading.Thread(target=run, name="sparkify-imports")
        self._warming.start()

    def warmed(self) -> None:
        """Wait until :meth:`warm_up`'s imports are done (at once when there are none).

        The first time, the garbage collector, paused by :meth:`warm_up` (imports make no
        garbage, yet each full pass walks every object imported so far), resumes, and what the
        process holds then (the modules imported for the run) is frozen (``gc.freeze``) until
        :meth:`wait`: the passes during the run no longer walk it. The collector's passes cost
        a fifth of the run process's CPU without this."""
        if self._warming is not None:
            self._warming.join()
        if not self._frozen:
            gc.freeze()
            gc.enable()
            self._frozen = True

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
        gc.unfreeze()  # the process goes on as before the run (a test calling the runner)
        if self._errors:
            raise self._errors[0]
