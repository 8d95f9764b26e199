"""The build, top to bottom: plan → content → reuse → lay out → stamp → write → swap.

``build_period`` runs the stages in order (``_run``); each stage is a function below taking the
``Build`` (one ``DocumentBuild`` per document, carrying its content HTML, stamp, keys, layout,
digest and files). ``Builder`` (builder.py) holds what they share: templates, fonts, provenance,
the layout and content caches; ``PdfCache`` (finished.py) the finished PDFs; output.py the lock
and the swap.

- Everything is written into a temporary folder beside the target; only when every document
  succeeded does it replace ``build/<period>/``. A failed or interrupted build leaves the
  previous output untouched.
- Nothing is done twice for the same input: the period's plan (its documents and their content
  keys) is cached by the digest of every input, a document's content HTML by the key of its data
  (``layout_cache.content_key``), so a build whose inputs did not change neither loads the records
  nor renders a template; only the documents whose data changed are rendered.
- Layout keyed by content only: a document's content HTML (its data and styles, no
  provenance) is laid out once and cached by the hash of content, templates, policy, fonts,
  engine version and code (``layout_cache``) — never by commit or draft state.
- Stamp, don't re-render: commit, date, 草稿/正式 and the public notices' verification code
  are merged onto the finished pages (``stamp``, from each layout's stored page map), with the
  full provenance in the metadata. A commit, an empty commit or a draft therefore re-lays out only
  the documents whose content changed.
- Incremental: a finished PDF whose key (layout + stamp) is unchanged is hard-linked from the
  repository's cache folder (inside ``.git`` or the user cache directory, never the work tree or
  ``build/``, where a branch could plant one) while its size and modification time are the
  recorded ones.
- Every output path is checked to stay inside the output folder (``filenames.py``).
- The print bundle joins the documents' PDFs with their bookmarks.
"""
from __future__ import annotations

import json
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from kaohe_docs.documents import Document
from kaohe_docs.errors import Diagnostic, KaoheError, warning
from kaohe_docs.filenames import inside_own
from kaohe_docs.pipeline import Project
from kaohe_docs.render import layout_cache
from kaohe_docs.render.builder import BUNDLE, Builder, bundle_id, overlay_variant, plan
from kaohe_docs.render.bundle import join, metadata
from kaohe_docs.render.finished import PdfCache, _sha
from kaohe_docs.render.index import write_index
from kaohe_docs.render.output import one_build_at_a_time, swap_in
from kaohe_docs.render.pagecheck import GLYPH_NOTE, LAYOUT_NOTE
from kaohe_docs.render.pool import stamp_one, steady_gc
from kaohe_docs.render.provenance import Provenance, provenance
from kaohe_docs.render.runner import ParallelRunner, Runner, SerialRunner, prestart
from kaohe_docs.render.stamp import Stamp, Stamper

MANIFEST = "manifest.json"

__all__ = ["BuildOptions", "BuildResult", "Builder", "ParallelRunner", "SerialRunner", "build_period", "bundle_id",
           "plan", "prestart", "swap_in"]


def _quiet(message: str) -> None:
    pass


@dataclass(frozen=True)
class BuildOptions:
    """How to build: ``prov`` overrides the provenance (a build from a Git revision); ``final``
    refuses drafts and always makes the print bundle; ``bundle`` makes it for a draft too (joining
    every PDF costs time and disk in proportion to the whole period, so review builds leave it out);
    ``cache_root`` is the records root whose layout cache to use (default: the project's);
    ``runner``: where the work is done (default: a ``ParallelRunner``; from ``prestart`` with a
    worker started ahead; closed by the build); ``cached``: False to use none of the plan, content
    and finished-PDF caches (``kaohe verify``; laid-out pages are still taken from the layout cache);
    ``variant``: a PDF variant (the archive's PDF/A), each document's page laid out whole with its
    provenance (nothing cached, nothing stamped)."""
    pdf: bool = True
    progress: Callable[[str], None] = _quiet
    prov: Provenance | None = None
    final: bool = False
    bundle: bool = False
    cache_root: Path | None = None
    runner: Runner | None = None
    cached: bool = True
    variant: str | None = None  # e.g. "pdf/a-2b" (``kaohe archive``): laid out whole, not stamped


