"""Rendering PDFs over all cores: a process pool, one WeasyPrint setup per worker.

Each job is (markup, identifier) → (pdf bytes, warnings, refused URLs). The font
configuration and URL fetcher are created once per worker process and reused.
"""
from __future__ import annotations

import contextlib
import gc
import hashlib
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

_renderer = None
_variant = None  # PDF variant ("pdf/a-2b" for the archive), or None


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
    global _renderer, _variant
    from kaohe_docs.render.renderer import PdfRenderer
    _renderer = PdfRenderer(Path(root))
    _variant = variant


def _render(job: tuple[str, str]):
    from kaohe_docs.render.renderer import RenderLog
    markup, identifier = job
    log = RenderLog()
    layout = _renderer.layout(markup, log)
    data = _renderer.write(layout, identifier, log, _variant) if layout is not None else b""
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
        self.pools: list[list] = []  # [pool, workers, jobs running, jobs given]
        self.waiting: deque = deque()  # (its future, job) not given to a pool yet
        self.lock = threading.RLock()  # a pool's thread finishes jobs while the caller adds some
        self._add_pool(workers or os.cpu_count() or 1)
        self.futures: dict = {}
        self.pending = 0  # jobs given and not finished

    def _add_pool(self, workers: int) -> None:
        pool = ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(str(self.root), None))
        self.pools.append([pool, workers, 0, 0])

    def warm(self) -> "Background":
        self.pools[-1][0].submit(int)  # forked pools start all their workers with the first job
        return self

    def grow(self, workers: int | None = None) -> None:
        """Add a pool of ``workers`` (default: one per core less the ones running) and start them."""
        with self.lock:
            running = sum(slot[1] for slot in self.pools)
            self._add_pool(workers or max(1, (os.cpu_count() or 1) - running))
            self.warm()
            self._dispatch()

    def add(self, name, markup: str, key: str) -> None:
        from concurrent.futures import Future
        if name in self.futures:
            return
        self.futures[name] = future = Future()
        with self.lock:
            self.pending += 1
            self.waiting.append((future, (markup, key, self.folder)))
            self._dispatch()

    def _dispatch(self) -> None:
        """Give waiting jobs to the pools' free workers (and one more each, queued, so that a worker
        never waits for the next one)."""
        with self.lock:
            for slot in self.pools:
                while slot[2] <= slot[1] and self.waiting:
                    future, job = self.waiting.popleft()
                    slot[2] += 1
                    slot[3] += 1
                    slot[0].submit(_render_into, job).add_done_callback(
                        lambda done, slot=slot, future=future: self._finished(done, slot, future))

    def _finished(self, done, slot: list, future) -> None:
        with self.lock:
            slot[2] -= 1
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
        for pool, _, _, given in self.pools:
            if not given:
                for process in list((getattr(pool, "_processes", None) or {}).values()):
                    process.terminate()
            pool.shutdown(wait=True, cancel_futures=True)


# --- any function over many items, in forked workers ----------------------------------------------

_task = None  # (function, items) for forked workers: inherited, never pickled


def _run_task(index: int):
    function, items = _task
    return function(items[index])


def map_forked(function, items: list, workers: int | None = None, minimum: int = 64) -> list:
    """``[function(item) for item in items]`` over the cores, in forked worker processes that inherit
    the function and the items (nothing but the results is pickled). Fewer than ``minimum`` items,
    a single core, or no ``fork`` on this system: in this process."""
    global _task
    import multiprocessing
    workers = min(workers or os.cpu_count() or 1, max(1, len(items) // max(1, minimum // 2)))
    if workers <= 1 or len(items) < minimum or "fork" not in multiprocessing.get_all_start_methods():
        return [function(item) for item in items]
    _task = (function, items)
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                                 initializer=_worker_setup) as pool:
            return list(pool.map(_run_task, range(len(items)), chunksize=max(1, len(items) // (workers * 4))))
    finally:
        _task = None


# --- stamping finished pages over all cores --------------------------------------------------------

_stamper = None


def _init_stamper(overlays: dict) -> None:
    from kaohe_docs.render.stamp import Stamper
    _worker_setup()
    init_stamper(Stamper(overlays))


def init_stamper(stamper) -> None:
    """Stamp with ``stamper`` in this process (``stamp_one``)."""
    global _stamper
    _stamper = stamper


def stamp_one(job):
    """(layout, its stamp plan or None, Stamp, dest): the laid-out PDF (bytes, or a file to read)
    stamped; written to ``dest`` → (SHA-256, pages, plan), or returned when ``dest`` is None →
    (bytes, pages, plan), where ``plan`` is the layout's stamp plan when it was made here (to be
    kept), else None; (None, 0, None) when a page's orientation needs an overlay nobody predicted
    (the caller stamps that one itself)."""
    from kaohe_docs.render.stamp import stamp_plan
    source, plan, stamp, dest = job
    before = _stamper.pages
    layout = source.read_bytes() if isinstance(source, Path) else source
    made = None
    if plan is None or plan.get("length") != len(layout):
        plan = made = stamp_plan(layout)
    try:
        appendix = _stamper.appendix_from_plan(plan, stamp)
    except KeyError:
        return None, 0, None
    pages = _stamper.pages - before
    if dest is None:
        return layout + appendix, pages, made
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(dest, "wb") as fh:
        fh.write(layout)
        fh.write(appendix)
    digest = hashlib.sha256(layout)
    digest.update(appendix)
    return digest.hexdigest(), pages, made


def stamp_all(overlays: dict, jobs: list, workers: int | None = None) -> list:
    """``stamp_one`` for every job, in a process pool when there are many pages; results in order."""
    workers = min(workers or os.cpu_count() or 1, len(jobs))
    if workers <= 1:
        _init_stamper(overlays)
        return [stamp_one(job) for job in jobs]
    chunk = max(1, len(jobs) // (workers * 8))
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_stamper, initargs=(overlays,)) as pool:
        return list(pool.map(stamp_one, jobs, chunksize=chunk))
