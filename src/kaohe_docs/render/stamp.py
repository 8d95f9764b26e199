"""Provenance stamped onto finished pages: commit, date, 草稿/正式, verification code, metadata.

The laid-out pages of a document (``layout_cache``) never name a commit. Per build, each
stamp variant (internal footer or public notice code × page orientation) is laid out once
as a one-page overlay (template ``stamp.html``), and each page of each
document gets its variant merged on top with pikepdf (qpdf): measured about 5× faster than
pypdf's ``merge_page`` on the same pages (bench/RESULTS.md). The document information
dictionary receives the full provenance; the output is deterministic (the file ID is derived
from the content by qpdf, there are no timestamps other than the commit date).

Public notices (公示, kind "notice") show only the page number and a short verification code
derived from the document's content and the commit; ``kaohe verify CODE`` understands it.
"""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from kaohe_docs import __version__
from kaohe_docs.render.provenance import Provenance

# Crockford's base 32: no I, L, O, U — nothing to misread on a printed notice
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10


def is_public(doc) -> bool:
    """Posted on a bulletin board (公示): code only, no tool or Git wording on the page."""
    return "notice" in doc.kind.split()


def content_hash(markup: str) -> str:
    return hashlib.sha256(markup.encode("utf-8")).hexdigest()


def verification_code(content_sha: str, commit: str) -> str:
    """``ABCDE-FGHJK``: 50 bits of SHA-256(content hash, commit) in Crockford base 32."""
    digest = int.from_bytes(hashlib.sha256(f"kaohe-code\0{content_sha}\0{commit}".encode()).digest()[:8], "big")
    chars = []
    for _ in range(CODE_LENGTH):
        digest, rest = divmod(digest, 32)
        chars.append(_ALPHABET[rest])
    code = "".join(chars)
    return f"{code[:5]}-{code[5:]}"


def normalise_code(text: str) -> str | None:
    """A code as typed by a person (lower case, without the dash, O for 0 …) → canonical form, or None."""
    cleaned = text.strip().upper().replace("-", "").replace(" ", "")
    cleaned = cleaned.translate(str.maketrans({"O": "0", "I": "1", "L": "1"}))
    if len(cleaned) != CODE_LENGTH or any(c not in _ALPHABET for c in cleaned):
        return None
    return f"{cleaned[:5]}-{cleaned[5:]}"


@dataclass(frozen=True)
class Stamp:
    """What is printed on one document's pages, and its metadata."""

    public: bool
    code: str  # "" for drafts
    metadata: dict  # PDF document information: "/Key" → text
    draft: bool = False  # uncommitted records, or a document that is a draft by nature (an annual paper before Q4)

    def variant(self, orientation: str) -> tuple:
        return (self.public, self.code if self.public else "", orientation, self.draft)


def pdf_date(prov: Provenance) -> str:
    d = prov.date
    offset = d.utcoffset()
    if offset is None:
        tz = "Z"
    else:
        minutes = int(offset.total_seconds() // 60)
        sign = "+" if minutes >= 0 else "-"
        tz = f"{sign}{abs(minutes) // 60:02d}'{abs(minutes) % 60:02d}'"
    return f"D:{d:%Y%m%d%H%M%S}{tz}"


def keywords(bureau: str, doc, prov: Provenance, code: str, draft: bool) -> str:
    state = "草稿" if draft else "正式"
    parts = [bureau, doc.period, f"记录库提交 {prov.commit or '无提交'}", prov.iso, state,
             f"kaohe-docs {__version__}"]
    if code:
        parts.append(f"核验码 {code}")
    return ", ".join(parts)


def make_stamp(bureau: str, doc, prov: Provenance, markup: str) -> Stamp:
    public = is_public(doc)
    draft = prov.draft or bool(getattr(doc, "draft", False))
    code = "" if draft or not prov.commit else verification_code(content_hash(markup), prov.commit)
    date = pdf_date(prov)
    metadata = {
        "/Title": doc.title, "/Author": bureau, "/Subject": prov.line,
        "/Keywords": keywords(bureau, doc, prov, code, draft), "/Creator": f"kaohe-docs {__version__}",
        "/CreationDate": date, "/ModDate": date,
        "/kaohecommit": prov.commit, "/kaohedraft": "yes" if draft else "no", "/kaohedocument": doc.id,
        "/kaohecode": code,
    }
    return Stamp(public, code, metadata, draft)


def overlay_context(variants: list[tuple]) -> list[dict]:
    return [{"public": public, "code": code, "orientation": orientation, "draft": draft}
            for public, code, orientation, draft in variants]


def orientation(page) -> str:
    box = [float(v) for v in page.mediabox]
    return "landscape" if box[2] - box[0] > box[3] - box[1] else "portrait"


class Stamper:
    """Merges the overlay pages onto laid-out PDFs (pikepdf); one per build."""

    def __init__(self, overlays: dict[tuple, bytes], missing=None):
        """``overlays``: each variant's one-page overlay PDF, laid out on its own so that its bytes
        (and its font subset) never depend on which other variants the build needed."""
        import pikepdf
        self.pikepdf = pikepdf
        self.overlays = {}
        self.missing = missing  # variant → overlay PDF bytes, for a variant nobody predicted
        self.pages = 0  # pages stamped
        for variant, data in overlays.items():
            self._add(variant, data)

    def _add(self, variant: tuple, data: bytes) -> None:
        pdf = self.pikepdf.open(io.BytesIO(data))
        if len(pdf.pages) != 1:
            raise ValueError(f"stamp template made {len(pdf.pages)} pages for variant {variant}")
        self.overlays[variant] = pdf

    def _overlay(self, variant: tuple):
        if variant not in self.overlays:
            if self.missing is None:
                raise KeyError(variant)
            self._add(variant, self.missing(variant))
        return self.overlays[variant].pages[0]

    def apply(self, layout: bytes, stamp: Stamp) -> bytes:
        pikepdf = self.pikepdf
        with pikepdf.open(io.BytesIO(layout)) as pdf:
            forms = {}
            for page in pdf.pages:
                variant = stamp.variant(orientation(page))
                if variant not in forms:
                    source = self._overlay(variant)
                    forms[variant] = pdf.copy_foreign(source.as_form_xobject())
                # a fixed resource name (pikepdf's add_overlay picks a random one): deterministic bytes
                name = page.add_resource(forms[variant], pikepdf.Name.XObject, pikepdf.Name("/KaoheStamp"))
                page.contents_add(b"q\n", prepend=True)
                page.contents_add(b"\nQ\nq " + bytes(name) + b" Do Q\n", prepend=False)
                self.pages += 1
            info = pdf.docinfo
            for key, value in stamp.metadata.items():
                info[pikepdf.Name(key)] = pikepdf.String(value)
            out = io.BytesIO()
            pdf.save(out, deterministic_id=True)
        return out.getvalue()
