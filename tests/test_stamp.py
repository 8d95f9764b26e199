"""Layout keyed by content only; provenance stamped onto finished pages (issue 16, issue 17 item 3)."""
from __future__ import annotations

import shutil

import pdfplumber
import pypdf
import pytest
from click.testing import CliRunner

from conftest import commit_all, git, write
from kaohe_docs import __version__
from kaohe_docs.cli import main
from kaohe_docs.model import Quarter
from kaohe_docs.pipeline import open_project
from kaohe_docs.render import layout_cache
from kaohe_docs.render.build import build_period
from kaohe_docs.render.stamp import normalise_code, verification_code

pytestmark = pytest.mark.slow

Q1 = Quarter(2026, 1)
UNIT = "records/2026/Q1/units/solo.yaml"
PUBLIC = "01-公示.pdf"


def build(root, out=None, **options):
    project = open_project(root, use_cache=False)
    assert project.errors == []
    return build_period(project, Q1, out or root / "build", **options)


def pdfs(folder) -> dict:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*.pdf"))}


def edit(root, rel, old, new):
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def page_texts(path) -> list[str]:
    with pdfplumber.open(path) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


# --- where the cache lives ----------------------------------------------------------------------

def test_cache_lives_in_the_git_directory_never_in_the_work_tree(mini_git):
    folder = layout_cache.cache_dir(mini_git)
    assert folder.name == "layout" and folder.is_relative_to((mini_git / ".git/kaohe-cache").resolve())
    build(mini_git)
    assert any(folder.rglob("*.pdf"))
    assert git(mini_git, "status", "--porcelain", "--ignored") == "!! build/\n"  # nothing else appeared


