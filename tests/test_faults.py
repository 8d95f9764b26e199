"""Faults: interrupted builds, unwritable output, concurrent builds."""
from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kaohe_docs.errors import KaoheError
from kaohe_docs.model import Quarter
from kaohe_docs.pipeline import open_project
from kaohe_docs.render import build as build_module
from kaohe_docs.render.build import build_period

pytestmark = pytest.mark.slow  # PDF builds: excluded from the fast subset (-m 'not slow')

KAOHE = [sys.executable, "-m", "kaohe_docs.cli"]
Q1 = Quarter(2026, 1)


def snapshot(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def start_build(root: Path):
    # Ctrl-C as a person sends it: a test run started in the background by a shell (`… &`) inherits
    # SIGINT ignored, and Python then never raises KeyboardInterrupt; the build would simply finish.
    return subprocess.Popen([*KAOHE, "-C", str(root), "build", "2026Q1"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_a_killed_build_leaves_the_previous_output_and_the_next_build_is_correct(mini, sig):
    assert subprocess.run([*KAOHE, "-q", "-C", str(mini), "build", "2026Q1"], capture_output=True).returncode == 0
    before = snapshot(mini / "build/2026Q1")
    path = mini / "records/2026/Q1/units/solo.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("3: 96", "3: 95"), encoding="utf-8")
    proc = start_build(mini)
    deadline = time.time() + 30
    while not any(p.name.startswith(".2026Q1-") for p in (mini / "build").iterdir()):
        assert time.time() < deadline and proc.poll() is None, "the build never started writing"
        time.sleep(0.005)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode != 0
    assert snapshot(mini / "build/2026Q1") == before  # untouched
    assert "Traceback" not in err
    done = subprocess.run([*KAOHE, "-q", "-C", str(mini), "build", "2026Q1"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (mini / "build").iterdir()) == [".lock", "2026Q1", "index.html"]
    assert snapshot(mini / "build/2026Q1") != before  # the change is in


def test_output_that_cannot_be_written_is_a_clear_error(mini, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    result = subprocess.run([*KAOHE, "-C", str(mini), "build", "2026Q1", "--out", str(blocker / "out")],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.startswith(f"错误: 无法写入输出目录 {blocker / 'out'}：")
    assert "Traceback" not in result.stderr


def test_a_full_disk_keeps_the_previous_output(mini, monkeypatch):
    project = open_project(mini, use_cache=False)
    build_period(project, Q1, mini / "build")
    before = snapshot(mini / "build/2026Q1")
    original = build_module._write

    def full(path, data):
        if path.suffix == ".pdf" or path.name == "manifest.json":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return original(path, data)
    monkeypatch.setattr(build_module, "_write", full)
    path = mini / "records/2026/Q1/units/solo.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("3: 96", "3: 95"), encoding="utf-8")
    with pytest.raises(KaoheError, match="No space left on device"):
        build_period(open_project(mini, use_cache=False), Q1, mini / "build")
    assert snapshot(mini / "build/2026Q1") == before
    assert [p.name for p in (mini / "build").iterdir() if p.name.startswith(".2026Q1")] == []


def test_two_builds_at_once_are_serialised(mini):
    first, second = start_build(mini), start_build(mini)
    out1, err1 = first.communicate(timeout=120)
    out2, err2 = second.communicate(timeout=120)
    assert first.returncode == second.returncode == 0, err1 + err2
    assert "另一个生成任务正在进行，等待其完成" in err1 + err2
    assert out1 == out2  # same files listed
    assert sorted(p.name for p in (mini / "build").iterdir()) == [".lock", "2026Q1", "index.html"]
