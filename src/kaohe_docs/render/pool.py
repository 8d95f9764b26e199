"""Rendering PDFs over all cores: a process pool, one WeasyPrint setup per worker.

Each job is (markup, identifier) → (pdf bytes, warnings, refused URLs). The font
configuration and URL fetcher are created once per worker process and reused.
"""
from __future__ import annotations

import contextlib
import functools
import gc
import hashlib
import os
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class _WorkerState:
    """What a worker process (or this one, working serially) was set up with."""
    renderer: Any = None  # its PdfRenderer
    variant: str | None = None  # PDF variant ("pdf/a-2b" for the archive), or None
    task: tuple | None = None  # (function, items) of ``map_forked``: inherited by forked workers, never pickled


_worker = _WorkerState()


# the cyclic collector's thresholds while building: it runs less often while Jinja and WeasyPrint
# allocate (about 10 % less CPU per document laid out, measured)
GC_THRESHOLD = (50_000, 20, 20)


def _worker_setup() -> None:
    """Set up a worker process: it ends with the build (a build killed with SIGKILL leaves no worker
    behind holding its output pipes); the objects inherited from the parent (records, assessment,
    HTML) are never garbage, so the cyclic collector leaves them alone (``gc.freeze``; it would
    otherwise walk them on every full collection and copy their memory pages)."""
    _die_with_parent()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent dies (elsewhere: nothing to do)."""
    import ctypes
    import signal
    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


@contextlib.contextmanager
def steady_gc():
    """The same in the building process, undone afterwards: the records and the assessment (alive
    until the end) are left out of the collector's walks."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _init_worker(root: str, variant: str | None = None) -> None:
    _worker_setup()
    _init(root, variant)


def _init(root: str, variant: str | None = None) -> None:
    from kaohe_docs.render.renderer import PdfRenderer
    _worker.renderer = PdfRenderer(Path(root))
    _worker.variant = variant


def _render(job: tuple[str, str]):
    from kaohe_docs.render.renderer import RenderLog
    markup, identifier = job
    log = RenderLog()
    layout = _worker.renderer.layout(markup, log)
    data = _worker.renderer.write(layout, identifier, log, _worker.variant) if layout is not None else b""
    return data, log.warnings, log.refused


def render_each(root: Path, jobs: list[tuple[str, str]], workers: int | None = None, progress=None,
                variant: str | None = None):
    """Render every job, yielding (index, result) as each one is done, so that the caller can store a
    result and let it go (a whole quarter's PDFs never sit in memory together). One process when
    there is little to do."""
    workers = workers or os.cpu_count() or 1
    if not jobs:
        return
    if workers == 1 or len(jobs) == 1:
        _init(str(root), variant)
        for n, job in enumerate(jobs, 1):
            yield n - 1, _render(job)
            if progress:
                progress(n, len(jobs))
        return
    import weasyprint  # noqa: F401  imported once here, inherited by the forked workers
    # largest documents first balances the workers
    order = sorted(range(len(jobs)), key=lambda i: -len(jobs[i][0]))
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), initializer=_init_worker, initargs=(str(root), variant)) as pool:
        for done, (i, result) in enumerate(zip(order, pool.map(_render, [jobs[i] for i in order])), 1):
            yield i, result
            if progress:
                progress(done, len(jobs))


def render_all(root: Path, jobs: list[tuple[str, str]], workers: int | None = None, progress=None,
               variant: str | None = None) -> list:
    """Every job's result, in the jobs' order."""
    results: list = [None] * len(jobs)
    for i, result in render_each(root, jobs, workers, progress, variant):
        results[i] = result
    return results


def _render_into(job):
    """(markup, key, cache folder) → (the cached file or, if the cache cannot be written, the PDF
    bytes; warnings; refused URLs): the worker stores its result, nothing large comes back."""
    from kaohe_docs.render.layout_cache import LayoutCache
    markup, key, folder = job
    data, warnings, refused = _render((markup, key))
    if refused:
        return None, warnings, refused
    path = LayoutCache(folder).put(key, data, warnings)
    return (path if path is not None else data), warnings, refused


