"""The linear build: plan documents → render HTML → check glyphs → PDF → swap into place.

Everything is written into a temporary folder beside the target; only when every document
succeeded does it replace ``build/<quarter>/``. A failed or interrupted build leaves the
previous output untouched.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .documents import Document
from .documents.publicity import publicity
from .documents.unit_results import unit_results
from .errors import Diagnostic, KaoheError, warning
from .fonts import resolve
from .model import Quarter
from .project import Project
from .provenance import provenance
from .render import PdfRenderer, check_glyphs, generator, make_environment, render_html


@dataclass
class BuildResult:
    folder: Path
    files: list[Path] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def plan(project: Project, quarter: Quarter) -> tuple[list[Document], list[Diagnostic]]:
    a = project.assessment
    docs, notes = [], []
    notice = publicity(a, quarter)
    if notice is None:
        notes.append(warning(f"records/{quarter.path}/decision.yaml", 0,
                             "局党委尚未审定本季度（缺少 decision.yaml），暂不生成公示"))
    else:
        docs.append(notice)
    docs.extend(unit_results(a, quarter))
    return docs, notes


def build_quarter(project: Project, quarter: Quarter, out: Path, pdf: bool = True, progress=lambda m: None) -> BuildResult:
    docs, diagnostics = plan(project, quarter)
    prov = provenance(project.root)
    fonts = resolve(project.loaded.policy.fonts)
    env = make_environment(project.root)
    base = {"bureau": project.loaded.bureau.info, "provenance": prov, "fonts": fonts.families, "generator": generator()}
    renderer = PdfRenderer(project.root) if pdf else None
    target = out / str(quarter)
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{quarter}-", dir=out))
    result = BuildResult(target, diagnostics=diagnostics)
    problems: list[str] = []
    try:
        for n, doc in enumerate(docs, 1):
            progress(f"[{n}/{len(docs)}] {doc.title}")
            problems.extend(_render_one(doc, base, env, fonts, renderer, prov, staging, result))
        if problems:
            raise KaoheError("以下文书未能生成，build/ 中原有文件未改动：\n" + "\n".join(problems))
        _swap(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    result.files = [target / p.relative_to(staging) for p in result.files]
    return result


def _render_one(doc, base, env, fonts, renderer, prov, staging: Path, result: BuildResult) -> list[str]:
    context = {**base, "doc": doc, **doc.context}
    try:
        markup = render_html(env, doc.template, context)
        check_glyphs(fonts, markup, doc.title)
    except KaoheError as exc:
        return [f"《{doc.title}》：{exc.message}"]
    html_path = staging / f"{doc.path}.html"
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.write_text(markup, encoding="utf-8")
    result.files.append(html_path)
    if renderer is None:
        return []
    data, log = renderer.pdf(markup, identifier=f"{prov.commit}\0{doc.id}")
    if log.refused:
        return [f"《{doc.title}》：模板试图读取允许目录以外的文件或网络地址：{'、'.join(log.refused)}"]
    for message in log.warnings:
        result.diagnostics.append(warning(doc.id, 0, f"WeasyPrint: {message}"))
    pdf_path = staging / f"{doc.path}.pdf"
    pdf_path.write_bytes(data)
    result.files.append(pdf_path)
    return []


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
