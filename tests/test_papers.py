"""Issue 27: papers the committee signs without a correction — read back from the PDFs of the mini
bureau and of the stress bureau (texts at their limits, tests/stress.py)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pdfplumber
import pypdf
import pytest

from conftest import commit_all, outline_pages, write
from kaohe_docs.documents.bureau import quota_usage
from kaohe_docs.model import Quarter
from kaohe_docs.pipeline import open_project
from kaohe_docs.render.build import build_period
from stress import LONG_NAME, LONG_POSITION, LONG_REASON, long_summary, make_stress

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


# -- 2. no record text is cut ------------------------------------------------------------------

@pytest.mark.slow
def test_no_text_is_cut_and_long_texts_continue(stress_build):
    root, _ = stress_build
    folder = root / "build/2026Q1"
    for path in pdfs(folder):
        assert "…" not in "".join(pages_text(path)), path.name
    brief = "".join(cell for row in table_rows(folder / "06-简明情况登记表/01-政工室.pdf") for cell in row)
    assert "".join(LONG_REASON.split()) in brief  # the committee's reason, whole
    assert long_summary().split("。")[0] + "。" in brief  # 简要表现: the first sentence, whole
    registration = "".join(pages_text(folder / "05-登记表/01-政工室.pdf"))
    assert long_summary()[-60:] in registration  # the 1,925-character 个人小结 to its end


def table_rows(path: Path) -> list[list[str]]:
    with pdfplumber.open(path) as pdf:
        return [["".join((cell or "").split()) for cell in row]
                for page in pdf.pages for table in page.extract_tables() for row in table]


@pytest.mark.slow
def test_brief_grade_column_and_committee_addition(stress_build):
    root, _ = stress_build
    rows = table_rows(root / "build/2026Q1/06-简明情况登记表/01-政工室.pdf")
    header = rows[0]
    grade, remark = header.index("审定等次"), header.index("简要表现")
    external = next(row for row in rows if row[1] == "赵敏")
    assert external[grade] == "较好（外单位）"
    added = next(row for row in rows if row[1] == LONG_NAME)
    assert added[grade] == "好"
    assert added[remark].startswith("所室队建议“较好”（名额所限），局党委在推荐人选以外确定为“好”（党委增加，不占所室队名额），理由：")
    assert "建议“较好”，理由" not in added[remark]
    post = header.index("职务（职级）")
    assert added[post] == f"{LONG_POSITION}（二级高级警长）"


# -- 4. 反馈通知: the appeal path open on the day of delivery, wording per grade, reasons ----------

def letters(path: Path) -> dict[str, str]:
    """Each person's letter in a 反馈通知 PDF: name → its text (a letter begins with "××同志：")."""
    text = "".join(pages_text(path))
    parts = re.split(r"(?=清河县公安局平时考核结果反馈通知)", text)
    found = {}
    for part in parts:
        match = re.search(r"通知(.+?)同志：", part)
        if match:
            found[match.group(1)] = part
    return found


@pytest.mark.slow
def test_feedback_letters_tell_the_appeal_path_and_why(stress_build):
    root, _ = stress_build
    zhengong = letters(root / "build/2026Q1/07-反馈通知/01-政工室.pdf")
    solo = letters(root / "build/2026Q1/07-反馈通知/02-法制室.pdf")
    # 好: told by the committee's addition, and no appeal path offered
    added = zhengong[LONG_NAME]
    assert "所室队未推荐你为“好”等次人选，局党委（考核委）研究决定，在推荐人选以外确定你为“好”等次，理由：" in added
    assert "复核申请" not in added and "公示期内" not in added
    assert "复核申请" not in zhengong["王志强"]
    # rejected by the committee: why, and the appeal period from the day of the talk (2026-04-23, a Thursday):
    # five working days from the next day: 4-24, 4-27 … 4-30
    rejected = solo["刘洋"]
    assert "所室队推荐你为“好”等次人选，经局党委（考核委）研究未予通过，审定为“较好”，理由：全局“好”等次名额所限，经局党委研究未通过。" in rejected
    assert ("对考核结果有异议的，可以自收到本通知之日起5个工作日内（本通知于2026年4月23日送达，截至2026年4月30日）"
            "向清河县公安局平时考核工作委员会办公室书面提出复核申请") in rejected
    assert all("公示期内" not in letter for letter in (*zhengong.values(), *solo.values()))


