"""Built documents: PDF facts read back, determinism, drafts, safety, atomic output."""
from __future__ import annotations

import shutil

import pypdf
import pytest
from click.testing import CliRunner

from conftest import git, write
from kaohe_docs.cli import main
from kaohe_docs.errors import KaoheError
from kaohe_docs.model import Quarter
from kaohe_docs.pipeline import open_project
from kaohe_docs.render import layout_cache
from kaohe_docs.render.build import build_period

pytestmark = pytest.mark.slow  # PDF builds: excluded from the fast subset (-m 'not slow')

Q1 = Quarter(2026, 1)


def build(root, out=None, **options):
    project = open_project(root, use_cache=False)
    assert project.errors == []
    return build_period(project, Q1, out or root / "build", **options)


def pdf_text(path) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)


def embedded_fonts(path) -> set[str]:
    fonts = set()
    for page in pypdf.PdfReader(path).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font["/BaseFont"]
            fonts.add(str(font["/BaseFont"]).split("+", 1)[1])
    return fonts


@pytest.fixture
def built(built_mini):
    return built_mini


def test_build_writes_pdf_and_html_for_each_document(built):
    root, result = built
    names = sorted(p.relative_to(root / "build/2026Q1").as_posix() for p in result.files)
    assert names == sorted(["00-打印合订本.pdf", "manifest.json"] + [f"{doc}.{ext}" for ext in ("html", "pdf") for doc in (
        "01-公示", "02-对象情况表", "03-比例使用申报表", "04-结果登记表/01-政工室", "04-结果登记表/02-法制室",
        "05-登记表/01-政工室", "05-登记表/02-法制室", "06-简明情况登记表/01-政工室", "06-简明情况登记表/02-法制室",
        "07-反馈通知/01-政工室", "07-反馈通知/02-法制室", "10-核准报告", "11-名额表")])
    assert all(p.is_file() for p in result.files)
    assert result.diagnostics == []  # no WeasyPrint warning (missing glyph, fontTools fallback, CSS)


def test_publicity_notice_facts(built):
    root, _ = built
    path = root / "build/2026Q1/01-公示.pdf"
    reader = pypdf.PdfReader(path)
    assert len(reader.pages) == 1
    text = pdf_text(path).replace(" ", "")
    assert "关于清河县公安局2026年第一季度平时考核“好”等次人员的公示" in text.replace("\n", "")
    assert "王志强" in text and "政工室" in text and "主任" in text
    assert "2026年4月15日至2026年4月21日（5个工作日）" in text.replace("\n", "")
    assert "刘洋" not in text and "李娜" not in text  # only the 好 list
    # no scores or birth dates on the publicity notice
    assert "95.60" not in text and "1978" not in text and "一级警长" not in text
    assert embedded_fonts(path) == {"Noto-Serif-CJK-SC", "Noto-Sans-CJK-SC"}


def test_unit_table_facts(built):
    root, _ = built
    path = root / "build/2026Q1/04-结果登记表/01-政工室.pdf"
    assert len(pypdf.PdfReader(path).pages) == 1
    text = pdf_text(path).replace(" ", "")
    for expected in ("清河县公安局平时考核结果登记表", "王志强", "95.60", "李娜", "89.00", "较好",
                     "张伟", "不确定等次：长期病假", "可报1名", "签字"):
        assert expected in text.replace("\n", ""), expected


def test_metadata_names_title_body_and_commit(built):
    root, _ = built
    commit = git(root, "rev-parse", "HEAD").strip()
    meta = pypdf.PdfReader(root / "build/2026Q1/01-公示.pdf").metadata
    assert meta.title == "关于清河县公安局2026年第一季度平时考核“好”等次人员的公示"
    assert meta.author == "清河县公安局"
    assert meta["/kaohecommit"] == commit
    assert meta["/kaohedraft"] == "no"
    assert meta["/CreationDate"].startswith("D:20260415100000+08'00")
    assert meta["/kaohestatus"] == "送审稿" and meta["/kaohecode"] == ""  # not approved: no code, not to be posted
    assert pdf_text(root / "build/2026Q1/01-公示.pdf").endswith("— 1 —\n送审稿，不得张贴")
    assert "送审稿：尚未经局党委审定，不得作为正式文书" in pdf_text(root / "build/2026Q1/02-对象情况表.pdf")
    assert ", 送审稿, " in meta["/Keywords"] and "· 送审稿：尚未经局党委审定" in meta["/Subject"]
    assert commit in meta["/Keywords"] and "kaohe-docs" in meta["/Keywords"]  # full provenance in the metadata
    assert commit[:10] in pdf_text(root / "build/2026Q1/02-对象情况表.pdf")  # internal forms: discreet footer


