"""The linear build: plan documents → render HTML → check glyphs → lay out → PDFs → swap in.

Everything is written into a temporary folder beside the target; only when every document
succeeded does it replace ``build/<period>/``. A failed or interrupted build leaves the
previous output untouched. Each period gets a print bundle (all its documents in one PDF,
with bookmarks) and a manifest; ``build/index.html`` lists every period built.
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .documents import Document, quarter_documents, year_documents
from .errors import Diagnostic, KaoheError, warning
from .fonts import resolve
from .index import write_index
from .model import Quarter
from .project import Project
from .provenance import Provenance, provenance
from .render import PdfRenderer, RenderLog, check_glyphs, generator, make_environment, render_html

BUNDLE = "00-打印合订本"


@dataclass
class BuildResult:
    folder: Path
    files: list[Path] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def plan(project: Project, period) -> tuple[list[Document], list[Diagnostic]]:
    a = project.assessment
    if isinstance(period, Quarter):
        notes = [] if a.decided(period) else [warning(
            f"records/{period.path}", 0, "局党委尚未审定本季度（缺少 decision.yaml），暂不生成公示、简明情况登记表和反馈通知")]
        return quarter_documents(a, period), notes
    return year_documents(a, period), []


class Builder:
    """Everything rendering needs, set up once: templates, fonts, WeasyPrint, provenance."""

    def __init__(self, project: Project, prov: Provenance, pdf: bool = True):
        self.project, self.prov = project, prov
        self.fonts = resolve(project.loaded.policy.fonts)
        self.env = make_environment(project.root)
        self.base = {"bureau": project.loaded.bureau.info, "provenance": prov, "fonts": self.fonts.families,
                     "generator": generator()}
        self.renderer = PdfRenderer(project.root) if pdf else None

    def html(self, doc: Document) -> str:
        """Raises KaoheError for a template mistake or a character the fonts lack."""
        markup = render_html(self.env, doc.template, {**self.base, "doc": doc, **doc.context})
        check_glyphs(self.fonts, markup, doc.title)
        return markup

    def layout(self, doc: Document, markup: str, log: RenderLog):
        layout = self.renderer.layout(markup, log)
        if log.refused:
            raise KaoheError(f"模板试图读取允许目录以外的文件或网络地址：{'、'.join(log.refused)}")
        return layout

    def pdf(self, doc: Document, layout, log: RenderLog) -> bytes:
        return self.renderer.write(layout, f"{self.prov.commit}\0{doc.id}", log)

    def bundle(self, laid_out, period, log: RenderLog) -> bytes:
        pages = [page for _, layout in laid_out for page in layout.pages]
        zh = period.zh if isinstance(period, Quarter) else f"{period}年度"
        title = f"{self.project.loaded.bureau.info.name}{zh}平时考核文书合订本"
        return self.renderer.write(laid_out[0][1], f"{self.prov.commit}\0{period}\0bundle", log, pages=pages,
                                   title=title, document_id=bundle_id(period))


def bundle_id(period) -> str:
    return f"{period}/{BUNDLE}"


def build_period(project: Project, period, out: Path, pdf: bool = True, progress=lambda m: None,
                 prov: Provenance | None = None, final: bool = False) -> BuildResult:
    """Build every document of a quarter or a year into ``out/<period>/``, atomically.

    ``prov`` overrides the provenance (a build from a Git revision); ``final`` refuses drafts.
    """
    docs, diagnostics = plan(project, period)
    prov = prov or provenance(project.root)
    if final and prov.draft:
        raise KaoheError("记录库有未提交的修改（或不在 Git 中），正式文书（--final）只能从已提交的记录生成；"
                         "请先提交，或去掉 --final 生成草稿")
    builder = Builder(project, prov, pdf)
    target = out / str(period)
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{period}-", dir=out))
    result = BuildResult(target, diagnostics=diagnostics)
    try:
        laid_out, problems = [], []
        for n, doc in enumerate(docs, 1):
            progress(f"[{n}/{len(docs)}] {doc.title}")
            log = RenderLog()
            try:
                markup = builder.html(doc)
                result.files.append(_write(staging / f"{doc.path}.html", markup.encode("utf-8")))
                if pdf:
                    layout = builder.layout(doc, markup, log)
                    result.files.append(_write(staging / f"{doc.path}.pdf", builder.pdf(doc, layout, log)))
                    laid_out.append((doc, layout))
            except KaoheError as exc:
                problems.append(f"《{doc.title}》：{exc.message}")
            result.diagnostics.extend(warning(doc.id, 0, f"WeasyPrint: {m}") for m in log.warnings)
        if problems:
            raise KaoheError("以下文书未能生成，build/ 中原有文件未改动：\n" + "\n".join(problems))
        if laid_out:
            progress(f"合订本：{len(laid_out)} 份文书")
            log = RenderLog()
            result.files.insert(0, _write(staging / f"{BUNDLE}.pdf", builder.bundle(laid_out, period, log)))
            result.diagnostics.extend(warning(str(period), 0, f"WeasyPrint: {m}") for m in log.warnings)
        result.files.append(_write(staging / "manifest.json", _manifest(project, period, docs, prov)))
        _swap(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    result.files = [target / p.relative_to(staging) for p in result.files]
    write_index(out)
    return result


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _manifest(project: Project, period, docs: list[Document], prov: Provenance) -> bytes:
    data = {
        "period": str(period), "bureau": project.loaded.bureau.info.name, "commit": prov.commit,
        "commit_date": prov.iso, "draft": prov.draft, "provenance": prov.line,
        "documents": [{"id": d.id, "title": d.title, "path": d.path} for d in docs],
    }
    return json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")


def _swap(staging: Path, target: Path) -> None:
    """Replace ``target`` with ``staging`` by renames; the old folder is removed last."""
    final = Path(tempfile.mkdtemp(prefix=f".{target.name}-new-", dir=target.parent))
    os.rmdir(final)
    os.rename(staging, final)
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}-old-{os.getpid()}")
        os.rename(target, old)
    os.rename(final, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    staging.mkdir()  # so the caller's cleanup has something to remove