def test_outside_git_the_cache_is_the_user_cache_and_ci_can_point_it_elsewhere(mini, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    folder = layout_cache.cache_dir(mini)
    assert folder.name == "layout" and folder.parent.parent == tmp_path / "xdg/kaohe-docs"  # one folder per repository
    monkeypatch.setenv("KAOHE_CACHE_DIR", str(tmp_path / "ci-cache"))
    assert layout_cache.cache_dir(mini) == tmp_path / "ci-cache/layout"


# --- commits and drafts cost a stamp, not a layout -----------------------------------------------

def test_a_commit_relays_only_changed_documents_and_equals_a_clean_build_from_nothing(mini_git, tmp_path):
    first = build(mini_git)
    assert first.rendered == 13
    edit(mini_git, UNIT, "3: 96", "3: 97")
    commit_all(mini_git, "改刘洋三月分")
    after = build(mini_git)
    # 刘洋's unit table, registration form, feedback letter, his unit's 简明情况登记表 and the 核准报告 (his total)
    assert (after.rendered, after.reused) == (5, 0)
    shutil.rmtree(layout_cache.cache_dir(mini_git))
    clean = build(mini_git, tmp_path / "clean")
    assert clean.rendered == 13
    assert pdfs(mini_git / "build/2026Q1") == pdfs(tmp_path / "clean/2026Q1")


def test_an_empty_commit_lays_out_nothing(mini_git):
    build(mini_git)
    before = pdfs(mini_git / "build/2026Q1")
    git(mini_git, "commit", "-q", "--allow-empty", "-m", "空提交")
    result = build(mini_git)
    assert (result.rendered, result.reused) == (0, 0)  # every page stamped again, none laid out
    after = pdfs(mini_git / "build/2026Q1")
    commit = git(mini_git, "rev-parse", "HEAD").strip()
    assert all(after[name] != before[name] for name in before)
    assert commit[:10] in page_texts(mini_git / "build/2026Q1/02-对象情况表.pdf")[0]


def test_commit_a_then_b_then_a_again_gives_the_bytes_of_a(mini_git):
    build(mini_git)
    a = git(mini_git, "rev-parse", "HEAD").strip()
    bytes_a = pdfs(mini_git / "build/2026Q1")
    edit(mini_git, UNIT, "3: 96", "3: 97")
    commit_all(mini_git, "B")
    build(mini_git)
    assert pdfs(mini_git / "build/2026Q1") != bytes_a
    git(mini_git, "checkout", "-q", a)
    again = build(mini_git)
    assert again.rendered == 0
    assert pdfs(mini_git / "build/2026Q1") == bytes_a


def test_first_draft_after_a_clean_build_lays_out_only_the_changed_documents(mini_git):
    build(mini_git)
    edit(mini_git, UNIT, "3: 96", "3: 97")  # not committed: every page becomes 草稿
    result = build(mini_git)
    assert (result.rendered, result.reused) == (5, 0)  # as above: the four papers of 刘洋 and the 核准报告
    for path in (mini_git / "build/2026Q1").rglob("*.pdf"):
        assert pypdf.PdfReader(path).metadata["/kaohedraft"] == "yes"
        assert all("草稿" in text for text in page_texts(path)), path.name


# --- one test per part of the layout key: a layout from another one is never reused -------------

def test_a_layout_from_another_policy_is_never_reused(mini):
    assert build(mini).rendered == 13
    edit(mini, "policy/policy.yaml", "\n", "\n# 只改了一行注释\n")
    assert build(mini).rendered == 13


def test_a_layout_from_another_template_is_never_reused(mini):
    assert build(mini).rendered == 13
    write(mini, {"templates/README.txt": "本局模板说明\n"})
    assert build(mini).rendered == 13


def test_a_layout_from_other_fonts_is_never_reused(mini, monkeypatch):
    assert build(mini).rendered == 13
    monkeypatch.setattr(layout_cache, "font_fingerprint", lambda families: "另一套字体文件")
    assert build(mini).rendered == 13


def test_a_layout_from_another_engine_version_is_never_reused(mini, monkeypatch):
    assert build(mini).rendered == 13
    monkeypatch.setattr(layout_cache, "engine_version", lambda: "weasyprint 99.0; pydyf 9.9")
    assert build(mini).rendered == 13


def test_a_layout_from_another_version_of_the_program_is_never_reused(mini, monkeypatch):
    import kaohe_docs
    assert build(mini).rendered == 13
    monkeypatch.setattr(kaohe_docs, "code_fingerprint", lambda: "另一版程序")
    assert build(mini).rendered == 13


def test_nothing_changed_reuses_every_layout(mini, tmp_path):
    """The control for the four tests above: the same inputs do hit the cache."""
    assert build(mini).rendered == 13
    again = build(mini, tmp_path / "elsewhere")
    assert (again.rendered, again.reused) == (0, 13)  # even the stamped PDFs come from the cache
    assert pdfs(mini / "build/2026Q1") == pdfs(tmp_path / "elsewhere/2026Q1")


def test_a_damaged_cache_entry_is_laid_out_again(mini):
    build(mini)
    cached = sorted(layout_cache.cache_dir(mini).rglob("*.pdf"))
    for path in cached:
        path.write_bytes(path.read_bytes()[:-10])
    shutil.rmtree(mini / "build")
    assert build(mini).rendered == 13


# --- verify -------------------------------------------------------------------------------------

def test_verify_of_a_stamped_pdf_detects_a_one_byte_change(mini_git, tmp_path):
    build(mini_git)
    git(mini_git, "commit", "-q", "--allow-empty", "-m", "空提交")
    assert build(mini_git).rendered == 0  # every PDF of this commit is a cached layout with a new stamp
    pdf = mini_git / "build/2026Q1/05-登记表/01-政工室.pdf"
    result = run("-C", str(mini_git), "verify", str(pdf))
    assert result.exit_code == 0 and result.stdout.splitlines()[0].endswith("逐字节一致。"), result.output
    data = bytearray(pdf.read_bytes())
    data[len(data) // 3] ^= 0x01
    altered = tmp_path / "altered.pdf"
    altered.write_bytes(bytes(data))
    result = run("-C", str(mini_git), "verify", str(altered))
    assert result.exit_code == 1 and "不一致" in result.stdout


def test_build_from_a_revision_uses_the_work_trees_cache(mini_git, tmp_path):
    build(mini_git)
    a = git(mini_git, "rev-parse", "HEAD").strip()
    edit(mini_git, UNIT, "3: 96", "3: 97")
    commit_all(mini_git, "B")
    result = run("-C", str(mini_git), "build", "2026Q1", "--rev", a, "--out", str(tmp_path / "rev"))
    assert result.exit_code == 0, result.output
    assert "排版 PDF：0 份需要生成，13 份未变化沿用上次结果" in result.stderr  # A was built before: nothing laid out
    git(mini_git, "checkout", "-q", a)
    build(mini_git, tmp_path / "at-a")
    assert pdfs(tmp_path / "rev/2026Q1") == pdfs(tmp_path / "at-a/2026Q1")


# --- provenance that suits the paper (issue 17, item 3) -----------------------------------------

def approved_build(root) -> None:
    """The quarter approved and built from its approval (正式)."""
    assert run("-C", str(root), "approve", "2026Q1").exit_code == 0
    result = run("-q", "-C", str(root), "build", "2026Q1")
    assert result.exit_code == 0, result.output


def test_public_notice_shows_only_page_number_and_code_metadata_keeps_everything(mini_git):
    approved_build(mini_git)
    commit = git(mini_git, "rev-parse", "HEAD").strip()
    pdf = mini_git / "build/2026Q1" / PUBLIC
    meta = pypdf.PdfReader(pdf).metadata
    code = meta["/kaohecode"]
    assert normalise_code(code) == code
    text = page_texts(pdf)[0]
    lines = text.splitlines()
    assert lines[-2:] == ["— 1 —", f"核验码：{code}"]
    for forbidden in (commit[:7], "kaohe", __version__, "提交", "Git", "git", "草稿", "正式"):
        assert forbidden not in text, forbidden
    assert meta["/kaohecommit"] == commit and meta["/kaohedraft"] == "no" and meta["/kaohedocument"] == "2026Q1/公示"
    assert meta["/Subject"].startswith(f"记录库提交 {commit[:10]}（2026-04-15 10:00）· 正式 · kaohe-docs {__version__}")
    assert meta["/Keywords"] == (f"清河县公安局, 2026年第一季度, 记录库提交 {commit}, 2026-04-15T10:00:00+08:00, 正式, "
                                 f"kaohe-docs {__version__}, 核验码 {code}")


def test_internal_forms_keep_a_discreet_footer_with_commit_and_date(mini_git):
    approved_build(mini_git)
    commit = git(mini_git, "rev-parse", "HEAD").strip()
    for text in page_texts(mini_git / "build/2026Q1/05-登记表/01-政工室.pdf"):
        assert text.splitlines()[-1] == f"记录库提交 {commit[:10]}（2026-04-15 10:00）· 正式"
        assert "kaohe" not in text


def test_a_draft_notice_carries_no_code_and_says_so(mini_git):
    edit(mini_git, UNIT, "3: 96", "3: 97")
    build(mini_git)
    pdf = mini_git / "build/2026Q1" / PUBLIC
    text = page_texts(pdf)[0]
    assert "草稿，不得张贴" in text.splitlines() and "— 1 —" in text.splitlines()
    assert "核验码" not in text and pypdf.PdfReader(pdf).metadata["/kaohecode"] == ""


def test_verify_code_finds_the_notice_and_recomputes_it(mini_git):
    approved_build(mini_git)
    code = pypdf.PdfReader(mini_git / "build/2026Q1" / PUBLIC).metadata["/kaohecode"]
    commit = git(mini_git, "rev-parse", "HEAD").strip()
    expected = (f"核验码 {code} 对应《关于清河县公安局2026年第一季度平时考核“好”等次人员的公示》，"
                f"记录库提交 {commit[:10]}：按该提交重新计算，核验码一致。\n"
                f"提交 {commit[:10]} 在主分支 main 的历史上。\n"
                "依据 2026Q1 的局党委审定 approved/2026Q1（会议 2026-04-14，纪要 清公党纪〔2026〕4号），该审定现行有效。\n")
    result = run("-C", str(mini_git), "verify", code.lower().replace("-", ""))  # as a person might type it
    assert result.exit_code == 0 and result.stdout == expected
    # a later commit replaces build/: the code is still found (the cache keeps the codes issued)
    write(mini_git, {"README.md": "说明\n"})
    commit_all(mini_git, "B")
    assert run("-q", "-C", str(mini_git), "build", "2026Q1").exit_code == 0
    result = run("-C", str(mini_git), "verify", code)
    assert result.exit_code == 0 and result.stdout == expected


def test_verify_rejects_an_unknown_or_malformed_code(mini_git):
    build(mini_git)
    unknown = verification_code("0" * 64, "0" * 40)
    result = run("-C", str(mini_git), "verify", unknown)
    assert result.exit_code == 1
    assert f"核验码 {unknown}：本记录库中找不到由它生成的文书" in result.stderr
    result = run("-C", str(mini_git), "verify", "XYZ")
    assert result.exit_code == 1 and "既不是文件，也不是核验码" in result.stderr


def test_verification_code_depends_on_content_and_commit():
    a = verification_code("a" * 64, "1" * 40)
    assert a == verification_code("a" * 64, "1" * 40)
    assert a != verification_code("b" * 64, "1" * 40) and a != verification_code("a" * 64, "2" * 40)
    assert len(a) == 11 and a[5] == "-" and not set(a) & set("ILOU")


def _blank(width, height) -> bytes:
    import io

    import pikepdf
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(width, height))
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True)
    return out.getvalue()


