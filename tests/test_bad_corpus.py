"""The bad-input corpus (tests/bad/): every case gives its exact expected output, never a traceback."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURES
from kaohe_docs.cli import main

CORPUS = Path(__file__).parent / "bad"
CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())


def prepare(case: Path, root: Path) -> None:
    shutil.copytree(FIXTURES / "mini", root, ignore=shutil.ignore_patterns("build", ".cache"))
    overlay = case / "overlay"
    if overlay.is_dir():
        shutil.copytree(overlay, root, dirs_exist_ok=True)
    spec = json.loads((case / "case.json").read_text(encoding="utf-8")) if (case / "case.json").exists() else {}
    for rel in spec.get("delete", []):
        (root / rel).unlink()
    for rel in spec.get("mkdir", []):
        (root / rel).mkdir()
    if "fill" in spec:
        rel, size = spec["fill"]
        (root / rel).write_bytes(b"#" * size)


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 40


@pytest.mark.parametrize("name", CASES)
def test_bad_input(name, tmp_path):
    case = CORPUS / name
    root = tmp_path / "bureau"
    prepare(case, root)
    result = CliRunner().invoke(main, ["-C", str(root), "check"])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    produced = f"exit {result.exit_code}\n{result.stderr}"
    assert "Traceback" not in produced
    expected_file = case / "expected.txt"
    if os.environ.get("KAOHE_UPDATE_GOLDEN"):
        expected_file.write_text(produced, encoding="utf-8")
    assert produced == expected_file.read_text(encoding="utf-8")