@dataclass
class BuildResult:
    folder: Path
    files: list[Path] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    rendered: int = 0  # documents laid out by WeasyPrint this time (the others' pages came from the layout cache)
    reused: int = 0  # PDFs reused from the previous build
    timings: dict = field(default_factory=dict)  # seconds per step: html, layout, stamp, write


@dataclass
class DocumentBuild:
    """One document on its way through the stages; each stage fills in what it makes."""
    doc: Document
    content_key: str | None  # the key of its content HTML in the content cache (None: not cacheable)
    cached: str | None  # its content HTML from the content cache, or None: to be rendered
    # set by the stages, in order (reading one before its stage set it is an AttributeError):
    markup: str = field(init=False)  # its content HTML (no provenance): ``content``
    stamp: Stamp = field(init=False)  # commit, date, 草稿/正式, code and metadata merged onto its pages: ``content``
    page: Path = field(init=False)  # its HTML page in the staging folder: ``destinations``
    dest: Path = field(init=False)  # its PDF in the staging folder (PDF builds): ``destinations``
    key: str = field(init=False)  # the finished PDF's key (layout + stamp): ``reuse``
    digest: str | None = None  # the finished PDF's SHA-256; None while it is still to be made
    # (laid-out pages: file or bytes, WeasyPrint warnings) when it is to be stamped: ``lay_out``
    layout: tuple[Path | bytes, list[str]] | None = None


@dataclass
class Build:
    """One build of a period in progress: its documents, where they go, and what it reports."""
    period: object
    builder: Builder
    options: BuildOptions
    items: list[DocumentBuild]
    result: BuildResult
    pdfs: PdfCache
    staging: Path = Path()
    manifest: dict = field(default_factory=dict)

    def progress(self, message: str) -> None:
        self.options.progress(message)


def build_period(project: Project, period, out: Path, options: BuildOptions | None = None,
                 **settings) -> BuildResult:
    """Build every document of a quarter or a year into ``out/<period>/``, atomically.

    ``options`` (or its fields as keywords: ``pdf``, ``progress``, ``prov``, ``final``, ``bundle``,
    ``cache_root``, ``runner``, ``cached``): see ``BuildOptions``.
    """
    options = options or BuildOptions(**settings)
    cache_folder = layout_cache.cache_dir(options.cache_root or project.root)
    runner = options.runner or ParallelRunner(project.root, cache_folder)
    try:
        prov = options.prov or provenance(project.root)
        if options.final and prov.draft:
            raise KaoheError("记录库有未提交的修改（或不在 Git 中），正式文书（--final）只能从已提交的记录生成；"
                             "请先提交，或去掉 --final 生成草稿")
        builder = Builder(project, prov, options.cache_root, runner)
        items, diagnostics = plan_documents(builder, period, options.cached)
        if options.final and any(item.doc.draft for item in items):
            raise KaoheError(f"{period}年第四季度尚未审定，年度文书只能作为草稿生成；请去掉 --final")
        pdfs = PdfCache(cache_folder / "finished" if options.cached else None, str(period))
        with one_build_at_a_time(out, options.progress), steady_gc():
            result = BuildResult(out / str(period), diagnostics=diagnostics)
            _run(Build(period, builder, options, items, result, pdfs), out)
            pdfs.finish()
            return result
    except OSError as exc:
        raise KaoheError(f"无法写入输出目录 {out}：{exc.strerror or exc}（磁盘已满、只读或没有权限？）原有文件未改动") from exc
    finally:
        runner.close()