def test_a_page_of_an_unpredicted_orientation_gets_its_own_overlay_and_the_bytes_stay_fixed():
    from kaohe_docs.render.stamp import Stamp, Stamper
    stamp = Stamp(public=False, code="", metadata={"/Title": "测试"})
    asked = []

    def missing(variant):
        asked.append(variant)
        return _blank(842, 595)
    portrait_only = {stamp.variant("portrait"): _blank(595, 842)}
    landscape = _blank(842, 595)
    first = Stamper(portrait_only, missing=missing).apply(landscape, stamp)
    assert asked == [(False, "", "landscape", False, False)]
    assert Stamper(portrait_only, missing=missing).apply(landscape, stamp) == first
    reader = pypdf.PdfReader(__import__("io").BytesIO(first))
    assert "/KaoheStamp" in reader.pages[0]["/Resources"]["/XObject"] and reader.metadata.title == "测试"


# --- what a commit costs: no copying, no rewriting of what did not change -----------------------

def test_an_unchanged_document_is_linked_from_the_cache_not_copied(mini_git, tmp_path):
    build(mini_git)
    again = build(mini_git, tmp_path / "elsewhere")
    assert (again.rendered, again.reused) == (0, 13)
    first = (mini_git / "build/2026Q1" / PUBLIC).stat()
    second = (tmp_path / "elsewhere/2026Q1" / PUBLIC).stat()
    assert first.st_ino == second.st_ino and first.st_nlink >= 3  # the build, the other build, the cache