def test_same_commit_gives_byte_identical_pdfs(built, tmp_path):
    root, result = built
    again = build(root, tmp_path / "again", bundle=True)
    assert len(again.files) == len(result.files) == 28
    for first, second in zip(sorted(result.files), sorted(again.files)):
        assert first.read_bytes() == second.read_bytes(), first.name


def test_uncommitted_change_makes_a_visible_draft(mini_git):
    path = mini_git / "records/2026/Q1/units/zhengong.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("认真履行职责。", "认真履行职责，成绩突出。"), encoding="utf-8")
    build(mini_git)
    pdf = mini_git / "build/2026Q1/01-公示.pdf"
    assert "草稿" in pdf_text(pdf)
    assert pypdf.PdfReader(pdf).metadata["/kaohedraft"] == "yes"


def test_hostile_text_is_printed_as_text_and_fetches_nothing(mini_git):
    roster = mini_git / "records/roster.yaml"
    hostile = "<img src='file:///etc/passwd'><style>*{background:url(file:///etc/shadow)}</style>主任"
    policy = mini_git / "policy/policy.yaml"  # longer than the default 职务 limit (40): allow it here
    policy.write_text(policy.read_text(encoding="utf-8") + "\nlimits:\n  text:\n    position: 100\n", encoding="utf-8")
    roster.write_text(roster.read_text(encoding="utf-8").replace("position: 主任\n    rank: 一级警长",
                      f'position: "{hostile}"\n    rank: 一级警长', 1), encoding="utf-8")
    build(mini_git)  # a fetch outside the allowed folders would have failed the build
    text = "".join(pdf_text(mini_git / "build/2026Q1/01-公示.pdf").split())
    assert "".join(hostile.split()) in text


def test_template_that_fetches_outside_is_refused_and_old_build_kept(mini_git):
    build(mini_git)
    before = (mini_git / "build/2026Q1/01-公示.pdf").read_bytes()
    write(mini_git, {"templates/publicity.html": '{% extends "base.html" %}{% block body %}'
                                                 '<img src="file:///etc/passwd">{% endblock %}'})
    with pytest.raises(KaoheError) as info:
        build(mini_git)
    assert "模板试图读取允许目录以外的文件或网络地址：file:///etc/passwd" in info.value.message
    assert (mini_git / "build/2026Q1/01-公示.pdf").read_bytes() == before
    assert sorted(p.name for p in (mini_git / "build").iterdir()) == [".lock", "2026Q1", "index.html"]  # no half-written folder


@pytest.mark.parametrize("url", ["http://example.invalid/logo.png", "https://127.0.0.1/x.css", "ftp://x/y"])
def test_no_network_fetch_is_ever_attempted(mini, url):
    write(mini, {"templates/publicity.html": '{% extends "base.html" %}{% block body %}'
                                             f'<img src="{url}">{{% endblock %}}'})
    with pytest.raises(KaoheError, match=f"模板试图读取允许目录以外的文件或网络地址：{url}"):
        build(mini)


def test_template_mistake_names_template_and_line(mini_git):
    write(mini_git, {"templates/publicity.html": '{% extends "base.html" %}\n{% block body %}\n'
                                                 '<p>{{ no_such_value }}</p>\n{% endblock %}\n'})
    with pytest.raises(KaoheError) as info:
        build(mini_git)
    assert "模板错误 publicity.html:3: 'no_such_value' is undefined" in info.value.message


