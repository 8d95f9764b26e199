"""Templates → HTML → PDF, locked down.

- Jinja: the bureau's ``templates/`` overrides the packaged templates; autoescape and
  StrictUndefined; a template mistake is reported with template name and line.
- Templates come from a repository that takes merge requests, so they are untrusted code:
  they run in Jinja's ``ImmutableSandboxedEnvironment`` (no ``__class__``/``__globals__``
  escapes, no mutating calls, no access into modules, paths or files), and the bureau's
  overrides are read only from regular files directly inside ``templates/`` (no symlinks, no
  sub-folders, no absolute or ``..`` names in include/extends/import).
- WeasyPrint: fetches only regular files inside the template and font directories (neither
  may be a symlink); everything else (network, ``file:///etc/...``) is refused and reported.
  Its warnings are collected and returned, never lost. PDFs are deterministic: fixed dates
  and identifier.
"""
from __future__ import annotations

import contextlib
import hashlib
import html
import io
import logging
import os
import re
import stat
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from markupsafe import Markup

from kaohe_docs import __version__
from kaohe_docs.documents.formatting import sentence
from kaohe_docs.documents.titles import lines as title_lines
from kaohe_docs.errors import KaoheError
from kaohe_docs.render.fonts import Fonts
from kaohe_docs.render.pagecheck import justify_lines, missing_in_role, signoff_alone

PACKAGE_TEMPLATES = Path(__file__).parent.parent / "templates"


class TemplateProblem(KaoheError):
    pass


def _css_string(value) -> str:
    """A value safe inside a CSS double-quoted string."""
    return re.sub(r'["\\<>\n\r]', "", str(value))


class UnsafeTemplate(jinja2.TemplateNotFound):
    """A template name or file the loader refuses to read (the message says why, in Chinese)."""

    def __init__(self, name: str, message: str):
        super().__init__(name, message)
        self.message = message


_TEMPLATE_NAME = re.compile(r"[^/\\\x00-\x1f]+\Z")


class OverrideLoader(jinja2.BaseLoader):
    """The bureau's ``templates/`` first, then the packaged templates; names are single file names.

    Refused, with a message naming the template: absolute names, ``..``, sub-folders, hidden
    files, and anything in ``templates/`` that is not a regular file (a symlink above all).
    """

    def __init__(self, root: Path):
        self.folder = root / "templates"
        self.package = jinja2.FileSystemLoader(str(PACKAGE_TEMPLATES))

    def get_source(self, environment, template: str):
        if not _TEMPLATE_NAME.match(template) or template.startswith("."):
            raise UnsafeTemplate(template, f"模板名“{template}”不允许：只能引用 templates/ 中的文件名，"
                                           "不能含路径（/、\\、..）或以 . 开头")
        if os.path.islink(self.folder):
            raise UnsafeTemplate(template, "templates/ 是符号链接，出于安全原因不读取")
        path = self.folder / template
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return self.package.get_source(environment, template)
        except OSError as exc:
            raise UnsafeTemplate(template, f"无法读取 templates/{template}（{exc.strerror or exc}）") from exc
        if stat.S_ISLNK(st.st_mode):
            raise UnsafeTemplate(template, f"templates/{template} 是符号链接，出于安全原因不读取")
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeTemplate(template, f"templates/{template} 不是普通文件")
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            with io.open(fd, "rb") as fh:
                source = fh.read().decode("utf-8")
        except OSError as exc:
            raise UnsafeTemplate(template, f"无法读取 templates/{template}（{exc.strerror or exc}）") from exc
        except UnicodeDecodeError as exc:
            raise UnsafeTemplate(template, f"templates/{template} 不是 UTF-8 编码的文本，请另存为 UTF-8") from exc
        return source, str(path), lambda: True


# Objects a template may never look into, even through attributes the sandbox allows.
_OPAQUE = (types.ModuleType, os.PathLike, io.IOBase, type)


class TemplateSandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, and no way from a value to the file system or the interpreter."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._verdicts: dict = {}

    def is_safe_attribute(self, obj, attr, value) -> bool:
        """Decided by the object's type and the attribute's name alone (so are all of the sandbox's
        own checks), hence remembered per (type, name): a quarter's templates look up the same few
        attributes hundreds of thousands of times."""
        key = (type(obj), attr)
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = not isinstance(obj, _OPAQUE) and super().is_safe_attribute(obj, attr, value)
            self._verdicts[key] = verdict
        return verdict


