"""Rendering PDFs over all cores: a process pool, one WeasyPrint setup per worker.

Each job is (markup, identifier) → (pdf bytes, warnings, refused URLs). The font
configuration and URL fetcher are created once per worker process and reused.
"""
from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

_renderer = None
_variant = None  # PDF variant ("pdf/a-2b" for the archive), or None


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


def render_all(root: Path, jobs: list[tuple[str, str]], workers: int | None = None, progress=None,
               variant: str | None = None):
    """Render every job; results in the jobs' order. One process when there is little to do."""
    workers = workers or os.cpu_count() or 1
    if not jobs:
        return []
    if workers == 1 or len(jobs) == 1:
        _init(str(root), variant)
        results = []
        for n, job in enumerate(jobs, 1):
            results.append(_render(job))
            if progress:
                progress(n, len(jobs))
        return results
    import weasyprint  # noqa: F401  imported once here, inherited by the forked workers
    # largest documents first balances the workers; results are put back in order
    order = sorted(range(len(jobs)), key=lambda i: -len(jobs[i][0]))
    results: list = [None] * len(jobs)
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs)), initializer=_init, initargs=(str(root), variant)) as pool:
        for done, (i, result) in enumerate(zip(order, pool.map(_render, [jobs[i] for i in order])), 1):
            results[i] = result
            if progress:
                progress(done, len(jobs))
    return results


# --- stamping finished pages over all cores --------------------------------------------------------

_stamper = None


def _init_stamper(overlays: dict) -> None:
    global _stamper
    from kaohe_docs.render.stamp import Stamper
    _stamper = Stamper(overlays)


def _stamp(job):
    layout, stamp = job
    before = _stamper.pages
    try:
        return _stamper.apply(layout, stamp), _stamper.pages - before
    except KeyError:  # a page orientation nobody predicted: the caller stamps this one itself
        return None, 0


def stamp_all(overlays: dict, jobs: list, workers: int | None = None) -> list:
    """(stamped PDF, pages) for (layout bytes, Stamp) jobs in a process pool; None where an overlay was missing.

    Only worth it for many pages: a small batch is stamped in the calling process.
    """
    workers = min(workers or os.cpu_count() or 1, len(jobs))
    if workers <= 1:
        _init_stamper(overlays)
        return [_stamp(job) for job in jobs]
    chunk = max(1, len(jobs) // (workers * 8))
    with ProcessPoolExecutor(max_workers=workers, initializer=_init_stamper, initargs=(overlays,)) as pool:
        return list(pool.map(_stamp, jobs, chunksize=chunk))