def test_a_finished_pdf_edited_in_place_is_stamped_again_not_reused(mini_git, tmp_path):
    """The build's files share their data with the cache: a PDF changed in build/ (a viewer saving
    over it) changes the cache entry, which is then no longer used."""
    build(mini_git)
    clean = pdfs(mini_git / "build/2026Q1")
    (mini_git / "build/2026Q1" / PUBLIC).write_bytes(b"%PDF-1.7 edited in place")
    again = build(mini_git)
    assert (again.rendered, again.reused) == (0, 12)
    assert pdfs(mini_git / "build/2026Q1") == clean


def test_a_stamp_template_changes_every_pdf_but_lays_out_nothing(mini_git):
    build(mini_git)
    write(mini_git, {"templates/stamp_footer.html": "{{ '核验码：' ~ code if public else '本局内部材料 ' ~ provenance.short }}"})
    commit_all(mini_git, "本局的来源标记")
    again = build(mini_git)
    assert (again.rendered, again.reused) == (0, 0)
    assert "本局内部材料" in page_texts(mini_git / "build/2026Q1/05-登记表/01-政工室.pdf")[0]


def test_the_stamp_has_its_own_font_role_defaulting_to_a_small_truetype_face(mini_git):
    """Merged onto every page of every document: with the CJK OpenType faces (Noto) each PDF grew by
    about 140 KB; a policy written before the role existed gets the default (宋体, else 霞鹜文楷)."""
    from kaohe_docs.render.fonts import _charset
    if any(_charset(f) for f in ("宋体", "SimSun")):
        pytest.skip("宋体 is installed here: the stamp uses it")
    assert "stamp:" not in (mini_git / "policy/policy.yaml").read_text(encoding="utf-8")
    project = open_project(mini_git, use_cache=False)
    assert project.loaded.policy.fonts["stamp"] == ("宋体", "SimSun", "LXGW WenKai", "Noto Serif CJK SC")
    build(mini_git)
    with pdfplumber.open(mini_git / "build/2026Q1/05-登记表/01-政工室.pdf") as pdf:
        footer = [c for c in pdf.pages[0].chars if c["top"] > pdf.pages[0].height - 40]
    assert "".join(c["text"] for c in footer).startswith("记录库提交")
    assert {c["fontname"].split("+")[-1] for c in footer} == {"LXGW-WenKai"}