def _run(build: Build, out: Path) -> None:
    """The stages in order, in a staging folder beside the target that replaces it at the end."""
    builder, result, pdf = build.builder, build.result, build.options.pdf
    build.staging = Path(tempfile.mkdtemp(prefix=f".{build.period}-", dir=out))
    try:
        start = time.perf_counter()
        content(build)
        result.timings["html"] = time.perf_counter() - start
        prov = builder.prov
        build.manifest = {"period": str(build.period), "bureau": builder.bureau, "commit": prov.commit,
                          "commit_date": prov.iso, "draft": prov.draft, "status": prov.status, "provenance": prov.line,
                          "pdf": pdf,
                          "documents": []}
        destinations(build)
        if build.options.variant:
            lay_out_whole(build)
        todo = reuse(build) if pdf and not build.options.variant else []
        result.files.extend(item.page for item in build.items)
        start = time.perf_counter()
        written = write_pages_meanwhile(build) if todo else 0
        result.timings["html_pages"] = time.perf_counter() - start
        overlays = lay_out(build, todo) if todo else {}
        start = time.perf_counter()
        if todo:
            build.progress(f"加盖来源标记：{len(todo)} 份 PDF")
        stamp(build, written, overlays)
        result.timings["stamp"] = time.perf_counter() - start
        start = time.perf_counter()
        write(build)
        swap_in(build.staging, result.folder)
        result.timings["write"] = time.perf_counter() - start
    finally:
        builder.close()
        shutil.rmtree(build.staging, ignore_errors=True)
    result.files = sorted(result.folder / p.relative_to(build.staging) for p in result.files)
    write_index(out)


# --- the stages -----------------------------------------------------------------------------------

def plan_documents(builder: Builder, period, cached: bool = True) -> tuple[list[DocumentBuild], list[Diagnostic]]:
    """Plan: the period's documents (with their content HTML where it is cached) and the notes about them."""
    if not cached:
        docs, diagnostics = plan(builder.project, period)
        return [DocumentBuild(doc, None, None) for doc in docs], diagnostics
    docs, diagnostics, markups = builder.documents(period)
    keys = builder.content_keys or [None] * len(docs)
    return [DocumentBuild(doc, key, markup) for doc, key, markup in zip(docs, keys, markups)], diagnostics


def content(build: Build) -> None:
    """Content: each document's content HTML (rendered over the cores where it is not cached, and
    kept in the content cache) and its stamp. KaoheError naming every document that could not be rendered."""
    builder, items = build.builder, build.items
    todo = [item for item in items if item.cached is None]
    for item in items:
        if item.cached is not None:
            item.markup = item.cached
    build.progress(f"生成 {len(items)} 份文书的 HTML……" if len(todo) == len(items) else
                   f"生成 HTML：{len(todo)} 份文书的内容有变化，{len(items) - len(todo)} 份沿用上次的内容")
    problems = []
    for item, (markup, problem) in zip(todo, builder.runner.map_contents(builder.try_html, [item.doc for item in todo])):
        if problem is not None:
            problems.append(f"《{item.doc.title}》：{problem}")
            continue
        item.markup = markup
        if item.content_key is not None:
            builder.contents.put(item.content_key, markup)
    if problems:
        raise KaoheError("以下文书未能生成，build/ 中原有文件未改动：\n" + "\n".join(problems))
    for item in items:
        item.stamp = builder.stamp_of(item.doc, item.markup)


def destinations(build: Build) -> None:
    """Each document's files in the staging folder (refused, KaoheError, unless they stay inside it)."""
    for item in build.items:
        if build.options.pdf:
            item.dest = _output(build.staging, f"{item.doc.path}.pdf")
    for item in build.items:
        item.page = _output(build.staging, f"{item.doc.path}.html")


def reuse(build: Build) -> list[int]:
    """Reuse: the finished PDFs' keys; the unchanged ones linked from the cache into place (their
    SHA-256 known); the others' stamp overlays and changed layouts started in the background at
    once. The indexes of the documents whose PDF is to be made."""
    builder, items = build.builder, build.items
    for item in items:
        item.key = builder.key(item.doc, item.markup, item.stamp)
    for item in items:
        item.digest = build.pdfs.get(item.key, item.dest)
    todo = [i for i, item in enumerate(items) if item.digest is None]
    for item in items:  # a reused PDF: its layout check's findings are reported again
        cached = builder.cache.path(builder.layout_key(item.markup)) if item.digest is not None else None
        build.result.diagnostics.extend(layout_warning(item.doc, m) for m in (cached[1] if cached else ())
                                        if m.startswith(LAYOUT_NOTE))
    build.result.reused = len(items) - len(todo)
    build.progress(f"排版 PDF：{len(todo)} 份需要生成，{build.result.reused} 份未变化沿用上次结果")
    if todo:
        changed = [items[i].markup for i in todo if not builder.has_layout(items[i].markup)]
        builder.warm_overlays({overlay_variant(items[i].stamp, items[i].doc) for i in todo}, workers=1)
        if changed:
            builder.runner.expect_layouts(len(changed))
        # largest first: the workers finish together
        builder.start_layouts(sorted(changed, key=len, reverse=True))
    return todo


