"""The linear build: plan documents → HTML → glyph check → PDFs (parallel, incremental) → swap in.

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
  are merged onto the finished pages (``stamp``, from each layout's stored stamp plan), with the
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

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from kaohe_docs.render.bundle import join, metadata
from kaohe_docs.documents import Document, quarter_documents, year_documents
from kaohe_docs.errors import Diagnostic, KaoheError, warning
from kaohe_docs.render.fonts import resolve
from kaohe_docs.render.index import write_index
from kaohe_docs.model import Quarter
from kaohe_docs.render.pool import Background, init_stamper, map_forked, steady_gc, render_all, render_each, stamp_all, stamp_one
from kaohe_docs.pipeline import Project
from kaohe_docs.render.provenance import Provenance, provenance
from kaohe_docs.render import layout_cache
from kaohe_docs.records.cache import read_json, write_atomic, write_json
from kaohe_docs.filenames import inside_own
from kaohe_docs.render.renderer import check_glyphs, generator, lock_html, make_environment, render_html
from kaohe_docs.render.stamp import Stamp, Stamper, make_stamp, overlay_context

BUNDLE = "00-打印合订本"
MANIFEST = "manifest.json"


@dataclass
class BuildResult:
    folder: Path
    files: list[Path] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    rendered: int = 0  # documents laid out by WeasyPrint this time (the others' pages came from the layout cache)
    reused: int = 0  # PDFs reused from the previous build
    timings: dict = field(default_factory=dict)  # seconds per step: html, layout, stamp, write


def plan(project: Project, period) -> tuple[list[Document], list[Diagnostic]]:
    a = project.assessment
    if isinstance(period, Quarter):
        notes = [] if a.decided(period) else [warning(
            f"records/{period.path}", 0, "局党委尚未审定本季度（缺少 decision.yaml），暂不生成公示、简明情况登记表和反馈通知")]
        return quarter_documents(a, period), notes
    from kaohe_docs.engine.annual import decided_quarters, year_complete
    notes = [] if year_complete(a, period) else [warning(
        f"records/{period}", 0, f"{period}年第四季度尚未审定：年度文书根据前 {len(decided_quarters(a, period))} 个季度"
                                "的结果生成，均为草稿")]
    return year_documents(a, period), notes


class Builder:
    """Templates, fonts, provenance, the layout cache and the stamp, set up once per build.

    ``cache_root`` is the records root whose cache is used (the work tree's, also for a build
    or a verification from a Git revision exported into a temporary folder).
    """

    def __init__(self, project: Project, prov: Provenance, cache_root: Path | None = None,
                 background: Background | None = None):
        self.project, self.prov = project, prov
        self.fonts = resolve(project.policy.fonts)
        self.env = make_environment(project.root)
        self.bureau = project.info.name
        self.base = {"bureau": project.info, "fonts": self.fonts.families}
        self.environment_key = layout_cache.environment_key(project.root, tuple(self.fonts.families.values()))
        self.stamp_templates = layout_cache.stamp_template_fingerprint(project.root)
        self.cache_root = cache_root or project.root
        self.cache = layout_cache.LayoutCache(layout_cache.cache_dir(self.cache_root))
        self.contents = layout_cache.ContentCache(self.cache.folder)
        self.content_keys: list[str | None] = []  # of the documents ``documents`` returned
        self.laid_out = 0  # documents laid out by WeasyPrint in this build (the rest came from the cache)
        self.background = background  # overlays and changed layouts being laid out meanwhile (see ``prestart``)
        self.warmed: set = set()  # overlay variants already looked up or started
        self.layout_keys: dict[str, str] = {}  # content HTML → layout key

    def documents(self, period) -> tuple[list[Document], list[Diagnostic], list[str | None]]:
        """The period's documents, the notes about them, and each one's content HTML where it is
        cached (None: to be rendered). When no input changed since a build of this period with
        these templates, fonts and code, all of it comes from the plan cache, without the records."""
        key = self.plan_key(period)
        if key is not None:
            hit = self.contents.plan(key)
            if hit is not None:
                docs, notes, keys = hit
                markups = [self.contents.get(k) for k in keys]
                if None not in markups:
                    self.content_keys = keys
                    return docs, notes, markups
        docs, notes = plan(self.project, period)
        self.content_keys = [self.content_key(doc) for doc in docs]
        if key is not None and None not in self.content_keys:
            self.contents.put_plan(key, docs, notes, self.content_keys)
        return docs, notes, [self.contents.get(k) if k is not None else None for k in self.content_keys]

    def plan_key(self, period) -> str | None:
        """Every input (``Project.digest``), the period and the environment; None when the inputs' digest is unknown."""
        if not self.project.digest:
            return None
        return _sha(f"plan\0{self.project.digest}\0{period}\0{self.environment_key}".encode())

    def content_key(self, doc: Document) -> str | None:
        """The key of the document's content HTML, from its data; None where it cannot be computed."""
        try:
            return layout_cache.content_key(self.environment_key, self.base, doc)
        except layout_cache.Opaque:
            return None

    def html(self, doc: Document) -> str:
        """The content HTML (no provenance). Raises KaoheError for a template mistake or a missing glyph."""
        markup = lock_html(render_html(self.env, doc.template, {**self.base, "doc": doc, **doc.context}))
        if not self.has_layout(markup):  # a cached layout passed this check with these fonts
            check_glyphs(self.fonts, markup, doc.title)
        return markup

    def try_html(self, doc: Document) -> tuple[str | None, str | None]:
        """(content HTML, None), or (None, what is wrong)."""
        try:
            return self.html(doc), None
        except KaoheError as exc:
            return None, exc.message

    def has_layout(self, markup: str) -> bool:
        return self.cache.path(self.layout_key(markup)) is not None

    def _background(self, workers: int | None = None) -> Background:
        if self.background is None:
            self.background = Background(self.project.root, self.cache.folder, workers)
        return self.background

    def start_layout(self, markup: str) -> None:
        """Start laying out this content in the background (its result goes into the layout cache)."""
        key = self.layout_key(markup)
        self._background().add(key, markup, key)

    def _collect(self, key: str):
        """A background layout's (file or bytes, warnings), or None (not started there); raises for a refused fetch."""
        if self.background is None or key not in self.background:
            return None
        source, warnings, refused = self.background.result(key)
        if refused:
            raise KaoheError(refused_message(refused))
        return source, warnings

    def stamp_of(self, doc: Document, markup: str) -> Stamp:
        return make_stamp(self.bureau, doc, self.prov, markup)

    def page_html(self, doc: Document, markup: str, stamp: Stamp) -> str:
        """The HTML file users open: the content HTML with the provenance (metadata, footer, 草稿) added."""
        context = {**self.base, "doc": doc, "provenance": self.prov, "generator": generator(), "code": stamp.code,
                   "public": stamp.public, "draft": stamp.draft, "keywords": stamp.metadata["/Keywords"]}
        head = render_html(self.env, "stamp_head.html", context)
        body = render_html(self.env, "stamp_body.html", context)
        at = markup.find("</head>")
        if at >= 0:
            markup = markup[:at] + head + markup[at:]
        opening = re.search(r"<body\b[^>]*>\n?", markup)
        if opening:
            markup = markup[:opening.end()] + body + markup[opening.end():]
        return markup

    def stamp_plan(self, markup: str) -> dict | None:
        """The stored stamp plan of this content's layout (found in the cache or laid out in this build), or None."""
        return self.cache.plan(self.layout_key(markup))

    def restamp(self, overlays: dict, job):
        """``stamp_one`` in this process for a job a worker gave back: a page of an orientation nobody
        predicted gets its overlay laid out here, once (it is cached like any layout)."""
        init_stamper(Stamper(overlays, missing=lambda variant: self.overlays([variant])[variant]))
        return stamp_one(job)

    def keep_plan(self, markup: str, plan: dict | None) -> None:
        """Store a stamp plan made while stamping a layout cached without one."""
        if plan is not None:
            self.cache.keep_plan(self.layout_key(markup), plan)

    def layout_key(self, markup: str) -> str:
        """The content's layout key (asked for several times per document in a build: hashed once)."""
        key = self.layout_keys.get(markup)
        if key is None:
            key = self.layout_keys[markup] = layout_cache.layout_key(self.environment_key, markup)
        return key

    def key(self, doc: Document, markup: str, stamp: Stamp | None = None) -> str:
        """The finished PDF's key: its layout and everything the stamp prints or records."""
        stamp = stamp or self.stamp_of(doc, markup)
        data = json.dumps({"layout": self.layout_key(markup), "templates": self.stamp_templates, "public": stamp.public, "code": stamp.code,
                           "draft": stamp.draft, "metadata": stamp.metadata}, sort_keys=True, ensure_ascii=False)
        return _sha(data.encode("utf-8"))

    def render(self, jobs: list[tuple[str, str]], progress=None, workers: int | None = None,
               variant: str | None = None) -> list[tuple[bytes, list[str]]]:
        """Laid-out PDFs for (markup, identifier) jobs (``variant``: e.g. pdf/a-2b for the archive);
        a forbidden fetch or a WeasyPrint warning is reported."""
        results, problems = [], []
        for data, warnings, refused in render_all(self.project.root, jobs, workers=workers, progress=progress,
                                                  variant=variant):
            if refused:
                problems.append(refused_message(refused))
            results.append((data, warnings))
        if problems:
            raise KaoheError("；".join(dict.fromkeys(problems)))
        return results

    def layout_sources(self, markups: list[str], progress=None, count: bool = True,
                       workers: int | None = None) -> list[tuple[Path | bytes, list[str]]]:
        """Each markup's laid-out PDF: its file in the layout cache, laid out now if it is not there
        (each distinct content once; each result is stored as it arrives and not kept in memory).
        Bytes only where the cache cannot be written."""
        keys = [self.layout_key(m) for m in markups]
        unique = list(dict.fromkeys(keys))
        started = [key for key in unique if self.background is not None and key in self.background]
        found: dict = {}
        for key in unique:
            hit = None if key in started else self.cache.path(key)
            if hit is not None:
                found[key] = hit
        todo = [key for key in unique if key not in found and key not in started]
        total = len(started) + len(todo)
        problems = []
        for n, key in enumerate(started, 1):  # laid out (or being laid out) during the HTML step
            try:
                found[key] = self._collect(key)
            except KaoheError as exc:
                problems.append(exc.message)
            if progress:
                progress(n, total)
        first = {key: markups[i] for i, key in reversed(list(enumerate(keys)))}
        report = (lambda n, _jobs: progress(len(started) + n, total)) if progress else None
        for i, (data, warnings, refused) in render_each(self.project.root, [(first[key], key) for key in todo],
                                                        workers=workers, progress=report):
            if refused:
                problems.append(refused_message(refused))
                continue
            path = self.cache.put(todo[i], data, warnings)
            found[todo[i]] = (path if path is not None else data, warnings)
        if problems:
            raise KaoheError("；".join(dict.fromkeys(problems)))
        if count:
            self.laid_out += total
        return [found[key] for key in keys]

    def layouts(self, markups: list[str], progress=None, count: bool = True,
                workers: int | None = None) -> list[tuple[bytes, list[str]]]:
        """Each markup's laid-out PDF as bytes (a few documents: overlays, verify)."""
        return [(source.read_bytes() if isinstance(source, Path) else source, warnings)
                for source, warnings in self.layout_sources(markups, progress, count, workers)]

    def overlay_markup(self, variant: tuple) -> str:
        markup = render_html(self.env, "stamp.html", {**self.base, "provenance": self.prov, "generator": generator(),
                                                      "stamps": overlay_context([variant])})
        check_glyphs(self.fonts, markup, "来源标记")
        return markup

    def warm_overlays(self, variants, workers: int | None = None) -> None:
        """Start laying out these overlays (those not cached or started yet) in the background
        (``workers``: how many processes it gets if it is not running yet; each one starts WeasyPrint)."""
        for variant in sorted(set(variants) - self.warmed):
            self.warmed.add(variant)
            markup = self.overlay_markup(variant)
            if not self.has_layout(markup):
                self._background(workers)
                self.start_layout(markup)

    def close(self) -> None:
        if self.background is not None:
            self.background.close()
            self.background = None

    def overlays(self, variants) -> dict:
        """Each stamp variant laid out once as its own one-page overlay (cached like any layout)."""
        variants = sorted(set(variants))
        markups = [self.overlay_markup(variant) for variant in variants]
        # a few tiny pages: one process (a pool would pay WeasyPrint's font setup once per worker)
        laid_out = self.layouts(markups, count=False, workers=1)
        return {variant: data for variant, (data, _warnings) in zip(variants, laid_out)}

    def predicted_overlays(self, stamps: list[Stamp], docs: list[Document]) -> dict:
        """The overlays this build needs; the orientation comes from the document's kind (a page of
        another orientation, e.g. from a bureau's template, gets its overlay laid out when met)."""
        return self.overlays(_variant(stamp, doc) for stamp, doc in zip(stamps, docs))

    def produce(self, docs: list[Document], markups: list[str], progress=None, timings: dict | None = None,
                dests: list[Path] | None = None) -> list[tuple[bytes | str, list[str]]]:
        """Finished PDFs: laid-out pages (cached by content) with this build's stamp merged on.

        With ``dests``, each PDF is written to its file there and (SHA-256, warnings) returned, so
        that no PDF is held in memory; without, (PDF bytes, warnings)."""
        if not docs:
            return []
        timings = {} if timings is None else timings
        start = time.perf_counter()
        sources = self.layout_sources(markups, progress)
        timings["layout"] = time.perf_counter() - start
        start = time.perf_counter()
        stamps = [self.stamp_of(doc, markup) for doc, markup in zip(docs, markups)]
        overlays = self.predicted_overlays(stamps, docs)
        timings["stamp_overlay"] = time.perf_counter() - start
        start = time.perf_counter()
        dests = dests or [None] * len(docs)
        jobs = [(source, self.stamp_plan(markup), stamp, dest)
                for (source, _), markup, stamp, dest in zip(sources, markups, stamps, dests)]
        size = sum(source.stat().st_size if isinstance(source, Path) else len(source) for source, _ in sources)
        results = stamp_all(overlays, jobs, 1 if size < STAMP_POOL_BYTES else None)
        results = [result if result[0] is not None else self.restamp(overlays, job) for result, job in zip(results, jobs)]
        timings["pages"] = sum(result[1] for result in results)
        for markup, (_, _, plan) in zip(markups, results):
            self.keep_plan(markup, plan)
        timings["stamp"] = time.perf_counter() - start
        return [(data, warnings) for (data, _, _), (_, warnings) in zip(results, sources)]

    def bundle_title(self, period) -> str:
        zh = period.zh if isinstance(period, Quarter) else f"{period}年度"
        return f"{self.bureau}{zh}平时考核文书合订本"