def test_a_stamp_font_role_in_policy_must_list_a_font(mini):
    table = "  table: [宋体, SimSun, Noto Serif CJK SC]\n"
    edit(mini, "policy/policy.yaml", table, table + "  stamp: []\n")
    project = open_project(mini, use_cache=False)
    assert [d.message for d in project.errors] == ["字体“stamp”至少要列出一种字体"]


def test_the_stamp_is_an_incremental_update_after_the_untouched_layout(mini_git):
    """The laid-out file is kept byte for byte; the stamp is appended (ISO 32000-1 7.5.6) and every
    reader sees the stamped pages, the new metadata and the file's own ID."""
    import pikepdf
    approved_build(mini_git)
    stamped = (mini_git / "build/2026Q1" / PUBLIC).read_bytes()
    layouts = [p.read_bytes() for p in layout_cache.cache_dir(mini_git).rglob("*.pdf") if "finished" not in p.parts]
    layout = next(data for data in layouts if stamped.startswith(data) and data != stamped)
    appendix = stamped[len(layout):]
    assert appendix.count(b"startxref") == 1 and b"/Prev " in appendix and len(appendix) < 40_000
    reader = pypdf.PdfReader(mini_git / "build/2026Q1" / PUBLIC, strict=True)
    assert all("/KaoheStamp" in page["/Resources"]["/XObject"] for page in reader.pages)
    assert reader.metadata["/kaohedocument"] == "2026Q1/公示"
    with pikepdf.open(mini_git / "build/2026Q1" / PUBLIC) as pdf:
        first, second = (bytes(part) for part in pdf.trailer.ID)
        assert first == bytes(pikepdf.open(__import__("io").BytesIO(layout)).trailer.ID[0]) and second != first
    assert page_texts(mini_git / "build/2026Q1" / PUBLIC)[-1].rstrip().endswith(
        "核验码：" + reader.metadata["/kaohecode"])


def test_a_page_that_inherits_its_resources_keeps_them_when_stamped():
    """Resources on the page tree's node rather than on the page (allowed by ISO 32000-1 7.7.3.4):
    the stamped page's own resources must still carry the inherited fonts."""
    import io

    from kaohe_docs.render.stamp import Stamp, Stamper
    stamp = Stamp(public=False, code="", metadata={"/Title": "继承"})
    stamped = Stamper({stamp.variant("portrait"): _blank(595, 842)}).apply(_inheriting(), stamp)
    resources = pypdf.PdfReader(io.BytesIO(stamped), strict=True).pages[0]["/Resources"]
    assert "/F1" in resources["/Font"] and "/KaoheStamp" in resources["/XObject"]


