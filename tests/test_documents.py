"""Every document of the quarter: PDF facts read back, and golden HTML snapshots.

Regenerate the snapshots after an intended change with ``KAOHE_UPDATE_GOLDEN=1 scripts/test``
and review the diff of tests/golden/ like any other change.
"""
from __future__ import annotations

import os
from pathlib import Path

import pypdf
import pytest

from conftest import outline_pages
from kaohe_docs.errors import KaoheError
from kaohe_docs.model import Quarter
from kaohe_docs.pipeline import open_project
from kaohe_docs.render.build import build_period

GOLDEN = Path(__file__).parent / "golden"
Q1 = Quarter(2026, 1)


@pytest.fixture
def quarter_set(built_mini):
    root, result = built_mini
    assert result.diagnostics == []
    return root / "build/2026Q1"


def text_of(path: Path) -> tuple[int, str]:
    reader = pypdf.PdfReader(path)
    return len(reader.pages), "".join("".join(page.extract_text().split()) for page in reader.pages)


@pytest.mark.parametrize("path, pages, expected", [
    ("11-名额表.pdf", 1, ["清河县公安局各单位“好”等次名额表", "2026年第一季度", "政工室240%0.800.81", "法制室140%0.400.41",
                       "全局340%1.201.21", "累计名额大于0、小于1的，可报送1名“好”等次人员"]),
    ("02-对象情况表.pdf", 1, ["平时考核对象情况表", "政工室", "法制室", "张伟：长期病假", "合计", "不计入参加人数"]),
    ("03-比例使用申报表.pdf", 1, ["优秀等次比例使用申报表", "40%", "0.4", "-0.6", "-0.2", "刘洋", "王志强",
                             "各所室队合计31.201.222", "推荐未通过", "全局340%1.201.211", "推荐人选经局党委研究未获通过的，占用该所室队名额"]),
    ("04-结果登记表/02-法制室.pdf", 1, ["刘洋", "95.60", "推荐未通过（占用名额）", "可报1名"]),
    ("05-登记表/01-政工室.pdf", 2, ["王志强", "1978.03", "认真履行职责。", "德（20）", "原始分94×40%=37.60",
                               "1月95；2月96；3月94", "嘉奖：春节安保（1分，清公政〔2026〕3号）", "95.60", "可评“好”",
                               "李娜", "1990.11", "89.00", "本人签字", "（盖章）"]),
    ("06-简明情况登记表/01-政工室.pdf", 1, ["王志强", "李娜", "张伟", "不确定等次：长期病假", "认真履行职责", "较好",
                                     "单位：政工室"]),
    ("06-简明情况登记表/02-法制室.pdf", 1, ["刘洋", "95.60", "较好"]),
    ("07-反馈通知/01-政工室.pdf", 2, ["王志强同志：", "总分为95.60分，等次为“好”", "回执", "李娜同志："]),
])
@pytest.mark.slow
def test_quarter_document_facts(quarter_set, path, pages, expected):
    count, text = text_of(quarter_set / path)
    assert count == pages
    for fragment in expected:
        assert fragment in text, fragment


@pytest.mark.slow
def test_bundle_has_every_page_and_a_bookmark_per_document_and_person(quarter_set):
    reader = pypdf.PdfReader(quarter_set / "00-打印合订本.pdf")
    singles = [p for p in quarter_set.rglob("*.pdf") if p.name != "00-打印合订本.pdf"]
    assert len(reader.pages) == sum(len(pypdf.PdfReader(p).pages) for p in singles) == 17
    titles = [("  " * depth) + title for depth, title, _ in outline_pages(reader)]
    assert titles[:4] == ["清河县公安局2026年第一季度各单位“好”等次名额表",
                          "关于清河县公安局2026年第一季度平时考核“好”等次人员的公示",
                          "清河县公安局2026年第一季度平时考核对象情况表",
                          "清河县公安局2026年第一季度平时考核优秀等次比例使用申报表"]
    assert "清河县公安局2026年第一季度平时考核登记表（政工室）" in titles
    assert "  王志强" in titles and "  李娜" in titles
    assert reader.metadata.title == "清河县公安局2026年第一季度平时考核文书合订本"