def test_appeal_period_counts_working_days_after_receipt(example):
    """书面送达 received on Friday 2026-04-24: the period runs 4-27 … 4-30 and, after the 劳动节 holiday, 5-6."""
    import datetime as dt

    from kaohe_docs.documents.personal import _appeal_path
    from kaohe_docs.model import Feedback, FeedbackMethod
    a = example.assessment
    result = next(r for r in a.quarter_results(Quarter(2026, 1)) if r.final is not None and r.final.value == "较好")
    record = Feedback(result.entry.person_id, FeedbackMethod.WRITTEN, dt.date(2026, 4, 23), dt.date(2026, 4, 24),
                      None, False, None)
    path = _appeal_path(a, result, record)
    assert (path["days"], path["received"], path["until"], path["open"]) == (5, "2026年4月24日", "2026年5月6日", True)
    unreceived = _appeal_path(a, result, Feedback(result.entry.person_id, FeedbackMethod.WRITTEN, dt.date(2026, 4, 23),
                                                  None, None, False, None))
    assert (unreceived["received"], unreceived["until"]) == ("", "")


def test_letter_after_a_review_points_to_its_answer_not_a_second_one(example):
    """复核 once: a result already appealed (answered or pending) is not offered another 复核."""
    import dataclasses
    import datetime as dt

    from kaohe_docs.documents.personal import _appeal_path
    from kaohe_docs.model import Appeal, AppealOutcome
    a = example.assessment
    result = next(r for r in a.quarter_results(Quarter(2026, 1)) if r.final is not None and r.final.value == "较好")
    appeal = Appeal(result.entry.person_id, dt.date(2026, 4, 27), "不服", None, None, None, None, result.entry.src)
    pending = _appeal_path(a, dataclasses.replace(result, appeal=appeal), None)
    answered = _appeal_path(a, dataclasses.replace(result, appeal=dataclasses.replace(
        appeal, outcome=AppealOutcome.UPHELD, reason="维持", replied=dt.date(2026, 4, 30))), None)
    assert (pending["state"], pending["open"]) == ("pending", False)
    assert (answered["state"], answered["open"]) == ("answered", False)
    assert _appeal_path(a, result, None)["open"] is True


def test_appeal_answer_is_in_the_second_person(example):
    from kaohe_docs.documents.personal import appeal_notices
    for quarter in (Quarter(2026, 2), Quarter(2026, 3)):
        for doc in appeal_notices(example.assessment, quarter):
            for person in doc.context["people"]:
                assert "该同志" not in person["reason"] + person["grounds"]
                assert "本人" not in person["grounds"]


# -- 3. the 申报表's bureau row follows from the unit rows --------------------------------------

@pytest.fixture(scope="module")
def example():
    return open_project(Path(__file__).parent.parent, use_cache=False)


def _number(cell) -> Decimal:
    return Decimal(str(cell or "0").lstrip("+"))


@pytest.mark.parametrize("quarter", [Quarter(2026, q) for q in (1, 2, 3, 4)])
def test_quota_usage_reconciles_units_with_the_bureau(example, quarter):
    """各所室队合计 + the difference lines = 全局, column by column (推荐/使用, 上季度结转, 累计, 结转), for
    every quarter of the example (2026Q2 and Q3 have committee additions, Q4 carries them in)."""
    doc = quota_usage(example.assessment, quarter)
    totals = doc.context["totals"]
    assert [row[0] for row in totals][0] == "各所室队合计" and totals[-1][0] == "全局"
    assert doc.context["rows"] and all(row[0] not in ("全局", "各所室队合计") for row in doc.context["rows"])
    for column in (4, 5, 7, 12):  # 上季度结转, 累计名额, 推荐/使用, 结转下季度
        assert sum(_number(row[column]) for row in totals[:-1]) == _number(totals[-1][column]), (quarter, column)
    units = sum(_number(row[7]) for row in doc.context["rows"])
    assert units == _number(totals[0][7])


def test_quota_usage_names_the_committee_additions_on_their_own_line(example):
    doc = quota_usage(example.assessment, Quarter(2026, 3))
    line = next(row for row in doc.context["totals"] if row[0] == "局党委增加")
    additions = [pid for (u, q), row in example.assessment.unit_ledgers.items() if q == Quarter(2026, 3) for pid in row.additions]
    assert line[7] == f"+{len(additions)}" and list(line[11]) == [example.assessment.bureau.people[i].name for i in additions]
    q4 = quota_usage(example.assessment, Quarter(2026, 4))
    assert any(row[0] == "以前季度差额" for row in q4.context["totals"])
    assert any(note.startswith("以前季度差额：本年以前各季度") for note in q4.context["notes"])


# -- 6. fonts: the glyph check per font role ---------------------------------------------------

def gb2312(char: str) -> bool:
    """In GB2312's repertoire: both bytes of its GBK (cp936) code in 0xA1–0xFE, or ASCII."""
    try:
        code = char.encode("gbk")
    except UnicodeEncodeError:
        return False
    return len(code) == 1 or all(0xA1 <= b <= 0xFE for b in code)