STAMP_POOL_BYTES = 20_000_000  # below this much PDF, stamping in one process beats starting a pool (``produce``)
FEW_LAYOUTS = 4  # up to this many changed documents are laid out by the one background worker
FORK_DOCUMENTS = 64  # below this many documents to write or stamp, the build does it in one process


def refused_message(refused: list[str]) -> str:
    return f"模板试图读取允许目录以外的文件或网络地址：{'、'.join(refused)}"


def bundle_id(period) -> str:
    return f"{period}/{BUNDLE}"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def prestart(root: Path, cache_root: Path | None = None) -> Background:
    """One WeasyPrint worker started ahead of a build (give it to ``build_period``): while the records
    load, it gets ready to lay out the stamp overlays and the documents that changed."""
    return Background(root, layout_cache.cache_dir(cache_root or root), workers=1).warm()


def build_period(project: Project, period, out: Path, pdf: bool = True, progress=lambda m: None,
                 prov: Provenance | None = None, final: bool = False, bundle: bool = False,
                 cache_root: Path | None = None, background: Background | None = None) -> BuildResult:
    """Build every document of a quarter or a year into ``out/<period>/``, atomically.

    ``prov`` overrides the provenance (a build from a Git revision); ``final`` refuses drafts and
    always makes the print bundle; ``bundle`` makes it for a draft too (joining every PDF costs
    time and disk in proportion to the whole period, so review builds leave it out);
    ``cache_root`` is the records root whose layout cache to use (default: the project's);
    ``background``: from ``prestart`` (closed here).
    """
    try:
        prov = prov or provenance(project.root)
        if final and prov.draft:
            raise KaoheError("记录库有未提交的修改（或不在 Git 中），正式文书（--final）只能从已提交的记录生成；"
                             "请先提交，或去掉 --final 生成草稿")
        builder = Builder(project, prov, cache_root, background)
        docs, diagnostics, markups = builder.documents(period)
        if final and any(doc.draft for doc in docs):
            raise KaoheError(f"{period}年第四季度尚未审定，年度文书只能作为草稿生成；请去掉 --final")
        pdfs = PdfCache(layout_cache.cache_dir(builder.cache_root) / "finished", str(period))
        with build_lock(out, progress), steady_gc():
            result = BuildResult(out / str(period), diagnostics=diagnostics)
            result = _build(period, docs, markups, builder, out, pdf and (bundle or final), pdf, progress, result, pdfs)
            pdfs.finish()
            return result
    except OSError as exc:
        raise KaoheError(f"无法写入输出目录 {out}：{exc.strerror or exc}（磁盘已满、只读或没有权限？）原有文件未改动") from exc
    finally:
        if background is not None:
            background.close()