@pytest.mark.slow
def test_index_lists_documents_with_provenance(quarter_set):
    index = (quarter_set.parent / "index.html").read_text(encoding="utf-8")
    assert "2026Q1/01-公示.pdf" in index and "打印合订本" in index and "记录库提交" in index


@pytest.mark.slow
def test_personal_data_only_where_needed(quarter_set):
    _, publicity = text_of(quarter_set / "01-公示.pdf")
    _, ledger = text_of(quarter_set / "03-比例使用申报表.pdf")
    for text in (publicity, ledger):
        assert "1978" not in text and "1990" not in text  # birth dates only on the 登记表


def body(markup: str) -> str:
    start = markup.index("<body")
    return markup[start:markup.index("</body>", start) + len("</body>")] + "\n"


def snapshot_paths(root: Path):
    return sorted(p for p in root.rglob("*.html"))


def test_golden_html_snapshots(mini):
    """HTML (body) of every document of the mini quarter, built outside Git (a draft with fixed dates)."""
    result = build_period(open_project(mini, use_cache=False), Q1, mini / "build", pdf=False)
    built = mini / "build/2026Q1"
    # the <body> of each document: the shared stylesheet is inlined in every file and tested on its own
    produced = {p.relative_to(built).as_posix(): body(p.read_text(encoding="utf-8")) for p in snapshot_paths(built)}
    assert len(produced) == len([f for f in result.files if f.suffix == ".html"]) == 13
    golden_dir = GOLDEN / "2026Q1"
    if os.environ.get("KAOHE_UPDATE_GOLDEN"):
        for rel, text in produced.items():
            (golden_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            (golden_dir / rel).write_text(text, encoding="utf-8")
    expected = {p.relative_to(golden_dir).as_posix(): p.read_text(encoding="utf-8") for p in snapshot_paths(golden_dir)}
    assert sorted(produced) == sorted(expected)
    for rel in produced:
        assert produced[rel] == expected[rel], rel


@pytest.mark.slow
def test_annual_documents(built_mini):
    """The year's papers for the mini bureau (only Q1 recorded): facts read back from the PDFs."""
    root, _ = built_mini
    result = build_period(open_project(root, use_cache=False), 2026, root / "build")
    assert [d.message for d in result.diagnostics] == ["2026年第四季度尚未审定：年度文书根据前 1 个季度的结果生成，均为草稿"]
    with pytest.raises(KaoheError, match="2026年第四季度尚未审定，年度文书只能作为草稿生成；请去掉 --final"):
        build_period(open_project(root, use_cache=False), 2026, root / "build", final=True)
    year = root / "build/2026"
    # no records/2026/annual.yaml: no publicity, only the 考核办's worksheet of who is eligible, a draft
    assert not (year / "01-年度优秀人选公示.pdf").exists()
    count, text = text_of(year / "02-年度优秀资格审查表.pdf")
    assert count == 1 and "清河县公安局2026年度考核“优秀”人选资格审查工作表" in text
    assert "政工室王志强好———1/1" in text and "李娜" not in text
    assert "根据前1个季度已审定的平时考核结果统计，第四季度审定前为草稿" in text and "草稿" in text
    _, summary = text_of(year / "03-年度结果汇总.pdf")
    assert "Q1好" in summary and "全局" in summary
    _, flags = text_of(year / "04-年度等次提示名单.pdf")
    assert "（无）" in flags
    _, stats = text_of(year / "05-年度统计.pdf")
    assert "各季度等次分布（人）" in stats and "33.3%" in stats
    _, unit = text_of(year / "06-年度结果登记表/01-政工室.pdf")
    assert "王志强" in unit and "不确定等次" in unit
    assert "“好”1次，“较好”0次，“一般”0次，“较差”0次" in unit
    _, extract = text_of(year / "07-年度平时考核情况摘录/01-政工室.pdf")
    assert "王志强" in extract and "年度平时考核情况：“好”1次，“较好”0次，“一般”0次，“较差”0次" in extract
