"""Templates → HTML → PDF, locked down.

- Jinja: the bureau's ``templates/`` overrides the packaged templates; autoescape and
  StrictUndefined; a template mistake is reported with template name and line.
- WeasyPrint: fetches only files inside the template and font directories; everything
  else (network, ``file:///etc/...``) is refused and reported. Its warnings are collected
  and returned, never lost. PDFs are deterministic: fixed dates and identifier.
"""
from __future__ import annotations

import contextlib
import hashlib
import html
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

import jinja2
from markupsafe import Markup

from kaohe_docs import __version__
from kaohe_docs.documents.formatting import sentence
from kaohe_docs.documents.titles import lines as title_lines
from kaohe_docs.errors import KaoheError
from kaohe_docs.render.fonts import Fonts

PACKAGE_TEMPLATES = Path(__file__).parent.parent / "templates"


class TemplateProblem(KaoheError):
    pass


def _css_string(value) -> str:
    """A value safe inside a CSS double-quoted string."""
    return re.sub(r'["\\<>\n\r]', "", str(value))


def make_environment(root: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([
            jinja2.FileSystemLoader(str(root / "templates")),
            jinja2.FileSystemLoader(str(PACKAGE_TEMPLATES)),
        ]),
        autoescape=jinja2.select_autoescape(["html"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["css_string"] = _css_string
    env.filters["title_lines"] = _title_lines
    env.filters["sentence"] = sentence
    return env


# Characters (em) per title line: 版心 width / title size, with a little slack for estimated widths.
TITLE_CAPACITY = {"notice": 19.5, "letter": 17, "form landscape": 41, "form": 26.5}


@jinja2.pass_context
def _title_lines(context, text: str, kind: str | None = None, bureau: str | None = None) -> Markup:
    """A title as GB/T 9704 lines: whole words per line, balanced; each line one unbreakable span."""
    doc = context.get("doc")
    kind = kind or (getattr(doc, "kind", "") if doc is not None else "")
    capacity = next((c for k, c in TITLE_CAPACITY.items() if kind.startswith(k)), TITLE_CAPACITY["form"])
    if bureau is None:
        bureau = getattr(context.get("bureau"), "name", "") or ""
    parts = title_lines(str(text), capacity, bureau)
    return Markup("<br>").join(Markup('<span class="title-line">{}</span>').format(line) for line in parts)


def _template_location(exc: BaseException) -> str:
    """'publicity.html:12' from a Jinja traceback (templates appear as frames of their file)."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return f"{exc.name or exc.filename}:{exc.lineno}"
    where = ""
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith((".html", ".css")):
            where = f"{Path(filename).name}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where or "模板"


def render_html(env: jinja2.Environment, template: str, context: dict) -> str:
    try:
        return env.get_template(template).render(**context)
    except jinja2.TemplateNotFound as exc:
        raise TemplateProblem(f"找不到模板“{exc.name}”") from exc
    except jinja2.TemplateError as exc:
        raise TemplateProblem(f"模板错误 {_template_location(exc)}: {exc.message or exc}") from exc


_INVISIBLE = re.compile(r"<(head|style|script)\b.*?</\1\s*>", re.S | re.I)
_TAG = re.compile(r"<[^>]*>")


def visible_text(markup: str) -> str:
    """The text a reader sees (no head, style or script; tags removed, entities resolved)."""
    return html.unescape(_TAG.sub("", _INVISIBLE.sub("", markup)))


def check_glyphs(fonts: Fonts, markup: str, document: str) -> None:
    text = visible_text(markup)
    missing = fonts.missing(text)
    if missing:
        samples = []
        for char in missing[:5]:
            at = text.index(char)
            context = text[max(0, at - 8): at + 8].replace("\n", " ").strip()
            samples.append(f"“{char}”（U+{ord(char):04X}，见“{context}”）")
        raise KaoheError(f"{document}: 字体中缺少以下字符，打印会成为空白方框：{'；'.join(samples)}。"
                         "请改用常用字，或在 policy/policy.yaml 的 fonts 中换用包含该字的字体")


@dataclass
class RenderLog:
    """WeasyPrint's warnings and refused fetches during one rendering."""

    warnings: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


class _Collector(logging.Handler):
    def __init__(self, log: RenderLog):
        super().__init__(logging.WARNING)
        self.log = log

    def emit(self, record):
        self.log.warnings.append(record.getMessage())


def allowed_dirs(root: Path) -> tuple[str, ...]:
    dirs = [PACKAGE_TEMPLATES, root / "templates", root / "fonts"]
    return tuple(os.path.realpath(d) + os.sep for d in dirs)


_NOTICE_BODY = '<body class="notice'
_NOTICE_BODY_TIGHT = '<body class="tight notice'


class PdfRenderer:
    """One per process: the font configuration and fetcher are reused across documents."""

    def __init__(self, root: Path):
        import weasyprint  # heavy: only when documents are built
        from weasyprint.text.fonts import FontConfiguration
        self.weasyprint = weasyprint
        self.font_config = FontConfiguration()
        self.allowed = allowed_dirs(root)
        self.base_url = PACKAGE_TEMPLATES.as_uri() + "/"

    def _fetcher(self, log: RenderLog):
        weasyprint, allowed = self.weasyprint, self.allowed

        class LockedFetcher(weasyprint.URLFetcher):
            def fetch(self, url, headers=None):
                parsed = urlparse(url)
                if parsed.scheme == "file":
                    path = os.path.realpath(unquote(parsed.path))
                    if any(path.startswith(d) for d in allowed) and os.path.isfile(path):
                        return super().fetch(url, headers)
                elif parsed.scheme == "data":
                    return super().fetch(url, headers)
                log.refused.append(url)
                raise weasyprint.urls.FatalURLFetchingError(f"拒绝读取 {url}")

        return LockedFetcher(allowed_protocols=("file", "data"), allow_redirects=False)

    @staticmethod
    @contextlib.contextmanager
    def _collecting(log: RenderLog):
        handler, logger = _Collector(log), logging.getLogger("weasyprint")
        logger.addHandler(handler)
        try:
            yield
        finally:
            logger.removeHandler(handler)

    def layout(self, markup: str, log: RenderLog):
        """HTML → laid-out WeasyPrint document (None when a forbidden fetch stopped it).

        A notice (公文) over several pages is laid out a second time with tighter line and
        character spacing (body class "tight"); when that saves its last page, the tight one
        is kept (GB/T 9704 7.3.5: adjust the spacing so that the 落款 fits with the text).
        Otherwise the stylesheet's break rules move the last body lines along with the 落款.
        """
        document = self._layout(markup, log)
        if document is not None and len(document.pages) > 1 and _NOTICE_BODY in markup:
            tight = self._layout(markup.replace(_NOTICE_BODY, _NOTICE_BODY_TIGHT, 1), RenderLog())
            if tight is not None and len(tight.pages) < len(document.pages):
                return tight
        return document

    def _layout(self, markup: str, log: RenderLog):
        with self._collecting(log):
            try:
                html = self.weasyprint.HTML(string=markup, base_url=self.base_url, url_fetcher=self._fetcher(log))
                return html.render(font_config=self.font_config)
            except self.weasyprint.urls.FatalURLFetchingError:
                return None

    def write(self, document, identifier: str, log: RenderLog) -> bytes:
        """PDF bytes; deterministic: fixed dates (from the commit) and a fixed identifier."""
        with self._collecting(log):
            return document.write_pdf(custom_metadata=True,
                                      pdf_identifier=hashlib.md5(identifier.encode()).hexdigest().encode())


def generator() -> str:
    return f"kaohe-docs {__version__}"