class Background:
    """Worker processes laying out documents while the caller goes on: the stamp overlays and every
    document whose layout is not cached start as soon as they are known, so WeasyPrint's start
    (about a second) and the layout of a changed document cost no extra wall time. Each result goes
    straight into the layout cache. ``warm()`` starts the workers before there is work (a build
    whose records changed starts WeasyPrint while they load); ``grow()`` adds workers for a
    larger batch. A job goes to the first worker that is free (jobs wait here, not in one pool's
    queue), so the pools finish together however unequal the documents are."""

    def __init__(self, root: Path, cache_folder: Path, workers: int | None = None):
        import threading
        from collections import deque
        self.root, self.folder = root, cache_folder
        self.pools: list[_Pool] = []
        self.waiting: deque = deque()  # (its future, job) not given to a pool yet
        self.lock = threading.RLock()  # a pool's thread finishes jobs while the caller adds some
        self._add_pool(workers or os.cpu_count() or 1)
        self.futures: dict = {}
        self.pending = 0  # jobs given and not finished

    def _add_pool(self, workers: int) -> None:
        pool = ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(str(self.root), None))
        self.pools.append(_Pool(pool, workers))

    def warm(self) -> "Background":
        """Start the newest pool's workers now (a forked pool starts all of them with its first job)."""
        import multiprocessing
        slot = self.pools[-1]
        before = set(multiprocessing.active_children())
        slot.pool.submit(int)
        slot.processes = list(set(multiprocessing.active_children()) - before)
        return self

    def grown(self) -> bool:
        """Whether more than the first pool is running."""
        return len(self.pools) > 1

    def grow(self, workers: int | None = None) -> None:
        """Add a pool of ``workers`` (default: one per core less the ones running) and start them."""
        with self.lock:
            running = sum(slot.workers for slot in self.pools)
            self._add_pool(workers or max(1, (os.cpu_count() or 1) - running))
            self.warm()
            self._dispatch()

    def add(self, name, markup: str, key: str) -> None:
        if name in self.futures:
            return
        future: Future = Future()
        self.futures[name] = future
        with self.lock:
            self.pending += 1
            self.waiting.append((future, (markup, key, self.folder)))
            self._dispatch()

    def _dispatch(self) -> None:
        """Give waiting jobs to the pools' free workers (and one more each, queued, so that a worker
        never waits for the next one)."""
        with self.lock:
            for slot in self.pools:
                while slot.running <= slot.workers and self.waiting:
                    future, job = self.waiting.popleft()
                    slot.running += 1
                    slot.given += 1
                    slot.pool.submit(_render_into, job).add_done_callback(functools.partial(self._finished, slot=slot,
                                                                                            future=future))

    def _finished(self, done: Future, slot: "_Pool", future: Future) -> None:
        with self.lock:
            slot.running -= 1
            self.pending -= 1
            self._dispatch()
        if done.cancelled():
            future.cancel()
        elif done.exception() is not None:
            future.set_exception(done.exception())
        else:
            future.set_result(done.result())

    def __contains__(self, name) -> bool:
        return name in self.futures

    def busy(self) -> bool:
        """Whether a job given is still waiting or being laid out."""
        return self.pending > 0

    def result(self, name):
        """(file or bytes, warnings, refused URLs) of the job ``name``, or None if it was not given."""
        future = self.futures.pop(name, None)
        return None if future is None else future.result()

    def close(self) -> None:
        """Wait for the workers to finish; a warmed pool that was never given work (nothing needed
        laying out) is stopped at once instead of being waited for while WeasyPrint starts."""
        with self.lock:
            self.waiting.clear()
        for slot in self.pools:
            if not slot.given:
                for process in slot.processes:
                    process.terminate()
            slot.pool.shutdown(wait=True, cancel_futures=True)


@dataclass
class _Pool:
    """One process pool of a ``Background``."""
    pool: ProcessPoolExecutor
    workers: int
    running: int = 0  # jobs given and not finished
    given: int = 0  # jobs given in all
    processes: list = field(default_factory=list)  # its worker processes (known once warmed)


# --- any function over many items, in forked workers ----------------------------------------------

def _run_task(index: int):
    assert _worker.task is not None  # set before the pool forked
    function, items = _worker.task
    return function(items[index])


def map_forked(function, items: list, workers: int | None = None, minimum: int = 64) -> list:
    """``[function(item) for item in items]`` over the cores, in forked worker processes that inherit
    the function and the items (nothing but the results is pickled). Fewer than ``minimum`` items,
    a single core, or no ``fork`` on this system: in this process."""
    import multiprocessing
    workers = min(workers or os.cpu_count() or 1, max(1, len(items) // max(1, minimum // 2)))
    if workers <= 1 or len(items) < minimum or "fork" not in multiprocessing.get_all_start_methods():
        return [function(item) for item in items]
    _worker.task = (function, items)
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                                 initializer=_worker_setup) as pool:
            return list(pool.map(_run_task, range(len(items)), chunksize=max(1, len(items) // (workers * 4))))
    finally:
        _worker.task = None


# --- stamping finished pages --------------------------------------------------------------------

@dataclass(frozen=True)
class Stamped:
    """A stamped PDF written to its file: its SHA-256 and page count, and the layout's page map
    when it was made while stamping (to be kept), else None. ``digest`` is None when a page's
    orientation needs an overlay nobody predicted: nothing was written, the caller stamps it with
    a stamper that can lay out that overlay."""
    digest: str | None
    pages: int = 0
    page_map: dict | None = None


def stamp_one(stamper, job) -> Stamped:
    """(layout: bytes or a file to read, its page map or None, Stamp, dest): the laid-out PDF
    stamped by ``stamper`` and written to ``dest``."""
    from kaohe_docs.render.stamp import map_pages
    source, page_map, stamp, dest = job
    before = stamper.pages
    layout = source.read_bytes() if isinstance(source, Path) else source
    made = None
    if page_map is None or page_map.get("length") != len(layout):
        page_map = made = map_pages(layout)
    try:
        appendix = stamper.appendix_from_map(page_map, stamp)
    except KeyError:
        return Stamped(None)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(dest, "wb") as fh:
        fh.write(layout)
        fh.write(appendix)
    digest = hashlib.sha256(layout)
    digest.update(appendix)
    return Stamped(digest.hexdigest(), stamper.pages - before, made)