def gb2312_font(folder: Path, family: str) -> Path:
    """A GB2312-only face (like a licensed 仿宋_GB2312): the free LXGW WenKai subset with fontTools to the
    GB2312 characters that the templates, the code and the fixture records use, renamed ``family``."""
    from fontTools import subset
    from fontTools.ttLib import TTFont
    source = subprocess.run(["fc-match", "-f", "%{file}", "LXGW WenKai:style=Regular"], capture_output=True,
                            text=True, check=True).stdout
    here = Path(__file__).parent
    text = set()
    for path in [*(here.parent / "src/kaohe_docs").rglob("*"), *(here / "fixtures/mini").rglob("*"), here / "stress.py"]:
        if path.is_file() and path.suffix in (".py", ".html", ".css", ".yaml"):
            text |= set(path.read_text(encoding="utf-8"))
    font = TTFont(source)
    options = subset.Options()
    options.name_IDs = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in text if gb2312(c)] + list(range(0x20, 0x7F)))
    subsetter.subset(font)
    for record in font["name"].names:
        if record.nameID in (1, 4, 16):
            record.string = family
        elif record.nameID == 6:
            record.string = "GB2312TestFangSong"
    folder.mkdir(parents=True, exist_ok=True)
    font.save(folder / "gb2312-test.ttf")
    return folder / "gb2312-test.ttf"