def lay_out_whole(build: Build) -> None:
    """Lay out whole (the archive's PDF/A): each document's HTML page, provenance included, laid
    out in ``options.variant`` and written into place (not cached, not stamped)."""
    builder, items = build.builder, build.items
    pages = [builder.page_html(item.doc, item.markup, item.stamp) for item in items]
    laid_out = builder.render([(page, builder.layout_key(page)) for page in pages],
                              lambda n, total: build.progress(f"[{n}/{total}] PDF/A"), build.options.variant)
    for item, page, (data, warnings) in zip(items, pages, laid_out):
        item.key = builder.layout_key(page)  # the whole page's layout is the PDF
        _write(item.dest, data)
        item.digest = _sha(data)
        build.result.diagnostics.extend(warning(item.doc.id, 0, f"WeasyPrint: {m}") for m in warnings)


def write_pages_meanwhile(build: Build) -> int:
    """The HTML pages written here while the background lays out overlays and changed documents: how many."""
    builder, items = build.builder, build.items
    written = 0
    while written < len(items) and builder.runner.busy():
        item = items[written]
        _write(item.page, builder.page_html(item.doc, item.markup, item.stamp).encode("utf-8"))
        written += 1
    return written


def lay_out(build: Build, todo: list[int]) -> dict:
    """Lay out: the layouts of the documents ``todo`` (cached, or laid out now over the cores; with
    their warnings) into their records, and the overlays they need."""
    builder, items, result = build.builder, build.items, build.result
    start = time.perf_counter()
    sources = builder.layout_sources([items[i].markup for i in todo],
                                     lambda n, total, j: build.progress(f"[{n}/{total}] PDF：{items[todo[j]].doc.path}"))
    for i, source in zip(todo, sources):
        items[i].layout = source
    missing = [f"《{items[i].doc.title}》{m[len(GLYPH_NOTE):]}" for i, (_, notes) in zip(todo, sources) for m in notes
               if m.startswith(GLYPH_NOTE)]
    if missing:  # before anything is written into place
        raise KaoheError("以下文书有字体中缺少的字，build/ 中原有文件未改动：\n" + "\n".join(missing))
    result.timings["layout"] = time.perf_counter() - start
    result.rendered = builder.laid_out
    build.progress(f"其中 {result.rendered} 份重新排版，{len(todo) - result.rendered} 份沿用已排好的版面，只加盖来源标记")
    start = time.perf_counter()
    overlays = builder.overlays(overlay_variant(items[i].stamp, items[i].doc) for i in todo)
    result.timings["stamp_overlay"] = time.perf_counter() - start
    return overlays


def stamp(build: Build, written: int, overlays: dict) -> None:
    """Stamp: write the HTML pages from ``written`` on and stamp the laid-out documents with
    ``overlays`` into place, over the cores in forked workers that inherit all of it (only each
    PDF's SHA-256, page count and any page map made come back; a document with a page of an
    unpredicted orientation is stamped here); each one kept in the finished-PDF cache."""
    builder, items, result = build.builder, build.items, build.result
    layouts = {i: item.layout for i, item in enumerate(items) if item.layout is not None}
    jobs = list(layouts)
    stamper = Stamper(overlays) if jobs else None  # inherited by the forked workers
    maps = {i: builder.page_map(items[i].markup) for i in jobs}

    def finish(i: int):
        item = items[i]
        if i >= written:
            _write(item.page, builder.page_html(item.doc, item.markup, item.stamp).encode("utf-8"))
        return stamp_one(stamper, (layouts[i][0], maps[i], item.stamp, item.dest)) if i in layouts else None

    order = sorted(set(range(written, len(items))) | set(jobs))
    finished: list[tuple[int, str]] = []
    for i, stamped in zip(order, builder.runner.map_documents(finish, order)):
        if stamped is None:
            continue
        item = items[i]
        if stamped.digest is None:
            stamped = builder.restamp(overlays, (layouts[i][0], maps[i], item.stamp, item.dest))
        builder.keep_page_map(item.markup, stamped.page_map)
        result.timings["pages"] = result.timings.get("pages", 0) + stamped.pages
        if stamped.digest is None:  # restamp lays out any overlay missing: not reached
            raise KaoheError(f"《{item.doc.title}》：无法加盖来源标记")
        item.digest = stamped.digest
        finished.append((i, stamped.digest))
    for i, digest in finished:
        item = items[i]
        build.pdfs.put_file(item.key, item.dest, digest)
        result.diagnostics.extend(layout_warning(item.doc, m) for m in layouts[i][1])


