"""What a build of a period needs, set up once: templates, fonts, provenance, the caches.

``Builder`` renders a document's content HTML, looks up and fills the layout cache, lays out
the stamp overlays and computes each finished PDF's key; the build's stages (``build.py``) call it.
"""
from __future__ import annotations

import functools
import hashlib
import json
import re
from pathlib import Path
from typing import TypeVar

from kaohe_docs.documents import Document, quarter_documents, year_documents
from kaohe_docs.errors import Diagnostic, KaoheError, warning
from kaohe_docs.model import Quarter
from kaohe_docs.pipeline import Project
from kaohe_docs.render import layout_cache
from kaohe_docs.render.fonts import environment, resolve
from kaohe_docs.render.pool import Stamped, stamp_one
from kaohe_docs.render.provenance import Provenance, of_document
from kaohe_docs.render.renderer import check_glyphs, generator, make_environment, render_html, with_content_policy
from kaohe_docs.render.runner import Runner, SerialRunner
from kaohe_docs.render.stamp import Stamp, Stamper, make_stamp, overlay_context

BUNDLE = "00-打印合订本"
T = TypeVar("T")


def _loaded(value: T | None) -> T:
    """A part of a project that loaded (a project with errors in its records builds nothing)."""
    if value is None:
        raise KaoheError("记录有错误，无法生成文书；请先运行 kaohe check 并改正")
    return value