# --- the page map: what the stamp needs from a layout, learnt once per layout ------------------

def _layouts(root) -> dict:
    """The laid-out PDFs in the layout cache of a built bureau (not its finished ones), by name."""
    return {p.name: p.read_bytes() for p in sorted(layout_cache.cache_dir(root).rglob("*.pdf")) if "finished" not in p.parts}


STAMPS = [("internal", False, "", False), ("notice", True, "ABCDE-FGHJK", False), ("draft notice", True, "", True)]


def _stamp(name, public, code, draft):
    from kaohe_docs.render.stamp import Stamp
    return Stamp(public, code, {"/Title": f"{name}（测试）\\", "/Author": "清河县公安局", "/kaohecode": code}, draft)


def _stamper():
    """A stamper with an overlay for each of ``STAMPS`` in both orientations."""
    from kaohe_docs.render.stamp import Stamper
    return Stamper({_stamp(*s).variant(orientation): _blank(*size) for s in STAMPS
                    for orientation, size in (("portrait", (595, 842)), ("landscape", (842, 595)))})


def _read_back(layout: bytes, appendix: bytes, stamp) -> None:
    """What a reader finds in ``layout + appendix``: the layout's pages untouched but for the stamp
    drawn after their own content, every object where the cross-reference stream says, the
    layout's file ID first and the metadata of the stamp."""
    import hashlib
    import io
    import re

    import pikepdf
    stamped = layout + appendix
    start = int(appendix.rsplit(b"startxref", 1)[1].split()[0])
    head = stamped[start:stamped.index(b"stream\n", start)]
    index = [int(n) for n in re.search(rb"/Index \[([\d ]+)\]", head).group(1).split()]
    table = stamped[stamped.index(b"stream\n", start) + 7:]
    numbers = [n for first, count in zip(index[::2], index[1::2]) for n in range(first, first + count)]
    for row, number in enumerate(numbers):
        entry = table[row * 7:row * 7 + 7]
        offset, generation = int.from_bytes(entry[1:5], "big"), int.from_bytes(entry[5:7], "big")
        assert entry[0] == 1 and offset >= len(layout)
        assert stamped[offset:].startswith(f"{number} {generation} obj\n".encode())
    with pikepdf.open(io.BytesIO(layout), inherit_page_attributes=False) as before, \
            pikepdf.open(io.BytesIO(stamped), inherit_page_attributes=False) as after:
        assert after.check_pdf_syntax() == [] and len(after.pages) == len(before.pages)
        old_start = int(layout.rsplit(b"startxref", 1)[1].split()[0])
        assert int(after.trailer.Prev) == old_start and after.trailer.Root.objgen == before.trailer.Root.objgen
        first, second = (bytes(part) for part in after.trailer.ID)
        assert first == bytes(before.trailer.ID[0])
        assert second == hashlib.md5(first + appendix[:start - len(layout)]).digest()
        assert {k: str(v) for k, v in after.trailer.Info.items()} == stamp.metadata
        for old, new in zip(before.pages, after.pages):
            assert new.obj.objgen == old.obj.objgen
            assert {k: v.unparse() for k, v in new.obj.items() if k not in ("/Contents", "/Resources")} == \
                   {k: v.unparse() for k, v in old.obj.items() if k not in ("/Contents", "/Resources")}
            contents = list(new.obj.Contents)
            own = old.obj.Contents
            assert [c.objgen for c in contents[1:-1]] == [c.objgen for c in (own if isinstance(own, pikepdf.Array) else [own])]
            assert contents[0].read_bytes().split() == [b"q"]
            assert contents[-1].read_bytes().split() == [b"Q", b"q", b"/KaoheStamp", b"Do", b"Q"]
            resources, inherited = new.obj.Resources, _attribute(old.obj, "/Resources")
            assert {k: v.unparse() for k, v in resources.items() if k != "/XObject"} == \
                   {k: v.unparse() for k, v in inherited.items() if k != "/XObject"}
            xobjects = dict(inherited.get("/XObject", {}).items())
            assert sorted(resources.XObject.keys()) == sorted({*xobjects, "/KaoheStamp"})
            assert resources.XObject.KaoheStamp.Subtype == "/Form"
            box = [float(v) for v in _attribute(old.obj, "/MediaBox")]
            size = [842, 595] if box[2] - box[0] > box[3] - box[1] else [595, 842]
            assert list(resources.XObject.KaoheStamp.BBox) == [0, 0, *size]  # the overlay of the page's orientation


