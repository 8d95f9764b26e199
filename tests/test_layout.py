"""Print layout read back from PDFs (pdfplumber): GB/T 9704 titles, the 落款 kept with the text,
登记表 continuation pages headed with the person. Rendering is the real one (templates, base.css,
WeasyPrint) on small synthetic inputs."""
from __future__ import annotations

import io
import shutil
from types import SimpleNamespace

import pdfplumber
import pytest

from conftest import FIXTURES, commit_all
from kaohe_docs.model import Quarter
from kaohe_docs.pipeline import open_project
from kaohe_docs.render.build import Builder, build_period
from kaohe_docs.render.provenance import provenance
from kaohe_docs.render.renderer import PdfRenderer, RenderLog

pytestmark = pytest.mark.slow

# Bureau names of 4 to 14 characters, as the words a typesetter may break between.
BUREAUS = [
    ("市公安局",),
    ("沙县", "公安局"),
    ("清河县", "公安局"),
    ("阿拉善左旗", "公安局"),
    ("乌鲁木齐市", "天山区", "公安分局"),
    ("黔东南苗族侗族自治州", "公安局"),
    ("新疆生产建设兵团", "第八师", "公安局"),
]
QUARTERS = ("第一季度", "第二季度", "第三季度", "第四季度")


def titles() -> list[tuple[str, list[str]]]:
    """(bureau name, words of the title) for every quarter's 公示 and the annual 公示 of each bureau."""
    out = []
    for bureau in BUREAUS:
        for quarter in QUARTERS:
            out.append(("".join(bureau), ["关于", *bureau, "2026年", quarter, "平时考核", "“好”等次", "人员", "的公示"]))
        out.append(("".join(bureau), ["关于", *bureau, "2026年度考核", "“优秀”等次", "人选", "的公示"]))
    return out


@pytest.fixture(scope="module")
def builder(tmp_path_factory):
    root = tmp_path_factory.mktemp("layout") / "bureau"
    shutil.copytree(FIXTURES / "mini", root)
    project = open_project(root, use_cache=False)
    return Builder(project, provenance(root)), PdfRenderer(root)


def render(builder, source: str, title: str = "版式测试", **context) -> pdfplumber.PDF:
    b, renderer = builder
    doc = SimpleNamespace(title=title, kind="notice", period="2026年第一季度", id="layout", draft=False)
    markup = b.env.from_string(source).render(**{**b.base, "doc": doc, **context})
    log = RenderLog()
    data = renderer.write(renderer.layout(markup, log), "layout", log)
    assert log.warnings == [] and log.refused == []
    return pdfplumber.open(io.BytesIO(data))


def lines_of_size(page, size: float) -> list[str]:
    """Text lines set in ``size`` pt, top to bottom."""
    rows: dict[int, list] = {}
    for ch in page.chars:
        if abs(ch["size"] - size) < 0.5:
            rows.setdefault(round(ch["top"]), []).append(ch)
    return ["".join(c["text"] for c in sorted(row, key=lambda c: c["x0"])) for _, row in sorted(rows.items())]


def test_titles_break_between_words_in_balanced_lines(builder):
    cases = titles()
    assert len(cases) >= 20
    pdf = render(builder, '{% extends "base.html" %}{% block body %}{% for bureau, t in cases %}'
                          '<section class="page"><h1>{{ t|title_lines("notice", bureau) }}</h1></section>'
                          '{% endfor %}{% endblock %}',
                 cases=[(bureau, "".join(words)) for bureau, words in cases])
    assert len(pdf.pages) == len(cases)
    wrapped = 0
    for page, (_bureau, words) in zip(pdf.pages, cases):
        lines = lines_of_size(page, 22)
        assert "".join(lines) == "".join(words)
        boundaries = {sum(len(w) for w in words[:i]) for i in range(len(words) + 1)}
        at = 0
        for line in lines[:-1]:
            at += len(line)
            assert at in boundaries, f"{lines} breaks inside a word"
        widths = [page_width(page, line) for line in lines]
        if len(lines) > 1:
            wrapped += 1
            # 梯形 (lines growing shorter, or longer, downwards) or 菱形 (three lines, the middle longest)
            diamond = len(widths) == 3 and widths[1] >= max(widths[0], widths[2]) - 1
            pairs = list(zip(widths, widths[1:]))
            assert diamond or all(a >= b - 1 for a, b in pairs) or all(a <= b + 1 for a, b in pairs), lines
            # balanced: the lines differ by less than the longest word of the title
            assert max(widths) - min(widths) <= max(len(w) for w in words) * 22 + 1, lines
    assert wrapped >= 20