def make_environment(root: Path) -> jinja2.Environment:
    env = TemplateSandbox(
        loader=OverrideLoader(root),
        autoescape=jinja2.select_autoescape(["html"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["css_string"] = _css_string
    env.filters["font_stack"] = _font_stack
    env.filters["font_weight"] = _font_weight
    env.filters["title_lines"] = _title_lines
    env.filters["sentence"] = sentence
    return env


@jinja2.pass_context
def _font_stack(context, role: str) -> Markup:
    """A role's CSS font-family list: its family, then the fallback families the policy declares."""
    fonts = context.get("fonts") or {}
    names = [fonts.get(role)] + list(context.get("font_fallback") or ())
    return Markup(", ".join(f'"{_css_string(name)}"' for name in dict.fromkeys(names) if name))


@jinja2.pass_context
def _font_weight(context, role: str) -> str:
    """The CSS font-weight of a role's chosen entry ("bold" for "Noto Serif CJK SC:bold", else normal)."""
    weight = (context.get("font_weights") or {}).get(role, "normal")
    return weight if weight in ("normal", "bold", "500", "600", "900") else "normal"


# Characters (em) per title line: 版心 width / title size, with a little slack for estimated widths.
TITLE_CAPACITY = {"notice": 19.5, "official": 19.5, "letter": 17, "form landscape": 41, "form": 26.5}


@jinja2.pass_context
def _title_lines(context, text: str, kind: str | None = None, bureau: str | None = None) -> Markup:
    """A title as GB/T 9704 lines: whole words per line, balanced; each line one unbreakable span."""
    doc = context.get("doc")
    kind = kind or str(getattr(doc, "kind", None) or "")
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
    except UnsafeTemplate as exc:
        raise TemplateProblem(f"拒绝模板“{exc.name}”：{exc.message}") from exc
    except SecurityError as exc:
        raise TemplateProblem(f"模板 {_template_location(exc)} 试图访问不允许的内容，出于安全原因已拒绝（{exc}）") from exc
    except jinja2.TemplateNotFound as exc:
        raise TemplateProblem(f"找不到模板“{exc.name}”") from exc
    except jinja2.TemplateError as exc:
        raise TemplateProblem(f"模板错误 {_template_location(exc)}: {exc.message or exc}") from exc
    except (ArithmeticError, LookupError, TypeError, ValueError, AttributeError, RecursionError, OverflowError) as exc:
        # a template computing or indexing something that fails: still the template's mistake
        raise TemplateProblem(f"模板错误 {_template_location(exc)}: {type(exc).__name__}: {exc}") from exc


# The HTML files in build/ are opened in a browser: no script, no network, no forms, only the
# document's own styles, images and fonts.
CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'unsafe-inline' file: data:; img-src file: data:; "
                           "font-src file: data:; base-uri 'none'; form-action 'none'")
_DOCTYPE = re.compile(r"\A\s*<!doctype[^>]*>", re.I)


def with_content_policy(markup: str) -> str:
    """``markup`` with a Content-Security-Policy placed before anything the template wrote.

    A template (the bureau's override, from a merge request) could add ``<script>`` that runs
    when a reviewer opens the HTML in a browser and sends the personal data in it elsewhere;
    the policy comes first in the document, so the browser enforces it on all that follows.
    """
    meta = f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">'
    doctype = _DOCTYPE.match(markup)
    at = doctype.end() if doctype else 0
    return f"{markup[:at]}{meta}{markup[at:]}"


_INVISIBLE = re.compile(r"<(head|style|script)\b.*?</\1\s*>", re.S | re.I)
# text between tags in the body, and the blocks whose text is not laid out as HTML text
_SKIP_OR_TEXT = re.compile(r"<(style|script|svg|title|textarea)\b.*?</\1\s*>|<[^>]*>|([^<]+)", re.S | re.I)
_TOKEN = re.compile(r"&[#\w]{1,32};|.", re.S)
CHUNK = 64  # characters per piece of a long text (each piece's width is measured alone)


def breakable(markup: str) -> str:
    """Long texts cut into ``<span>`` pieces of ``CHUNK`` characters, so layout stays linear in their length.

    WeasyPrint measures a table cell's minimum width by breaking its text after every
    character and laying out the rest again each time: quadratic in one text's length
    (a 4,000-character 职务 took 29 s). Pieces are measured one by one; they are plain
    inline boxes, so what is printed does not change. Shorter texts are left as they are.
    """
    body = markup.find("<body")
    if body < 0:
        return markup
    out = [markup[:body]]
    for match in _SKIP_OR_TEXT.finditer(markup, body):
        text = match.group(2)
        if text is None or len(text) <= 2 * CHUNK:
            out.append(match.group())
            continue
        tokens = _TOKEN.findall(text)
        out.extend(f"<span>{''.join(tokens[i:i + CHUNK])}</span>" for i in range(0, len(tokens), CHUNK))
    return "".join(out)
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
    """Folders WeasyPrint may read from; a repository folder that is a symlink is not one of them."""
    dirs = [PACKAGE_TEMPLATES] + [d for d in (root / "templates", root / "fonts") if not os.path.islink(d)]
    return tuple(os.path.realpath(d) + os.sep for d in dirs)


def _allowed_file(url: str, allowed: tuple[str, ...]) -> bool:
    """A file: URL naming a regular file inside ``allowed``, through no symlink out of it."""
    try:
        parsed = urlparse(url)
        if parsed.netloc not in ("", "localhost") or parsed.query or "\x00" in url:
            return False
        path = os.path.realpath(unquote(parsed.path))
        return any(path.startswith(d) for d in allowed) and os.path.isfile(path)
    except (ValueError, OSError):
        return False


class PdfRenderer:
    """One per process: the font configuration and fetcher are reused across documents."""

    def __init__(self, root: Path):
        import weasyprint  # heavy: only when documents are built
        from weasyprint.text.fonts import FontConfiguration
        self.weasyprint: Any = weasyprint  # no type information
        self.font_config = FontConfiguration()
        self.allowed = allowed_dirs(root)
        self.base_url = PACKAGE_TEMPLATES.as_uri() + "/"

    def _fetcher(self, log: RenderLog):
        weasyprint, allowed = self.weasyprint, self.allowed

        class LockedFetcher(weasyprint.URLFetcher):  # type: ignore[name-defined]  # weasyprint: no stubs
            def fetch(self, url, headers=None):
                scheme = url.split(":", 1)[0].lower() if ":" in url else ""
                if scheme == "file" and _allowed_file(url, allowed):
                    return super().fetch(url, headers)
                if scheme == "data":
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
        """HTML → laid-out WeasyPrint document (None when a forbidden fetch stopped it), with the
        layout check's findings (``signoff_alone``) added to the log's warnings.

        A notice (公文) keeps its 22 × 28 grid on every page: when the 落款 does not fit under the
        text, the stylesheet's break rules move the last body lines along with it (GB/T 9704 7.3.5).
        """
        document = self._layout(markup, log)
        if document is not None:
            justify_lines(document.pages)
            log.warnings.extend(signoff_alone(document.pages))
            log.warnings.extend(missing_in_role(document.pages))
        return document

    def _layout(self, markup: str, log: RenderLog):
        with self._collecting(log):
            try:
                html = self.weasyprint.HTML(string=breakable(markup), base_url=self.base_url, url_fetcher=self._fetcher(log))
                return html.render(font_config=self.font_config)
            except self.weasyprint.urls.FatalURLFetchingError:
                return None

    def write(self, document, identifier: str, log: RenderLog, variant: str | None = None) -> bytes:
        """PDF bytes; deterministic: fixed dates (from the commit) and a fixed identifier.
        ``variant``: e.g. "pdf/a-2b" for the archive."""
        extra = {"pdf_variant": variant} if variant else {}
        with self._collecting(log):
            try:
                return document.write_pdf(custom_metadata=True,
                                          pdf_identifier=hashlib.md5(identifier.encode()).hexdigest().encode(), **extra)
            except self.weasyprint.urls.FatalURLFetchingError:  # an attachment outside the allowed folders
                return b""


def generator() -> str:
    return f"kaohe-docs {__version__}"