def test_missing_glyph_is_an_error_naming_document_and_text(mini_git):
    roster = mini_git / "records/roster.yaml"
    roster.write_text(roster.read_text(encoding="utf-8").replace("position: 主任", "position: 主任\ue000", 1),
                      encoding="utf-8")
    with pytest.raises(KaoheError) as info:
        build(mini_git)
    assert "《关于清河县公安局2026年第一季度平时考核“好”等次人员的公示》" in info.value.message
    assert "U+E000" in info.value.message and "王志强" in info.value.message


def test_cli_build_prints_the_files_on_stdout(mini_git):
    result = CliRunner().invoke(main, ["-C", str(mini_git), "build", "2026Q1"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:2] == [str(mini_git / f"build/2026Q1/{name}") for name in ("01-公示.html", "01-公示.pdf")]
    assert "排版 PDF：13 份需要生成，0 份未变化沿用上次结果" in result.stderr
    named = sorted(line.split("PDF：", 1)[1] for line in result.stderr.splitlines() if line.startswith("[") and "] PDF：" in line)
    assert "01-公示" in named and "05-登记表/01-政工室" in named  # progress names each document
    assert len(named) == len(set(named))
    assert not (mini_git / "build/2026Q1/00-打印合订本.pdf").exists()  # review builds leave the bundle out
    result = CliRunner().invoke(main, ["-C", str(mini_git), "build", "2026Q1", "--bundle"], catch_exceptions=False)
    assert result.stdout.splitlines()[0] == str(mini_git / "build/2026Q1/00-打印合订本.pdf")
    assert "排版 PDF：0 份需要生成，13 份未变化沿用上次结果" in result.stderr


def test_incremental_rebuild_renders_only_what_changed_and_equals_a_full_build(mini, tmp_path):
    first = build(mini)
    assert (first.rendered, first.reused) == (13, 0)
    again = build(mini)
    assert (again.rendered, again.reused) == (0, 13)  # nothing changed: nothing rendered
    path = mini / "records/2026/Q1/units/solo.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("3: 96", "3: 97"), encoding="utf-8")
    changed = build(mini)
    # 刘洋's unit table, registration form, feedback letter, his unit's 简明情况登记表 and the 核准报告 (his total)
    assert changed.rendered == 5 and changed.reused == 8
    shutil.rmtree(layout_cache.cache_dir(mini))  # from nothing: no laid-out or finished PDF to reuse
    clean = build(mini, tmp_path / "clean")
    built = {p.relative_to(mini / "build/2026Q1"): p.read_bytes() for p in (mini / "build/2026Q1").rglob("*.pdf")}
    full = {p.relative_to(tmp_path / "clean/2026Q1"): p.read_bytes() for p in (tmp_path / "clean/2026Q1").rglob("*.pdf")}
    assert built == full and clean.reused == 0


def test_a_corrupted_cached_pdf_is_rendered_again(mini):
    build(mini)
    output = mini / "build/2026Q1/02-对象情况表.pdf"
    good = output.read_bytes()
    cached = [p for p in (layout_cache.cache_dir(mini) / "finished").glob("*.pdf") if p.read_bytes() == good]
    assert len(cached) == 1  # kept outside the work tree, by key
    cached[0].write_bytes(good[:100])
    output.write_bytes(b"edited by hand")  # the previous output is never a source
    result = build(mini)
    # stamped again from the laid-out pages in the cache: nothing laid out, the rest reused as it was
    assert (result.rendered, result.reused) == (0, 12) and output.read_bytes() == good


def test_index_links_only_what_was_built(mini_git):
    """The bundle is linked only when it was joined; an --html-only build links no PDF."""
    run = lambda *args: CliRunner().invoke(main, ["-C", str(mini_git), "build", "2026Q1", *args], catch_exceptions=False)
    index = mini_git / "build/index.html"
    assert run("--html-only").exit_code == 0
    text = index.read_text(encoding="utf-8")
    assert "打印合订本" not in text and ".pdf'" not in text and "（未生成）" in text
    assert "<span class='draft'>送审稿</span>" in text and "正式" not in text.replace("不得作为正式文书", "")
    assert run().exit_code == 0
    text = index.read_text(encoding="utf-8")
    assert "打印合订本" not in text and "2026Q1/01-公示.pdf" in text
    assert run("--bundle").exit_code == 0
    assert "2026Q1/00-打印合订本.pdf'>打印合订本" in index.read_text(encoding="utf-8")