def page_width(page, line: str) -> float:
    chars = [c for c in page.chars if abs(c["size"] - 22) < 0.5]
    for top in sorted({round(c["top"]) for c in chars}):
        row = sorted((c for c in chars if round(c["top"]) == top), key=lambda c: c["x0"])
        if "".join(c["text"] for c in row) == line:
            return row[-1]["x1"] - row[0]["x0"]
    raise AssertionError(line)


NOTICE = '{% extends "publicity.html" %}'
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"


def notice(builder, names: int, issuer: str = "清河县公安局平时考核工作委员会办公室", date: str = "2026年4月15日",
           contact: str = "局考核办（政工室），电话 0531-87654321") -> tuple[pdfplumber.PDF, list]:
    from kaohe_docs.documents.publicity import signoff
    rows = [[n, "治安管理大队", SURNAMES[n % 20] + GIVEN[n // 20 % 20] + GIVEN[n % 7], "科员", "好"] for n in range(1, names + 1)]
    columns = [{"label": label, "width": "", "align": ""} for label in ("序号", "单位", "姓名", "职务", "等次")]
    pdf = render(builder, NOTICE, title="关于清河县公安局2026年第一季度平时考核“好”等次人员的公示", period_zh="2026年第一季度", only_good=True, subject="“好”等次人员",
                 meeting_date="2026年4月14日", period="2026年4月15日至2026年4月21日（5个工作日）",
                 contact=contact, order_note="按姓氏笔画为序", columns=columns,
                 rows=rows, **signoff(issuer, date))
    return pdf, rows


# Counts around each page end of the notice layout: the 落款 never starts a page alone; the last rows move along.
@pytest.mark.parametrize("names", [1, 3, 4, 6, 8, 9, 25, 26, 30, 31, 47, 48, 52, 53, 60])
def test_issuer_and_date_stay_with_the_last_lines(builder, names):
    pdf, rows = notice(builder, names)
    texts = [page.extract_text() for page in pdf.pages]
    last = texts[-1]
    assert "清河县公安局平时考核工作委员会办公室" in last and "2026年4月15日" in last
    assert rows[-1][2] in last, f"{names} names: the 落款 starts page {len(texts)} alone"
    # the 22 × 28 grid holds on every page: the spacing is never tightened to save a page
    for page in pdf.pages:
        if len({round(c["top"], 1) for c in page.chars if abs(c["size"] - 16) < 0.5}) > 2:
            assert body_line_pitch(page) == pytest.approx(225 / 22 * MM, abs=0.15)


MM = 72 / 25.4  # points per millimetre


def body_line_pitch(page) -> float:
    """Distance between the first two lines of body text (16 pt)."""
    tops = sorted({round(c["top"], 1) for c in page.chars if abs(c["size"] - 16) < 0.5})
    return tops[1] - tops[0]


def body_lines(page) -> list[list[dict]]:
    """The lines of 16 pt text, each its characters left to right."""
    chars = [c for c in page.chars if abs(c["size"] - 16) < 0.5 and c["text"].strip()]
    out = []
    for top in sorted({round(c["top"], 1) for c in chars}):
        out.append(sorted((c for c in chars if round(c["top"], 1) == top), key=lambda c: c["x0"]))
    return out


LEFT, RIGHT, BOTTOM = 28 * MM, (210 - 26) * MM, (297 - 35) * MM  # the 版心's edges


@pytest.mark.parametrize("issuer", ["清河县公安局", "清河县公安局平时考核工作委员会办公室"])
def test_sealed_notice_signoff_positions(builder, issuer):
    """GB/T 9704 7.3.5.1: the date 右空四字 (more only where a long 署名 would pass the edge), the 署名 centred
    over it, room for a 42 mm seal centred over both, a little above their middle, its top within one line of
    the text and clear of it; paragraphs justified on the 28-character grid; the page number 7 mm below the 版心."""
    pdf, rows = notice(builder, 3, issuer=issuer)
    page = pdf.pages[-1]
    lines = body_lines(page)
    text = ["".join(c["text"] for c in line) for line in lines]
    name_line, date_line = lines[text.index(issuer)], lines[text.index("2026年4月15日")]
    em = 156 / 28 * MM
    date_right = RIGHT - date_line[-1]["x1"]
    if issuer == "清河县公安局":
        assert date_right == pytest.approx(4 * em, abs=1 * MM)
    else:
        assert date_right >= 4 * em - 0.5 * MM and RIGHT - name_line[-1]["x1"] >= -0.5 * MM
    centre = lambda line: (line[0]["x0"] + line[-1]["x1"]) / 2  # noqa: E731
    assert centre(name_line) == pytest.approx(centre(date_line), abs=1 * MM)
    # the seal: 42 mm, centred over the 署名 and date with them a little (3 mm) below its centre
    seal_centre = (name_line[0]["bottom"] + date_line[0]["top"]) / 2 - 3 * MM
    seal_top, seal_bottom = seal_centre - 21 * MM, seal_centre + 21 * MM
    table_bottom = max(c["bottom"] for c in page.chars if c["text"] == rows[-1][2][-1])
    assert 0 < seal_top - table_bottom <= 225 / 22 * MM, (seal_top - table_bottom) / MM
    assert seal_bottom < BOTTOM + 7 * MM  # clear of the page number
    # the page number's 一字线 7 mm below the 版心
    dash = [c for c in page.chars if c["text"] == "—" and c["top"] > BOTTOM]
    assert dash and min(c["top"] for c in dash) - BOTTOM == pytest.approx(7 * MM, abs=0.8 * MM)
    # the body paragraphs: 28 characters a line, justified to both edges of the 版心
    first = pdf.pages[0]
    body = body_lines(first)
    full = [line for line, following in zip(body, body[1:]) if following[0]["x0"] < LEFT + 0.5 * MM]  # not a paragraph's last
    gaps = [round((RIGHT - line[-1]["x1"]) / MM, 2) for line in full]
    assert full and all(gap < 1 for gap in gaps), gaps
    wide = [line for line in body if all(ord(c["text"]) > 0x2000 for c in line)]
    assert wide and max(len(line) for line in wide) == 28


def test_long_summary_continues_under_the_persons_heading(tmp_path):
    root = tmp_path / "bureau"
    shutil.copytree(FIXTURES / "mini", root)
    unit = root / "records/2026/Q1/units/zhengong.yaml"
    summary = ("本季度认真学习贯彻上级决策部署，扎实开展辖区治安巡逻防控，圆满完成领导交办的各项任务。" * 40)[:1500]
    unit.write_text(unit.read_text(encoding="utf-8").replace("summary: 认真履行职责。", f"summary: {summary}"), encoding="utf-8")
    commit_all(root)
    result = build_period(open_project(root, use_cache=False), Quarter(2026, 1), root / "build")
    assert [d for d in result.diagnostics if d.level == "error"] == []
    with pdfplumber.open(root / "build/2026Q1/05-登记表/01-政工室.pdf") as pdf:
        pages = [page.extract_text() for page in pdf.pages]
    wang = [t for t in pages if "王志强" in t]
    assert len(pages) == 3 and len(wang) == 2  # 王志强 over two pages, then 李娜
    assert pages[1].splitlines()[0] == "王志强 政工室 2026年第一季度 平时考核登记表（续）"
    assert "（续）" not in pages[0] and "（续）" not in pages[2]
    assert "考核办／\n局党委\n审定意见" in pages[1]


def test_kai_role_falls_back_to_a_free_kai_face(tmp_path):
    """Without a proprietary 楷体, the policy's stack resolves to LXGW WenKai (fonts-lxgw-wenkai), embedded."""
    from kaohe_docs.render.fonts import _charset
    if any(_charset(f) for f in ("楷体_GB2312", "楷体", "KaiTi")):
        pytest.skip("a proprietary 楷体 is installed here: the policy prefers it")
    root = tmp_path / "bureau"
    shutil.copytree(FIXTURES / "mini", root)
    shutil.copyfile(FIXTURES.parent.parent / "policy/policy.yaml", root / "policy/policy.yaml")
    commit_all(root)
    project = open_project(root, use_cache=False)
    b = Builder(project, provenance(root))
    assert b.fonts.families["kai"] == "LXGW WenKai"
    result = build_period(project, Quarter(2026, 1), root / "build")
    assert [d for d in result.diagnostics if d.level == "error"] == []
    with pdfplumber.open(root / "build/2026Q1/02-对象情况表.pdf") as pdf:
        subtitle = {c["fontname"] for c in pdf.pages[0].chars if round(c["size"], 1) == 13}
    assert subtitle and all(name.endswith("+LXGW-WenKai") for name in subtitle), subtitle
