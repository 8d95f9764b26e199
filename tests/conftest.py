"""Shared fixtures: throwaway records repositories built from tests/fixtures/mini."""
from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
PROJECT_ROOT = Path(__file__).parent.parent


@pytest.fixture(autouse=True, scope="session")
def _user_cache_in_tmp(tmp_path_factory):
    """Caches of repositories outside Git go to the user cache directory: a throwaway one here."""
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))


def write(root: Path, files: dict) -> None:
    """Write (dedented) files into a project; None deletes a file."""
    for rel, content in files.items():
        path = root / rel
        if content is None:
            path.unlink()
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True).stdout


def run(root: Path, *args: str):
    """``kaohe -C root …`` through Click's runner (stdout and stderr kept apart)."""
    from click.testing import CliRunner

    from kaohe_docs.cli import main
    return CliRunner().invoke(main, ["-C", str(root), *args], catch_exceptions=False)


def edit(root: Path, rel: str, old: str, new: str) -> None:
    """Replace the first ``old`` in a record file (which must contain it) by ``new``."""
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def commit_all(root: Path, message: str = "记录") -> None:
    if not (root / ".git").exists():
        git(root, "init", "-q", "-b", "main")
        git(root, "config", "user.name", "考核办")
        git(root, "config", "user.email", "kaohe@example.invalid")
    git(root, "add", "-A")
    env = {**os.environ, "GIT_AUTHOR_DATE": "2026-04-15T10:00:00+08:00", "GIT_COMMITTER_DATE": "2026-04-15T10:00:00+08:00"}
    subprocess.run(["git", "-C", str(root), "commit", "-q", "-m", message], check=True, capture_output=True, env=env)


@pytest.fixture(autouse=True)
def private_user_cache(tmp_path_factory, monkeypatch):
    """Outside Git the layout cache lives in the user cache: one per test, never the real one."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
    monkeypatch.delenv("KAOHE_CACHE_DIR", raising=False)


@pytest.fixture
def mini(tmp_path) -> Path:
    """A copy of the mini bureau (2 units, 4 people, 2026Q1 decided), not under Git."""
    root = tmp_path / "bureau"
    shutil.copytree(FIXTURES / "mini", root, ignore=shutil.ignore_patterns("build", ".cache"))
    return root


@pytest.fixture
def mini_git(mini) -> Path:
    """The mini bureau as a clean Git repository with one commit."""
    (mini / ".gitignore").write_text("build/\n.cache/\n", encoding="utf-8")
    commit_all(mini)
    return mini


@pytest.fixture(scope="session")
def built_mini(tmp_path_factory):
    """The mini bureau, committed and built once (2026Q1) for the read-only PDF tests: (root, result)."""
    from kaohe_docs.model import Quarter
    from kaohe_docs.pipeline import open_project
    from kaohe_docs.render.build import build_period
    root = tmp_path_factory.mktemp("built") / "bureau"
    shutil.copytree(FIXTURES / "mini", root, ignore=shutil.ignore_patterns("build", ".cache"))
    (root / ".gitignore").write_text("build/\n.cache/\n", encoding="utf-8")
    commit_all(root)
    return root, build_period(open_project(root, use_cache=False), Quarter(2026, 1), root / "build", bundle=True)


def outline_pages(reader) -> list[tuple[int, str, int]]:
    """(depth, title, page index) of every bookmark."""
    found = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.append((depth, item.title, reader.get_destination_page_number(item)))
    walk(reader.outline, 0)
    return found
