"""Issue 27: papers the committee signs without a correction — read back from the PDFs of the mini
bureau and of the stress bureau (texts at their limits, tests/stress.py)."""
from __future__ import annotations

import re
from pathlib import Path

import pdfplumber
import pytest

from conftest import commit_all, write
from stress import LONG_NAME, LONG_POSITION, make_stress
from kaohe_docs.model import Quarter
from kaohe_docs.pipeline import open_project
from kaohe_docs.render.build import build_period

Q1 = Quarter(2026, 1)
SIGNATURE = ("签字（盖章）", "审定等次", "主要领导签字", "回执")


@pytest.fixture(scope="module")
def stress_build(tmp_path_factory):
    root = make_stress(tmp_path_factory.mktemp("stress") / "bureau")
    (root / ".gitignore").write_text("build/\n.cache/\n", encoding="utf-8")
    commit_all(root)
    result = build_period(open_project(root, use_cache=False), Q1, root / "build")
    return root, result


def pages_text(path: Path) -> list[str]:
    with pdfplumber.open(path) as pdf:
        return ["".join((page.extract_text() or "").split()) for page in pdf.pages]


def pdfs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.pdf") if not p.name.startswith("00-"))


# -- 1. signature and seal blocks share their page with data ------------------------------------

@pytest.mark.slow
def test_stress_build_has_no_signature_alone(stress_build):
    root, result = stress_build
    assert [d for d in result.diagnostics if "版面" in d.message] == []
    for path in pdfs(root / "build/2026Q1"):
        for number, text in enumerate(pages_text(path), 1):
            if any(mark in text for mark in SIGNATURE):
                data = re.sub("|".join(SIGNATURE) + r"|年月日|本人签字|签字|（盖章）|第\d+页共\d+页|记录库提交.*", "", text)
                assert len(data) > 40, f"{path.name} 第 {number} 页只有签字盖章栏：{text}"


@pytest.mark.slow
def test_registration_decision_rows_stay_with_the_scores(stress_build):
    root, _ = stress_build
    pages = pages_text(root / "build/2026Q1/05-登记表/01-政工室.pdf")
    assert len(pages) >= 3  # the 1,925-character 个人小结 continues on a second page
    for text in pages:
        if "审定等次" in text:
            assert "总分" in text and "主要领导签字" in text


@pytest.mark.slow
def test_signature_alone_is_reported_by_the_build(mini_git):
    """A bureau's template that pushes the signature boxes onto their own page: the build says so,
    naming the document and the page, also when the PDF is reused from an earlier build."""
    write(mini_git, {"templates/brief.html": '{% extends "table.html" %}\n'
                                             '{% block after_table %}<div style="break-before: page"></div>{% endblock %}\n'})
    commit_all(mini_git, "模板")
    expected = ("2026Q1/简明情况登记表/zhengong", "版面：第 2 页只有签字盖章栏，没有所签的内容；签字盖章栏须与表格内容同页，"
                "请检查模板的分页规则（break-before: avoid）")
    for _ in range(2):
        result = build_period(open_project(mini_git), Q1, mini_git / "build")
        found = [(d.file, d.message) for d in result.diagnostics if "版面" in d.message]
        assert expected in found