@contextlib.contextmanager
def build_lock(out: Path, progress):
    """One build at a time per output folder; leftovers of an interrupted build are removed."""
    out.mkdir(parents=True, exist_ok=True)
    try:  # never through a symlink a branch may have committed as build/.lock
        fd = os.open(out / ".lock", os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except OSError as exc:
        raise KaoheError(f"无法使用 {out / '.lock'}（{exc.strerror or exc}）；如果它是符号链接，请删除后重试") from exc
    with os.fdopen(fd, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            progress("另一个生成任务正在进行，等待其完成……")
            fcntl.flock(handle, fcntl.LOCK_EX)
        for stale in out.glob(".*-*"):
            if stale.is_dir():  # staging or old folders of a build that was killed
                shutil.rmtree(stale, ignore_errors=True)
        yield


def _build(period, docs, cached, builder, out, bundle, pdf, progress, result: BuildResult, pdfs) -> BuildResult:
    prov, target = builder.prov, result.folder
    staging = Path(tempfile.mkdtemp(prefix=f".{period}-", dir=out))
    try:
        changed = sum(markup is None for markup in cached)
        progress(f"生成 {len(docs)} 份文书的 HTML……" if changed == len(docs) else
                 f"生成 HTML：{changed} 份文书的内容有变化，{len(docs) - changed} 份沿用上次的内容")
        start = time.perf_counter()
        markups = _contents(builder, docs, cached)
        stamps = [builder.stamp_of(doc, markup) for doc, markup in zip(docs, markups)]
        result.timings["html"] = time.perf_counter() - start
        manifest = {"period": str(period), "bureau": builder.bureau, "commit": prov.commit,
                    "commit_date": prov.iso, "draft": prov.draft, "provenance": prov.line, "pdf": pdf, "documents": []}
        dests = [_output(staging, f"{doc.path}.pdf") for doc in docs] if pdf else []
        keys, digests, todo = _reuse(builder, docs, markups, stamps, pdfs, dests, result, progress) if pdf else ([], [], [])
        pages = [_output(staging, f"{doc.path}.html") for doc in docs]
        result.files.extend(pages)
        start = time.perf_counter()  # pages written here while the background lays out overlays and changed documents
        written = 0
        while written < len(docs) and todo and builder.background is not None and builder.background.busy():
            _write(pages[written], builder.page_html(docs[written], markups[written], stamps[written]).encode("utf-8"))
            written += 1
        result.timings["html_pages"] = time.perf_counter() - start
        sources, overlays = _lay_out(builder, docs, markups, stamps, todo, result, progress) if todo else ([], {})
        jobs = dict(zip(todo, sources))
        start = time.perf_counter()
        if todo:
            progress(f"加盖来源标记：{len(todo)} 份 PDF")
        for i, (digest, warnings) in _finish(builder, docs, markups, stamps, pages, written, dests, jobs, overlays,
                                             result).items():
            digests[i] = digest
            pdfs.put_file(keys[i], dests[i], digest)
            result.diagnostics.extend(warning(docs[i].id, 0, f"WeasyPrint: {m}") for m in warnings)
        result.timings["stamp"] = time.perf_counter() - start
        start = time.perf_counter()
        if pdf:
            _record(builder, docs, stamps, keys, digests, dests, result, manifest)
            if bundle:
                progress(f"合订本：拼接 {len(docs)} 份文书")
                _bundle(builder, period, docs, pdfs, staging, result, manifest)
        else:
            manifest["documents"] = [{"id": d.id, "title": d.title, "path": d.path} for d in docs]
        data = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
        result.files.append(_write(staging / MANIFEST, data))
        swap_in(staging, target)
        result.timings["write"] = time.perf_counter() - start
    finally:
        builder.close()
        shutil.rmtree(staging, ignore_errors=True)
    result.files = sorted(target / p.relative_to(staging) for p in result.files)
    write_index(out)
    return result


def _contents(builder: Builder, docs: list[Document], cached: list[str | None]) -> list[str]:
    """Each document's content HTML: ``cached``, or rendered now (over the cores) and kept in the
    content cache. KaoheError naming every document that could not be rendered."""
    markups = list(cached)
    todo = [i for i, markup in enumerate(cached) if markup is None]
    problems = []
    for i, (markup, problem) in zip(todo, map_forked(builder.try_html, [docs[i] for i in todo])):
        if problem is not None:
            problems.append(f"《{docs[i].title}》：{problem}")
            continue
        markups[i] = markup
        if builder.content_keys and builder.content_keys[i] is not None:
            builder.contents.put(builder.content_keys[i], markup)
    if problems:
        raise KaoheError("以下文书未能生成，build/ 中原有文件未改动：\n" + "\n".join(problems))
    return markups


def _reuse(builder: Builder, docs, markups, stamps, pdfs: "PdfCache", dests, result: BuildResult, progress):
    """The finished PDFs' keys; the unchanged ones linked from the cache into ``dests`` (their SHA-256
    known); the others' stamp overlays and changed layouts started in the background at once:
    (keys, digests with None where a PDF is to be made, the indexes of those)."""
    keys = [builder.key(doc, markup, stamp) for doc, markup, stamp in zip(docs, markups, stamps)]
    digests = [pdfs.get(key, dest) for key, dest in zip(keys, dests)]
    todo = [i for i, digest in enumerate(digests) if digest is None]
    result.reused = len(docs) - len(todo)
    progress(f"排版 PDF：{len(todo)} 份需要生成，{result.reused} 份未变化沿用上次结果")
    if todo:
        changed = [markups[i] for i in todo if not builder.has_layout(markups[i])]
        builder.warm_overlays({_variant(stamps[i], docs[i]) for i in todo}, workers=1)
        if len(changed) > FEW_LAYOUTS and len(builder._background().pools) < 2:
            builder._background().grow(os.cpu_count())
        for markup in sorted(changed, key=len, reverse=True):  # largest first: the workers finish together
            builder.start_layout(markup)
    return keys, digests, todo


def _lay_out(builder: Builder, docs, markups, stamps, todo: list[int], result: BuildResult, progress):
    """The layouts of the documents ``todo`` (cached, or laid out now over the cores; with their
    warnings), and the overlays they need: (layouts, overlays)."""
    start = time.perf_counter()
    sources = builder.layout_sources([markups[i] for i in todo], lambda n, total: progress(f"[{n}/{total}] PDF"))
    result.timings["layout"] = time.perf_counter() - start
    result.rendered = builder.laid_out
    progress(f"其中 {result.rendered} 份重新排版，{len(todo) - result.rendered} 份沿用已排好的版面，只加盖来源标记")
    start = time.perf_counter()
    overlays = builder.overlays(_variant(stamps[i], docs[i]) for i in todo)
    result.timings["stamp_overlay"] = time.perf_counter() - start
    return sources, overlays


def _finish(builder: Builder, docs, markups, stamps, pages: list[Path], written: int, dests: list[Path], jobs: dict,
            overlays: dict, result: BuildResult) -> dict:
    """Write the HTML pages from ``written`` on and stamp the PDFs of ``jobs`` (index → (layout,
    warnings)) with ``overlays`` into ``dests``, over the cores in forked workers that inherit all of
    it (only each PDF's SHA-256, page count and any stamp plan made come back; a document with a page
    of an unpredicted orientation is stamped here): index → (SHA-256, warnings)."""
    if jobs:
        init_stamper(Stamper(overlays))
    plans = {i: builder.stamp_plan(markups[i]) for i in jobs}

    def finish(i: int):
        if i >= written:
            _write(pages[i], builder.page_html(docs[i], markups[i], stamps[i]).encode("utf-8"))
        return stamp_one((jobs[i][0], plans[i], stamps[i], dests[i])) if i in jobs else None

    order = sorted(set(range(written, len(docs))) | set(jobs))
    finished = {}
    for i, outcome in zip(order, map_forked(finish, order, minimum=FORK_DOCUMENTS)):
        if outcome is None:
            continue
        digest, count, plan = outcome
        if digest is None:
            digest, count, plan = builder.restamp(overlays, (jobs[i][0], plans[i], stamps[i], dests[i]))
        builder.keep_plan(markups[i], plan)
        result.timings["pages"] = result.timings.get("pages", 0) + count
        finished[i] = digest, jobs[i][1]
    return finished


def _record(builder: Builder, docs, stamps, keys, digests, dests, result: BuildResult, manifest: dict) -> None:
    """The manifest's entries (hashes known: no file is read again) and the verification codes issued."""
    codes = []
    for doc, stamp, key, digest, dest in zip(docs, stamps, keys, digests, dests):
        result.files.append(dest)
        entry = {"id": doc.id, "title": doc.title, "path": doc.path, "key": key, "sha256": digest}
        if stamp.code:
            entry["code"] = stamp.code
            codes.append({"code": stamp.code, "document": doc.id, "commit": builder.prov.commit, "title": doc.title})
        manifest["documents"].append(entry)
    layout_cache.record_codes(builder.cache_root, codes)


def _variant(stamp: Stamp, doc: Document) -> tuple:
    """The overlay a document's pages get; the orientation comes from the document's kind (a page of
    another orientation, e.g. from a bureau's template, gets its overlay laid out when met)."""
    return stamp.variant("landscape" if "landscape" in doc.kind.split() else "portrait")


class PdfCache:
    """Finished (stamped) PDFs by key beside the laid-out pages.

    Plain files: ``<key>.pdf``, and ``index.json`` with each one's SHA-256, size and modification
    time. An entry is hard-linked into the new build (copied where links are impossible) while its
    size and modification time are the recorded ones, so an unchanged document costs no reading or
    writing; the folder is inside the Git directory or the user cache, never the work tree or
    ``build/``, where a branch could plant a file. The keys used by the last build of each period
    are listed in ``periods/``; everything else is removed after a build. (Two builds finishing
    together may each miss the other's new entries: those are made again when next needed.)
    """

    INDEX = "index.json"

    def __init__(self, folder: Path | None, period: str):
        self.dir = folder
        self.period = period
        self.used: list[str] = []
        self.entries = self._index()
        self.added: dict = {}

    def _index(self) -> dict:
        index = read_json(self.dir / self.INDEX) if self.dir is not None else None
        return index if isinstance(index, dict) else {}

    def _path(self, key: str) -> Path:
        return self.dir / f"{key}.pdf"

    def get(self, key: str, dest: Path) -> str | None:
        """Link (or copy) the cached PDF of ``key`` to ``dest`` if there is an unchanged one; its SHA-256, else None."""
        self.used.append(key)
        if self.dir is None:
            return None
        info = self.entries.get(key)
        if not layout_cache.unchanged(self._path(key), info) or not isinstance(info.get("sha256"), str):
            return None  # missing, damaged or edited since: stamp again
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            _link_or_copy(self._path(key), dest)
        except OSError:
            return None
        return info["sha256"]

    def _add(self, key: str, digest: str) -> None:
        self.added[key] = self.entries[key] = {"sha256": digest, "stat": layout_cache.file_stamp(self._path(key))}

    def put(self, key: str, data: bytes) -> str:
        """Keep ``data`` under ``key`` (best effort); its SHA-256."""
        digest = _sha(data)
        if self.dir is not None and write_atomic(self._path(key), data):
            self._add(key, digest)
        return digest

    def put_file(self, key: str, path: Path, digest: str) -> None:
        """Keep the finished file ``path`` (whose SHA-256 is ``digest``) under ``key``: a hard link where
        possible; best effort."""
        if self.dir is None:
            return
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            tmp = self.dir / f".tmp-{os.getpid()}-{key}.pdf"  # unique per process; leftovers are removed by finish()
            _link_or_copy(path, tmp)
            os.replace(tmp, self._path(key))
        except OSError:
            return
        self._add(key, digest)

    def finish(self) -> None:
        """Remember this period's keys and the new entries; remove PDFs no period's last build used."""
        if self.dir is None or not self.dir.is_dir():
            return
        periods = self.dir / "periods"
        write_json(periods / f"{_sha(self.period.encode())[:16]}.json", sorted(set(self.used)))
        keep: set[str] = set()
        for index in periods.glob("*.json"):
            keys = read_json(index)
            if isinstance(keys, list):
                keep.update(k for k in keys if isinstance(k, str))
        entries = {**self._index(), **self.added}  # as other builds left it, with this one's
        write_json(self.dir / self.INDEX, {k: v for k, v in sorted(entries.items()) if k in keep})
        for entry in self.dir.iterdir():
            if entry.is_file() and entry.name != self.INDEX and entry.suffix in (".pdf", ".json") and entry.stem not in keep:
                with contextlib.suppress(OSError):
                    entry.unlink()


def _link_or_copy(source: Path, dest: Path) -> None:
    try:
        os.link(source, dest)
    except OSError:  # another file system, or links not allowed
        shutil.copyfile(source, dest)


def _bundle(builder, period, docs, pdfs: "PdfCache", staging, result, manifest) -> None:
    if not docs:
        return
    key = _sha("\0".join(d["key"] for d in manifest["documents"]).encode() + builder.bundle_title(period).encode())
    dest = staging / f"{BUNDLE}.pdf"
    digest = pdfs.get(key, dest)
    if digest is None:
        paths = [_output(staging, f"{doc.path}.pdf") for doc in docs]
        data = join(paths, builder.bundle_title(period), bundle_id(period), metadata(paths[0]))
        dest.write_bytes(data)
        digest = pdfs.put(key, data)
    manifest["bundle"] = {"path": BUNDLE, "key": key, "sha256": digest}
    result.files.insert(0, dest)


def _output(folder: Path, relative: str) -> Path:
    """``folder/relative`` in the build's own staging folder, refused (KaoheError) unless it stays inside."""
    return inside_own(folder, relative)


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def swap_in(staging: Path, target: Path) -> None:
    """Replace ``target`` with ``staging`` by renames; the old folder is removed last (an empty
    ``staging`` is left for the caller's cleanup)."""
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