def plan(project: Project, period) -> tuple[list[Document], list[Diagnostic]]:
    a = _loaded(project.assessment)
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
                 runner: Runner | None = None):
        self.project, self.prov = project, prov
        self.fonts = resolve(_loaded(project.policy).fonts)
        self.env = make_environment(project.root)
        self.bureau = _loaded(project.info).name
        self.policy = policy = _loaded(project.policy)
        self.base = {"bureau": project.info, "fonts": self.fonts.families, "font_weights": self.fonts.weights,
                     "font_fallback": self.fonts.fallback,
                     "print": {"duplex": policy.duplex, "binding": f"{policy.binding_margin:f}"}}
        self.environment_key = layout_cache.environment_key(
            project.root, (*self.fonts.families.values(), *self.fonts.fallback))
        self.stamp_templates = layout_cache.stamp_template_fingerprint(project.root)
        self.cache_root = cache_root or project.root
        self.cache = layout_cache.LayoutCache(layout_cache.cache_dir(self.cache_root))
        self.contents = layout_cache.ContentCache(self.cache.folder)
        self.content_keys: list[str | None] = []  # of the documents ``documents`` returned
        self.laid_out = 0  # documents laid out by WeasyPrint in this build (the rest came from the cache)
        self.runner = runner or SerialRunner()  # where the work is done (``runner.py``)
        self.warmed: set = set()  # overlay variants already looked up or started
        self.layout_keys: dict[str, str] = {}  # content HTML → layout key

    @functools.cached_property
    def environment(self) -> str:
        """What makes the PDFs besides their content (recorded in each; ``verify`` compares it)."""
        return json.dumps(environment(self.fonts), ensure_ascii=False, sort_keys=True, separators=(",", ":"))

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
        known = [k for k in self.content_keys if k is not None]
        if key is not None and len(known) == len(docs):
            self.contents.put_plan(key, docs, notes, known)
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
        markup = with_content_policy(render_html(self.env, doc.template, {**self.base, "doc": doc, **doc.context}))
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

    def start_layouts(self, markups: list[str], workers: int | None = None) -> None:
        """Start laying out these contents ahead, where the runner can (the results go into the layout cache)."""
        self.runner.start_layouts([(self.layout_key(markup), markup) for markup in markups], workers)

    def _collect(self, key: str):
        """A layout started ahead: (file or bytes, warnings); raises for a refused fetch."""
        source, warnings, refused = self.runner.collect(key)
        if refused:
            raise KaoheError(refused_message(refused))
        return source, warnings

    def stamp_of(self, doc: Document, markup: str) -> Stamp:
        return make_stamp(self.bureau, doc, self.prov, markup, self.environment)

    def page_html(self, doc: Document, markup: str, stamp: Stamp) -> str:
        """The HTML file users open: the content HTML with the provenance (metadata, footer, 草稿) added."""
        context = {**self.base, "doc": doc, "provenance": of_document(self.prov, doc), "generator": generator(), "code": stamp.code,
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

    def page_map(self, markup: str) -> dict | None:
        """The stored page map of this content's layout (found in the cache or laid out in this build), or None."""
        return self.cache.page_map(self.layout_key(markup))

    def restamp(self, overlays: dict, job) -> Stamped:
        """``stamp_one`` in this process for a job a worker gave back: a page of an orientation nobody
        predicted gets its overlay laid out here, once (it is cached like any layout)."""
        return stamp_one(Stamper(overlays, missing=lambda variant: self.overlays([variant])[variant]), job)

    def keep_page_map(self, markup: str, page_map: dict | None) -> None:
        """Store a page map made while stamping a layout cached without one."""
        if page_map is not None:
            self.cache.keep_page_map(self.layout_key(markup), page_map)

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

    def render(self, jobs: list[tuple[str, str]], progress=None, variant: str | None = None) -> list[tuple[bytes, list[str]]]:
        """Laid-out PDFs for (markup, identifier) jobs, not cached (``variant``: e.g. pdf/a-2b for the
        archive); a forbidden fetch or a WeasyPrint warning is reported."""
        results: list = [None] * len(jobs)
        problems = []
        for i, (data, warnings, refused) in self.runner.lay_out_each(self.project.root, jobs, progress, None, variant):
            if refused:
                problems.append(refused_message(refused))
            results[i] = (data, warnings)
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
        started = [key for key in unique if self.runner.started(key)]
        found: dict = {}
        for key in unique:
            hit = None if key in started else self.cache.path(key)
            if hit is not None:
                found[key] = hit
        todo = [key for key in unique if key not in found and key not in started]
        total = len(started) + len(todo)
        problems = []
        position = {key: i for i, key in reversed(list(enumerate(keys)))}  # progress names a markup by its index
        for n, key in enumerate(started, 1):  # laid out (or being laid out) during the HTML step
            try:
                found[key] = self._collect(key)
            except KaoheError as exc:
                problems.append(exc.message)
            if progress:
                progress(n, total, position[key])
        first = {key: markups[i] for key, i in position.items()}
        for n, (i, (data, warnings, refused)) in enumerate(
                self.runner.lay_out_each(self.project.root, [(first[key], key) for key in todo], None, workers),
                len(started) + 1):
            if progress:
                progress(n, total, position[todo[i]])
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
                self.start_layouts([markup], workers)

    def close(self) -> None:
        self.runner.close()

    def overlays(self, variants) -> dict:
        """Each stamp variant laid out once as its own one-page overlay (cached like any layout)."""
        variants = sorted(set(variants))
        markups = [self.overlay_markup(variant) for variant in variants]
        # a few tiny pages: one process (a pool would pay WeasyPrint's font setup once per worker)
        laid_out = self.layouts(markups, count=False, workers=1)
        return {variant: data for variant, (data, _warnings) in zip(variants, laid_out)}

    def bundle_title(self, period) -> str:
        zh = period.zh if isinstance(period, Quarter) else f"{period}年度"
        return f"{self.bureau}{zh}平时考核文书合订本"




def refused_message(refused: list[str]) -> str:
    return f"模板试图读取允许目录以外的文件或网络地址：{'、'.join(refused)}"


def bundle_id(period) -> str:
    return f"{period}/{BUNDLE}"


def overlay_variant(stamp: Stamp, doc: Document) -> tuple:
    """The overlay a document's pages get; the orientation comes from the document's kind (a page of
    another orientation, e.g. from a bureau's template, gets its overlay laid out when met)."""
    return stamp.variant("landscape" if "landscape" in doc.kind.split() else "portrait")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
