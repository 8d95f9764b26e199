"""How a build's work is spread over processes: one interface, a serial and a parallel runner.

The build's stages (build.py) and ``Builder`` ask a runner to render content over the documents,
to write and stamp the documents, to lay out PDFs, and to start layouts early; the stages are
the same whichever runner does it, and so are the bytes (``tests/test_runners.py``).

- ``SerialRunner``: everything in this process, one thing after another (``kaohe verify``, ``kaohe archive``).
- ``ParallelRunner``: the build's default. Content and stamping in forked workers that inherit
  the documents (above ``Thresholds``); layouts over the cores; a ``Background`` of WeasyPrint
  workers that can be started before the records load (``prestart``) and lays out the stamp
  overlays and the changed documents while the HTML pages are written.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from kaohe_docs.render.pool import Background, map_forked, render_each


@dataclass(frozen=True)
class Thresholds:
    """Where the parallel runner starts using more processes (tests force them low)."""
    fork_contents: int = 64  # below this many documents to render, content HTML is made in one process
    fork_documents: int = 64  # below this many documents to write or stamp, the build does it in one process
    few_layouts: int = 4  # up to this many changed documents are laid out by the one background worker


class SerialRunner:
    """Everything in this process, in order: nothing starts early, nothing is forked."""

    def map_contents(self, function: Callable, items: list) -> list:
        return [function(item) for item in items]

    def map_documents(self, function: Callable, items: list) -> list:
        return [function(item) for item in items]

    def lay_out_each(self, root: Path, jobs: list[tuple[str, str]], progress=None,
                     workers: int | None = None, variant: str | None = None) -> Iterator:
        """(index, (pdf bytes, warnings, refused URLs)) for (markup, identifier) jobs as each one is
        done (``variant``: e.g. pdf/a-2b for the archive)."""
        return render_each(root, jobs, workers=1, progress=progress, variant=variant)

    def start_layouts(self, keyed: list[tuple[str, str]], workers: int | None = None) -> None:
        """Lay out these (key, markup) ahead (their results go into the layout cache): not here."""

    def expect_layouts(self, count: int) -> None:
        """``count`` documents will be laid out: nothing to get ready."""

    def started(self, key: str) -> bool:
        return False

    def collect(self, key: str):
        """(file or bytes, warnings, refused URLs) of a layout started ahead."""
        raise KeyError(key)

    def busy(self) -> bool:
        """Whether layouts started ahead are still running (the caller can do other work meanwhile)."""
        return False

    def close(self) -> None:
        pass


class ParallelRunner:
    """Forked workers for content and stamping, a pool for layouts, and a ``Background`` of
    WeasyPrint workers laying out ahead (started by ``prestart`` or at the first layout started)."""

    def __init__(self, root: Path, cache_folder: Path, thresholds: Thresholds = Thresholds(),
                 workers: int | None = None):
        """``workers``: processes per pool (default: one per core)."""
        self.root, self.cache_folder, self.thresholds, self.workers = root, cache_folder, thresholds, workers
        self.background: Background | None = None

    def warm(self) -> "ParallelRunner":
        """Start one WeasyPrint worker now (it gets ready while the records load)."""
        self._background(1).warm()
        return self

    def grow(self) -> None:
        """More workers get ready (records changed: documents will be laid out)."""
        self._background().grow()

    def _background(self, workers: int | None = None) -> Background:
        if self.background is None:
            self.background = Background(self.root, self.cache_folder, workers or self.workers)
        return self.background

    def map_contents(self, function: Callable, items: list) -> list:
        return map_forked(function, items, self.workers, minimum=self.thresholds.fork_contents)

    def map_documents(self, function: Callable, items: list) -> list:
        return map_forked(function, items, self.workers, minimum=self.thresholds.fork_documents)

    def lay_out_each(self, root: Path, jobs: list[tuple[str, str]], progress=None,
                     workers: int | None = None, variant: str | None = None) -> Iterator:
        return render_each(root, jobs, workers=workers or self.workers, progress=progress, variant=variant)

    def start_layouts(self, keyed: list[tuple[str, str]], workers: int | None = None) -> None:
        """``workers``: how many processes the background gets if it is not running yet (each one
        starts WeasyPrint)."""
        for key, markup in keyed:
            self._background(workers).add(key, markup, key)

    def expect_layouts(self, count: int) -> None:
        """More than a few documents to lay out: a second pool of workers, one per core."""
        if count > self.thresholds.few_layouts and not self._background().grown():
            self._background().grow(self.workers or os.cpu_count())

    def started(self, key: str) -> bool:
        return self.background is not None and key in self.background

    def collect(self, key: str):
        if self.background is None:
            raise KeyError(key)
        return self.background.result(key)

    def busy(self) -> bool:
        return self.background is not None and self.background.busy()

    def close(self) -> None:
        if self.background is not None:
            self.background.close()
            self.background = None


Runner = SerialRunner | ParallelRunner


def prestart(root: Path, cache_root: Path | None = None) -> ParallelRunner:
    """A parallel runner with one WeasyPrint worker started ahead of a build (give it to
    ``build_period``): while the records load, it gets ready to lay out the stamp overlays and the
    documents that changed."""
    from kaohe_docs.render.layout_cache import cache_dir
    return ParallelRunner(root, cache_dir(cache_root or root)).warm()