def _attribute(page, key):
    """A page's own or inherited attribute, read without pikepdf's help."""
    while key not in page and "/Parent" in page:
        page = page.Parent
    return page.get(key)


def test_a_stored_plan_stamps_real_layouts_byte_for_byte_as_the_layout_itself(built_mini):
    """Portrait, landscape and multi-page layouts of a real build, each plan sent through JSON as it
    would be stored: the same appendix as from the layout, and a file that reads back right."""
    import json

    from kaohe_docs.render.stamp import PAGE_MAP_VERSION, map_pages
    root, _ = built_mini
    layouts = _layouts(root)
    plans = {name: map_pages(data) for name, data in layouts.items()}
    assert {pg["orientation"] for plan in plans.values() for pg in plan["pages"]} == {"portrait", "landscape"}
    assert max(len(plan["pages"]) for plan in plans.values()) >= 2
    for name, data in layouts.items():
        plan = json.loads(json.dumps(plans[name]))
        assert plan == plans[name] and plan["version"] == PAGE_MAP_VERSION and plan["length"] == len(data)
        for stamp in (_stamp(*s) for s in STAMPS):
            by_plan, by_layout = _stamper(), _stamper()
            appendix = by_plan.appendix_from_map(plan, stamp)
            assert appendix == by_layout.appendix(data, stamp)
            assert by_plan.pages == by_layout.pages == len(plan["pages"])
            _read_back(data, appendix, stamp)


def test_an_already_stamped_file_is_stamped_again_with_one_stamp_per_page(built_mini):
    """A finished PDF as the layout: its own /KaoheStamp is replaced, not kept beside the new one."""
    import json

    from kaohe_docs.render.stamp import map_pages
    root, _ = built_mini
    data = (root / "build/2026Q1" / PUBLIC).read_bytes()
    plan = json.loads(json.dumps(map_pages(data)))
    assert [plan["resources"][pg["resources"]]["xobjects"] for pg in plan["pages"]] == [[]]
    stamp = _stamp(*STAMPS[0])
    appendix = _stamper().appendix_from_map(plan, stamp)
    assert appendix == _stamper().appendix(data, stamp)
    _read_back(data, appendix, stamp)


def _inheriting(**node) -> bytes:
    """A one-page PDF whose page takes its resources (a font) from the page tree's root node, and
    the ``node`` attributes too (e.g. ``MediaBox``)."""
    import io

    import pikepdf
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica))
    page = pdf.pages[0].obj
    for key in ("Resources", *node):
        if f"/{key}" in page:
            del page[f"/{key}"]
    pdf.Root.Pages.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    for key, value in node.items():
        pdf.Root.Pages[f"/{key}"] = pikepdf.Array(value)
    page.Contents = pdf.make_stream(b"BT /F1 12 Tf 72 720 Td (inherited) Tj ET")
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True)
    return out.getvalue()


