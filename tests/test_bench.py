"""bench/bench.py reaches into the build's internals (the stamper, the layout cache): a smoke run of those parts
on the mini bureau, so that a change of those internals cannot leave the benchmark broken unnoticed."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench.py"


def _bench():
    spec = importlib.util.spec_from_file_location("kaohe_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_the_stamp_comparison_runs_on_a_built_bureau(built_mini):
    root, _ = built_mini
    figures = _bench().stamp_libraries(root, limit=3)
    assert set(figures) == {"planned", "incremental", "pikepdf", "pypdf"}
    assert all(value > 0 for value in figures.values())  # ms per page of each way of stamping


def test_the_build_timing_script_is_valid_python():
    """The code bench.py runs in a fresh process for each build is generated text: it must compile."""
    code = _bench().build_code(Path("/tmp/bureau"), "2026Q1", bundle=True)
    compile(code, "<bench build>", "exec")