@pytest.mark.slow
def test_character_missing_from_a_roles_font_is_an_error_unless_a_fallback_is_declared(tmp_path, mini_git):
    """With a GB2312-only 仿宋 for the body role, the name 欧阳祎喆 (祎 and 喆 are GBK) is not printed half in
    a fallback face: the build fails naming the person and the characters; a declared fallback passes, and
    the PDF then holds exactly the declared faces."""
    family = "测试仿宋_GB2312"
    gb2312_font(tmp_path / "fonts", family)
    (tmp_path / "fonts.conf").write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f'<dir>{tmp_path / "fonts"}</dir>\n<cachedir>{tmp_path / "fc-cache"}</cachedir>\n</fontconfig>\n',
        encoding="utf-8")
    env = {**os.environ, "FONTCONFIG_FILE": str(tmp_path / "fonts.conf"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    for rel in ("records/roster.yaml", "records/2026/Q1/units/zhengong.yaml"):
        path = mini_git / rel
        path.write_text(path.read_text(encoding="utf-8").replace("王志强", "欧阳祎喆"), encoding="utf-8")
    policy = mini_git / "policy/policy.yaml"
    text = policy.read_text(encoding="utf-8")
    body = re.search(r"^  body: .*$", text, re.M).group()
    policy.write_text(text.replace(body, f"  body: [{family}, Noto Serif CJK SC]"), encoding="utf-8")
    commit_all(mini_git, "GB2312 仿宋")
    kaohe = [sys.executable, "-m", "kaohe_docs.cli", "build", "2026Q1"]
    failed = subprocess.run(kaohe, cwd=mini_git, env=env, capture_output=True, text=True)
    assert failed.returncode == 1, failed.stderr
    assert "《清河县公安局2026年第一季度平时考核结果反馈通知（政工室）》第 1 页（欧阳祎喆）“祎”（U+794E" in failed.stderr
    assert "“喆”（U+5586" in failed.stderr and f"在字体“{family}”中没有" in failed.stderr
    assert "Traceback" not in failed.stderr and not (mini_git / "build/2026Q1").exists()

    policy.write_text(policy.read_text(encoding="utf-8").replace(
        f"  body: [{family}, Noto Serif CJK SC]", f"  body: [{family}, Noto Serif CJK SC]\n  fallback: [Noto Serif CJK SC]"),
        encoding="utf-8")
    commit_all(mini_git, "补字字体")
    built = subprocess.run(kaohe, cwd=mini_git, env=env, capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    with pdfplumber.open(mini_git / "build/2026Q1/07-反馈通知/01-政工室.pdf") as pdf:
        faces = {c["fontname"].split("+")[-1] for c in pdf.pages[0].chars}
        zhe = {c["fontname"].split("+")[-1] for c in pdf.pages[0].chars if c["text"] in "祎喆"}
    assert zhe == {"Noto-Serif-CJK-SC"} and family in faces  # 欧阳 in the 仿宋, 祎喆 in the declared fallback


@pytest.mark.slow
def test_fonts_read_back_have_no_japanese_or_fallback_faces(tmp_path, mini_git):
    """Every PDF of the quarter and the year (the chart included): only the policy's faces, no Noto Sans CJK JP,
    no DejaVu."""
    project = open_project(mini_git, use_cache=False)
    for period in (Q1, 2026):
        result = build_period(project, period, mini_git / "build")
        for path in pdfs(result.folder):
            reader = pypdf.PdfReader(path)
            names = set()
            for page in reader.pages:
                for font in (page["/Resources"].get("/Font") or {}).values():
                    names.add(str(font.get_object()["/BaseFont"]))
                xobjects = page["/Resources"].get("/XObject") or {}
                for x in xobjects.values():
                    fonts = (x.get_object().get("/Resources") or {}).get("/Font") or {}
                    names |= {str(f.get_object()["/BaseFont"]) for f in fonts.values()}
            assert names and not [n for n in names if "JP" in n or "DejaVu" in n], (path.name, names)


# -- 7. print: duplex bundle, binding margin ---------------------------------------------------

@pytest.mark.slow
def test_duplex_bundle_starts_every_document_and_person_on_a_recto(tmp_path):
    root = make_stress(tmp_path / "bureau")
    policy = root / "policy/policy.yaml"
    policy.write_text(policy.read_text(encoding="utf-8") + "\nprint:\n  duplex: true\n  binding_margin: 30\n"
                      "titles:\n  登记表: 清河县公务员平时考核登记表\n", encoding="utf-8")
    (root / ".gitignore").write_text("build/\n.cache/\n", encoding="utf-8")
    commit_all(root)
    result = build_period(open_project(root, use_cache=False), Q1, root / "build", bundle=True)
    assert [d for d in result.diagnostics if d.level == "error"] == []
    folder = root / "build/2026Q1"
    # in each document, each person's form begins on a recto (an even index), blank versos between
    registration = pypdf.PdfReader(folder / "05-登记表/01-政工室.pdf")
    starts = [page for depth, _, page in outline_pages(registration) if depth == 1]
    assert starts == [0, 4], starts
    assert "".join(registration.pages[0].extract_text().split()).startswith("清河县公务员平时考核登记表")  # the county's title  # 王志强's 1,925-character 个人小结 takes three pages, then a blank verso
    with pdfplumber.open(folder / "05-登记表/01-政工室.pdf") as pdf:
        assert not pdf.pages[3].edges and "（续）" not in (pdf.pages[3].extract_text() or "")
    # the binding edge: 30 mm on the left of a recto, on the right of a verso
    with pdfplumber.open(folder / "05-登记表/01-政工室.pdf") as pdf:
        recto, verso = pdf.pages[0], pdf.pages[1]
        assert min(e["x0"] for e in recto.edges) == pytest.approx(30 * 72 / 25.4, abs=1)
        assert 210 * 72 / 25.4 - max(e["x1"] for e in verso.edges) == pytest.approx(30 * 72 / 25.4, abs=1)
    # the bundle: every document on a recto, the landscape documents together at the end
    bundle = pypdf.PdfReader(folder / "00-打印合订本.pdf")
    documents = [(title, page) for depth, title, page in outline_pages(bundle) if depth == 0]
    assert all(page % 2 == 0 for _, page in documents), documents
    landscape = [page.mediabox.width > page.mediabox.height for page in bundle.pages]
    first = landscape.index(True)
    assert all(landscape[first:]) and not any(landscape[:first])


def test_form_titles_are_policy_and_unknown_forms_are_reported(mini):
    from conftest import run
    policy = mini / "policy/policy.yaml"
    text = policy.read_text(encoding="utf-8")
    policy.write_text(text + "titles:\n  登记表: 清河县公务员平时考核登记表\n  登记簿: 某表\n", encoding="utf-8")
    line = text.count("\n") + 3  # the appended `登记簿:` line
    result = run(mini, "check")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (f"policy/policy.yaml:{line}: 错误: 表格标题（titles）中有未知的键“登记簿”，是否拼写错误？"
                                            "（可用的键：对象情况表、比例使用申报表、登记表、简明情况登记表、结果登记表）")


@pytest.mark.slow
def test_example_documents_have_no_signature_alone_and_no_cut_text(tmp_path):
    """The example bureau's 2026Q4 and 2026 documents, as the committee reads them: the build's layout check
    reports no page carrying only signature rows, and no "…" is printed that the records do not contain."""
    here = Path(__file__).parent.parent
    root = tmp_path / "bureau"
    for part in ("records", "policy", "templates"):
        shutil.copytree(here / part, root / part)
    project = open_project(root, use_cache=False)
    for period in (Quarter(2026, 4), 2026):
        result = build_period(project, period, root / "build")
        assert [d.message for d in result.diagnostics if d.message.startswith("版面")] == []
        for path in pdfs(result.folder):
            assert "…" not in "".join(pages_text(path)), path