def test_the_plan_of_a_page_that_inherits_its_resources_carries_them():
    import io
    import json

    import pikepdf

    from kaohe_docs.render.stamp import map_pages
    layout = _inheriting()
    plan = json.loads(json.dumps(map_pages(layout)))
    with pikepdf.open(io.BytesIO(layout)) as pdf:
        number, generation = pdf.pages[0].obj.objgen
        node = "{} {}".format(*pdf.Root.Pages.objgen)
        font = "{} {} R".format(*pdf.pages[0].Resources.Font.F1.objgen)
    assert f"/Resources << /Font << /F1 {font} >> >> /Type /Pages".encode() in layout  # on the tree's node only
    [page] = plan["pages"]
    assert page["object"] == [number, generation] and page["resources"] == f"in {node}"
    assert plan["resources"] == {f"in {node}": {"entries": [f"/Font << /F1 {font} >>"], "xobjects": []}}
    stamp = _stamp(*STAMPS[0])
    appendix = _stamper().appendix_from_map(plan, stamp)
    assert appendix == _stamper().appendix(layout, stamp)
    _read_back(layout, appendix, stamp)


def test_a_page_that_inherits_its_boxes_still_inherits_them_when_stamped():
    """A /MediaBox or /CropBox on the page tree's node stays there: the stamped page names no
    object the file does not have (pikepdf, left to itself, copies them into the page as new objects)."""
    import io

    import pypdf

    from kaohe_docs.render.stamp import map_pages
    layout = _inheriting(MediaBox=[0, 0, 842, 595], CropBox=[10, 10, 832, 585])
    assert b"/CropBox [ 10 10 832 585 ]" in layout and layout.count(b"/MediaBox") == 1
    [page] = map_pages(layout)["pages"]
    assert page["orientation"] == "landscape" and page["entries"] == ["/Parent 2 0 R", "/Type /Page"]
    stamp = _stamp(*STAMPS[0])
    appendix = _stamper().appendix(layout, stamp)
    _read_back(layout, appendix, stamp)
    stamped = pypdf.PdfReader(io.BytesIO(layout + appendix), strict=True).pages[0]
    assert (list(stamped.mediabox), list(stamped.cropbox)) == ([0, 0, 842, 595], [10, 10, 832, 585])


def test_a_plan_of_another_version_is_refused_and_an_unpredicted_orientation_still_raises_key_error():
    from kaohe_docs.render.stamp import PAGE_MAP_VERSION, Stamper, map_pages
    stamp = _stamp(*STAMPS[0])
    plan = map_pages(_blank(842, 595))
    for version in (PAGE_MAP_VERSION - 1, PAGE_MAP_VERSION + 1, None, str(PAGE_MAP_VERSION)):
        with pytest.raises(ValueError, match="page map version"):
            _stamper().appendix_from_map({**plan, "version": version}, stamp)
    portrait_only = Stamper({stamp.variant("portrait"): _blank(595, 842)})
    with pytest.raises(KeyError):
        portrait_only.appendix_from_map(plan, stamp)
    assert portrait_only.pages == 0


def test_a_bureau_template_turning_a_form_landscape_gets_the_landscape_overlay(mini_git):
    """The overlays are predicted from each document's kind (登记表: portrait); a page of another
    orientation is handed back by the stamping worker and stamped with its own overlay, laid out then."""
    import pikepdf

    from kaohe_docs.render.layout_cache import PACKAGE_TEMPLATES
    base = (PACKAGE_TEMPLATES / "registration.html").read_text(encoding="utf-8")
    write(mini_git, {"templates/registration.html": base.replace(
        "{% block body %}", "{% block body %}<style>@page { size: A4 landscape; }</style>", 1)})
    commit_all(mini_git, "本局的登记表横排")
    build(mini_git)
    forms = sorted((mini_git / "build/2026Q1/05-登记表").glob("*.pdf"))
    assert forms
    for path in forms:
        with pikepdf.open(path) as pdf:
            for page in pdf.pages:
                assert [float(v) for v in page.mediabox][2:] == pytest.approx([841.89, 595.28], abs=0.5)
                assert [float(v) for v in page.obj.Resources.XObject.KaoheStamp.BBox] == \
                    pytest.approx([0, 0, 841.89, 595.28], abs=0.5)  # the landscape overlay
        assert "记录库提交" in page_texts(path)[0]