def layout_warning(doc: Document, message: str) -> Diagnostic:
    """A layout's warning about ``doc``: the build's own layout check (``signoff_alone``), or WeasyPrint's."""
    return warning(doc.id, 0, message if message.startswith(LAYOUT_NOTE) else f"WeasyPrint: {message}")


def write(build: Build) -> None:
    """Write: the manifest (hashes known: no file is read again), the verification codes issued
    and the print bundle."""
    manifest, result = build.manifest, build.result
    if build.options.pdf:
        _record(build)
        if build.options.bundle or build.options.final:
            build.progress(f"合订本：拼接 {len(build.items)} 份文书")
            _bundle(build)
    else:
        manifest["documents"] = [{"id": item.doc.id, "title": item.doc.title, "path": item.doc.path}
                                 for item in build.items]
    data = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
    result.files.append(_write(build.staging / MANIFEST, data))


def _record(build: Build) -> None:
    codes = []
    for item in build.items:
        doc, stamp = item.doc, item.stamp
        build.result.files.append(item.dest)
        entry = {"id": doc.id, "title": doc.title, "path": doc.path, "key": item.key, "sha256": item.digest}
        if stamp.code:
            entry["code"] = stamp.code
            entry["commit"] = stamp.metadata["/kaohecommit"]  # a document issued at approval: the approval's
            codes.append({"code": stamp.code, "document": doc.id, "commit": stamp.metadata["/kaohecommit"],
                          "title": doc.title})
        build.manifest["documents"].append(entry)
    layout_cache.record_codes(build.builder.cache_root, codes)


def _bundle(build: Build) -> None:
    if not build.items:
        return
    builder, period, manifest = build.builder, build.period, build.manifest
    duplex = builder.policy.duplex
    key = _sha("\0".join(d["key"] for d in manifest["documents"]).encode() + builder.bundle_title(period).encode()
               + (b"\0duplex" if duplex else b""))
    dest = build.staging / f"{BUNDLE}.pdf"
    digest = build.pdfs.get(key, dest)
    if digest is None:
        paths = [_output(build.staging, f"{item.doc.path}.pdf") for item in build.items]
        data = join(paths, builder.bundle_title(period), bundle_id(period), metadata(paths[0]), duplex)
        dest.write_bytes(data)
        digest = build.pdfs.put(key, data)
    manifest["bundle"] = {"path": BUNDLE, "key": key, "sha256": digest}
    build.result.files.insert(0, dest)


def _output(folder: Path, relative: str) -> Path:
    """``folder/relative`` in the build's own staging folder, refused (KaoheError) unless it stays inside."""
    return inside_own(folder, relative)


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def rebuild(builder: Builder, period, docs: list[Document], markups: list[str], out: Path, *,
            bundle: bool = False) -> BuildResult:
    """The same stages for these documents (their content HTML given) with ``builder``'s runner and
    none of the plan, content and finished-PDF caches, into ``out/<period>/`` (with the print
    bundle if ``bundle``): the PDFs ``kaohe verify`` compares."""
    options = BuildOptions(prov=builder.prov, bundle=bundle, runner=builder.runner, cached=False)
    items = [DocumentBuild(doc, None, markup) for doc, markup in zip(docs, markups)]
    with one_build_at_a_time(out, options.progress):
        result = BuildResult(out / str(period))
        _run(Build(period, builder, options, items, result, PdfCache(None, str(period))), out)
    return result
