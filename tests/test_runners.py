"""The serial and the parallel runner run the same stages and build the same bytes."""
from __future__ import annotations

import shutil

import pytest

from kaohe_docs.model import Quarter
from kaohe_docs.pipeline import open_project
from kaohe_docs.render import layout_cache, pool
from kaohe_docs.render.build import build_period
from kaohe_docs.render.runner import ParallelRunner, SerialRunner, Thresholds

pytestmark = pytest.mark.slow  # PDF builds

Q1 = Quarter(2026, 1)


def _files(folder) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_serial_and_parallel_runners_build_identical_bytes_with_every_forked_path(mini, tmp_path, monkeypatch):
    """Thresholds forced low and two workers per pool: content and stamping in forked workers,
    a prestarted background that grows a second pool and lays out every changed document and the
    overlays, the rest of the layouts in a pool; against everything in one process."""
    other = tmp_path / "other"
    shutil.copytree(mini, other)
    pools: list = []

    class Recording(pool.ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            pools.append(getattr(kwargs.get("initializer"), "__name__", None))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(pool, "ProcessPoolExecutor", Recording)
    monkeypatch.setenv("KAOHE_CACHE_DIR", str(tmp_path / "serial-cache"))
    serial = build_period(open_project(mini, use_cache=False), Q1, mini / "build", runner=SerialRunner(),
                          bundle=True)
    assert pools == [] and serial.rendered == 13

    monkeypatch.setenv("KAOHE_CACHE_DIR", str(tmp_path / "parallel-cache"))
    runner = ParallelRunner(other, layout_cache.cache_dir(other), Thresholds(1, 1, 0), workers=2).warm()
    runner.grow()
    parallel = build_period(open_project(other, use_cache=False), Q1, other / "build", runner=runner, bundle=True)
    assert parallel.rendered == 13
    # the prestarted background and its second pool, forked content, forked pages and stamping
    assert pools.count("_init_worker") >= 2 and pools.count("_worker_setup") == 2

    assert _files(mini / "build") == _files(other / "build")
    assert len(_files(mini / "build")) == 2 * 13 + 4  # PDF and HTML per document, bundle, manifest, index, .lock


def test_a_parallel_build_with_layouts_in_a_pool_equals_the_serial_one(mini, tmp_path, monkeypatch):
    """No background: the changed documents are laid out by ``render_each`` over two workers."""
    other = tmp_path / "other"
    shutil.copytree(mini, other)
    monkeypatch.setenv("KAOHE_CACHE_DIR", str(tmp_path / "serial-cache"))
    build_period(open_project(mini, use_cache=False), Q1, mini / "build", runner=SerialRunner())
    monkeypatch.setenv("KAOHE_CACHE_DIR", str(tmp_path / "parallel-cache"))

    class NoBackground(ParallelRunner):
        def start_layouts(self, keyed, workers=None):
            pass

    runner = NoBackground(other, layout_cache.cache_dir(other), Thresholds(1, 1, 0), workers=2)
    build_period(open_project(other, use_cache=False), Q1, other / "build", runner=runner)
    assert _files(mini / "build") == _files(other / "build")
