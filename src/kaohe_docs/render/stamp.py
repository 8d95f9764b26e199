"""Provenance stamped onto finished pages: commit, date, 草稿/正式, verification code, metadata.

The laid-out pages of a document (``layout_cache``) never name a commit. Per build, each
stamp variant (internal footer or public notice code × page orientation) is laid out once
as a one-page overlay (template ``stamp.html``, font role ``stamp``), and appended to each
laid-out file as a PDF incremental update (``Stamper``): the laid-out bytes stay as they are,
so stamping costs about 0.15–0.3 ms per page (a third of a full rewrite by pikepdf, a fifth of
pypdf's ``merge_page``; bench/RESULTS.md). Nearly all of that is reading the layout's page tree,
which does not change from one commit to the next: ``map_pages`` learns it once as a JSON value
that can be stored beside the layout, and ``Stamper.appendix_from_map`` writes the update from it
without opening the layout (about 0.02 ms per page). The document information dictionary receives the
full provenance; the output is deterministic (no timestamps other than the commit date, the
file ID derived from the content).

Public notices (公示, kind "notice") show only the page number and a short verification code
derived from the document's content and the commit; ``kaohe verify CODE`` understands it.
"""
from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from decimal import Decimal

from kaohe_docs import __version__
from kaohe_docs.render.provenance import Provenance, of_document

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
    cleaned = cleaned.translate(str.maketrans("OIL", "011"))
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
    issued: bool = False  # issued at approval: states the approval's provenance in a later build

    def variant(self, orientation: str) -> tuple:
        return (self.public, self.code if self.public else "", orientation, self.draft, self.issued)


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
    state = "草稿" if draft else prov.status
    parts = [bureau, doc.period, f"记录库提交 {prov.commit or '无提交'}", prov.iso, state,
             f"kaohe-docs {__version__}"]
    if code:
        parts.append(f"核验码 {code}")
    return ", ".join(parts)


def make_stamp(bureau: str, doc, prov: Provenance, markup: str, env: str = "") -> Stamp:
    """``env``: the environment that makes the PDF (fonts and software, JSON), recorded in its metadata."""
    issued = of_document(prov, doc) is not prov
    prov = of_document(prov, doc)
    public = is_public(doc)
    draft = prov.draft or bool(getattr(doc, "draft", False))
    # only a 正式 document gets a code: a 送审稿 or 草稿 is never certified
    code = verification_code(content_hash(markup), prov.commit) if not draft and prov.approved and prov.commit else ""
    date = pdf_date(prov)
    metadata = {
        "/Title": doc.title, "/Author": bureau, "/Subject": prov.line,
        "/Keywords": keywords(bureau, doc, prov, code, draft), "/Creator": f"kaohe-docs {__version__}",
        "/CreationDate": date, "/ModDate": date,
        "/kaohecommit": prov.commit, "/kaohedraft": "yes" if draft else "no", "/kaohedocument": doc.id,
        "/kaohestatus": "草稿" if draft else prov.status, "/kaoheenv": env,
        "/kaohecode": code,
    }
    return Stamp(public, code, metadata, draft, issued)


def overlay_context(variants: list[tuple]) -> list[dict]:
    return [{"public": public, "code": code, "orientation": orientation, "draft": draft, "issued": issued}
            for public, code, orientation, draft, issued in variants]


def orientation(page) -> str:
    """Of a page dictionary, from its own or inherited /MediaBox (none: portrait, as US Letter)."""
    box, _ = _inherited(page, "/MediaBox")
    box = [float(v) for v in box] if box is not None else [0, 0, 612, 792]
    return "landscape" if box[2] - box[0] > box[3] - box[1] else "portrait"


class Stamper:
    """Merges the overlay pages onto laid-out PDFs as a PDF incremental update; one per build.

    The laid-out file is kept byte for byte and the stamp is appended after it (ISO 32000-1
    7.5.6): the overlay as a form XObject with its font, a new version of each page object that
    draws it on top (``q … Q q /KaoheStamp Do Q``), a new document information dictionary and a
    cross-reference stream pointing back at the original one. Nothing of the document is parsed
    beyond its page tree (``map_pages``), nothing re-encoded: a few hundred bytes of work per page,
    and the output is fixed by its inputs (no dates, the file ID derived from the content).
    """

    def __init__(self, overlays: dict[tuple, bytes], missing=None):
        """``overlays``: each variant's one-page overlay PDF, laid out on its own so that its bytes
        (and its font subset) never depend on which other variants the build needed."""
        import pikepdf
        self.pikepdf = pikepdf
        self.overlays: dict[tuple, list[tuple[bytes, bytes | None]]] = {}
        self.missing = missing  # variant → overlay PDF bytes, for a variant nobody predicted
        self.pages = 0  # pages stamped
        for variant, data in overlays.items():
            self._add(variant, data)

    def _add(self, variant: tuple, data: bytes) -> None:
        """The overlay's objects, serialised once with local numbers (0 = the form XObject)."""
        pikepdf = self.pikepdf
        pdf = pikepdf.open(io.BytesIO(data))
        if len(pdf.pages) != 1:
            raise ValueError(f"stamp template made {len(pdf.pages)} pages for variant {variant}")
        form = pdf.make_indirect(pdf.pages[0].as_form_xobject())
        order: list = []
        local: dict = {}

        def visit(obj) -> None:
            if isinstance(obj, pikepdf.Object) and obj.is_indirect:
                if obj.objgen in local:
                    return
                local[obj.objgen] = len(order)
                order.append(obj)
            if isinstance(obj, (pikepdf.Dictionary, pikepdf.Stream)):
                for key in sorted(obj.keys()):
                    visit(obj.get(key))
            elif isinstance(obj, pikepdf.Array):
                for item in obj:
                    visit(item)
        visit(form)
        self.overlays[variant] = [_serialise_object(obj, lambda og: local[og], pikepdf) for obj in order]

    def _overlay(self, variant: tuple) -> list[tuple[bytes, bytes | None]]:
        if variant not in self.overlays:
            if self.missing is None:
                raise KeyError(variant)
            self._add(variant, self.missing(variant))
        return self.overlays[variant]

    def apply(self, layout: bytes, stamp: Stamp) -> bytes:
        """The stamped PDF: ``layout`` followed by ``appendix(layout, stamp)``."""
        return layout + self.appendix(layout, stamp)

    def appendix(self, layout: bytes, stamp: Stamp) -> bytes:
        """The incremental update that stamps ``layout`` (written right after its last byte)."""
        return self.appendix_from_map(map_pages(layout), stamp)

    def appendix_from_map(self, page_map: dict, stamp: Stamp) -> bytes:
        """The incremental update that stamps the layout ``page_map`` was made from (``map_pages``):
        nothing of the layout is read or parsed here."""
        if not isinstance(page_map, dict) or page_map.get("version") != PAGE_MAP_VERSION:
            found = page_map.get("version") if isinstance(page_map, dict) else type(page_map).__name__
            raise ValueError(f"page map version {found!r}, this program writes version {PAGE_MAP_VERSION}")
        update = _Update(page_map["length"], page_map["newline"], page_map["prev"], page_map["size"])
        forms: dict = {}  # variant → the form XObject's number in this file
        resources: dict = {}  # (original resources, form) → the new resources' number
        before = update.add(b"<< /Length 2 >>", b"q\n")
        after = update.add(b"<< /Length 23 >>", b"\nQ\nq /KaoheStamp Do Q\n")
        for page in page_map["pages"]:
            variant = stamp.variant(page["orientation"])
            if variant not in forms:
                objects = self._overlay(variant)
                first = update.next
                for head, data in objects:
                    update.add(_renumber(head, first), data)
                forms[variant] = first
            key = (page["resources"], forms[variant])
            if key not in resources:
                resources[key] = update.add(_resources_with_stamp(page_map["resources"][page["resources"]], forms[variant]))
            refs = " ".join([f"{before} 0 R", *page["contents"], f"{after} 0 R"])
            update.replace(tuple(page["object"]), _join([*_latin1(page["entries"]), f"/Contents [{refs}]".encode(),
                                                         f"/Resources {resources[key]} 0 R".encode()]))
            self.pages += 1
        pikepdf = self.pikepdf  # the metadata's strings written as qpdf writes them (the layout is not opened)
        info = pikepdf.Dictionary({k: pikepdf.String(v) for k, v in stamp.metadata.items()})
        info_number = update.add(_serialise(info, None, pikepdf))
        return update.finish(page_map["root"], info_number, bytes.fromhex(page_map["id"]))


# --- what the stamp needs from a layout, learnt once per layout ----------------------------------

PAGE_MAP_VERSION = 1  # raised whenever the page map's fields or their meaning change: an older stored one is refused


def map_pages(layout: bytes) -> dict:
    """Everything ``Stamper.appendix_from_map`` needs from a laid-out PDF, as a JSON value (PDF
    syntax as latin-1 text, which survives ``json.dumps``/``json.loads`` byte for byte): the file's
    length, trailer and page tree, each page's dictionary and resources already written out. The
    same layout is stamped again at every commit; its page_map can be made once and stored beside it.

    Fields: ``version``; ``length`` (bytes of the layout), ``newline`` (whether it ends with one),
    ``prev`` (its startxref), ``size`` (trailer /Size), ``root`` (``"N G R"``), ``id`` (the first
    file ID in hex; the layout's MD5 when it has none); ``pages``, each with ``object`` ([number,
    generation]), ``orientation``, ``entries`` (its ``/Key value`` entries but /Contents and
    /Resources), ``contents`` (its content streams' references) and ``resources``: the key of its
    own or inherited resources in ``resources`` (``"N G"`` for the resources object N G, ``"in N G"``
    for a dictionary written inside the page or page-tree node N G; pages with the same key share
    their stamped resources), which holds each one's ``entries`` (but /XObject) and ``xobjects``
    (its /XObject entries but /KaoheStamp). Inherited attributes other than the resources
    (/MediaBox …) stay where they are, on the page tree."""
    import pikepdf
    # each page as the file has it: by default pikepdf copies the attributes a page inherits into it,
    # some as new objects that are not in the file, whose numbers would be written into the stamped page
    with pikepdf.open(io.BytesIO(layout), inherit_page_attributes=False) as pdf:
        pages, resources = [], {}
        for page in pdf.pages:
            obj = page.obj
            number, generation = obj.objgen
            own, holder = _inherited(obj, "/Resources")
            key = "{} {}".format(*own.objgen) if own is not None and own.is_indirect else "in {} {}".format(*holder.objgen)
            if key not in resources:  # written once however many pages share them
                items = dict(own.items()) if own is not None else {}
                xobjects = items.pop("/XObject", None)
                inner = {k: v for k, v in xobjects.items() if k != "/KaoheStamp"} if xobjects is not None else {}
                resources[key] = {"entries": _text(_entries(items, None, pikepdf)),
                                  "xobjects": _text(_entries(inner, None, pikepdf))}
            contents = obj.get("/Contents")
            parts = list(contents) if isinstance(contents, pikepdf.Array) else ([contents] if contents is not None else [])
            entries = {k: v for k, v in obj.items() if k not in ("/Contents", "/Resources")}
            pages.append({"object": [number, generation], "orientation": orientation(obj),
                          "entries": _text(_entries(entries, None, pikepdf)),
                          "contents": [_ref(part, pikepdf) for part in parts], "resources": key})
        first_id = bytes(pdf.trailer.ID[0]) if "/ID" in pdf.trailer else hashlib.md5(layout).digest()
        return {"version": PAGE_MAP_VERSION, "length": len(layout), "newline": layout.endswith(b"\n"),
                "prev": _startxref(layout), "size": int(pdf.trailer.Size), "root": _ref(pdf.trailer.Root, pikepdf),
                "id": first_id.hex(), "pages": pages, "resources": resources}


def _startxref(layout: bytes) -> int:
    """The offset of the layout's last cross-reference section (the update's /Prev)."""
    tail = layout[-1024:]
    at = tail.rfind(b"startxref")
    if at < 0:
        raise ValueError("no startxref in the laid-out PDF")
    return int(tail[at + 9:].split()[0])


def _text(parts: list[bytes]) -> list[str]:
    return [part.decode("latin-1") for part in parts]


def _latin1(parts: list[str]) -> list[bytes]:
    return [part.encode("latin-1") for part in parts]


def _inherited(page, key: str):
    """A page attribute, from the page or the nearest page-tree node above it (ISO 32000-1 7.7.3.4)
    → (value, the dictionary that holds it), or (None, the page)."""
    node = page
    for _ in range(64):  # a page tree deeper than this is not one WeasyPrint writes
        value = node.get(key)
        if value is not None:
            return value, node
        if "/Parent" not in node:
            break
        node = node.Parent
    return None, page


def _ref(obj, pikepdf) -> str:
    if not (isinstance(obj, pikepdf.Object) and obj.is_indirect):
        raise ValueError("expected an indirect object")
    number, generation = obj.objgen
    return f"{number} {generation} R"


def _name(key: str, pikepdf) -> bytes:
    return pikepdf.Name(key).unparse()


def _number(value) -> bytes:
    if isinstance(value, bool):
        return b"true" if value else b"false"
    if isinstance(value, int):
        return str(value).encode()
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".") or "0"
    return text.encode()


def _serialise(obj, renumber, pikepdf, top: bool = False) -> bytes:
    """PDF syntax of an object (``top``: the object itself, else a reference where it is indirect;
    references are renumbered when asked: in the overlay, written as ``\0<local>\0`` and fixed per file)."""
    if not top and isinstance(obj, pikepdf.Object) and obj.is_indirect:
        if renumber is None:
            return _ref(obj, pikepdf).encode()
        return f"\0{renumber(obj.objgen)}\0".encode()
    if obj is None:
        return b"null"
    if isinstance(obj, (bool, int, Decimal, float)):
        return _number(obj)
    if isinstance(obj, pikepdf.Dictionary):
        return _dictionary(dict(obj.items()), renumber, pikepdf)
    if isinstance(obj, pikepdf.Stream):  # its dictionary; the caller writes the /Length of the data it writes
        return _dictionary({k: v for k, v in obj.stream_dict.items() if k != "/Length"}, renumber, pikepdf)
    if isinstance(obj, pikepdf.Array):
        return b"[" + b" ".join(_serialise(v, renumber, pikepdf) for v in obj) + b"]"
    return obj.unparse()  # name, string


def _entries(entries: dict, renumber, pikepdf) -> list[bytes]:
    """``/Key value`` of each entry, the keys in order."""
    return [_name(k, pikepdf) + b" " + _serialise(v, renumber, pikepdf) for k, v in sorted(entries.items())]


def _join(parts: list[bytes]) -> bytes:
    """``<< … >>`` around entries already written."""
    return b"<< " + b" ".join(parts) + b" >>"


def _dictionary(entries: dict, renumber, pikepdf, extra: tuple[bytes, ...] | list[bytes] = ()) -> bytes:
    """``<< /Key value … >>`` with the keys in order, then the ``extra`` entries (already written)."""
    return _join([*_entries(entries, renumber, pikepdf), *extra])


def _serialise_object(obj, renumber, pikepdf) -> tuple[bytes, bytes | None]:
    """(dictionary or value, stream data or None) of an indirect object of the overlay."""
    if isinstance(obj, pikepdf.Stream):
        data = obj.read_raw_bytes()
        entries = {k: v for k, v in obj.stream_dict.items() if k != "/Length"}
        return _dictionary(entries, renumber, pikepdf, [f"/Length {len(data)}".encode()]), data
    return _serialise(obj, renumber, pikepdf, top=True), None


_LOCAL = re.compile(rb"\0(\d+)\0")


def _renumber(head: bytes, first: int) -> bytes:
    return _LOCAL.sub(lambda m: f"{first + int(m.group(1))} 0 R".encode(), head)


def _resources_with_stamp(own: dict, form: int) -> bytes:
    """A page's resources (a plan's ``entries`` and ``xobjects``) with the form XObject ``/KaoheStamp`` added."""
    stamp = _join([*_latin1(own["xobjects"]), f"/KaoheStamp {form} 0 R".encode()])
    return _join([*_latin1(own["entries"]), b"/XObject " + stamp])


class _Update:
    """The objects of one incremental update, written after the original file."""

    def __init__(self, length: int, newline: bool, prev: int, size: int):
        """``length``: the original file's, which ends with a newline or not; ``prev``: its startxref."""
        self.prev = prev
        self.base = length  # the update's bytes start here
        self.out = bytearray(b"" if newline else b"\n")
        self.offsets: dict[int, tuple[int, int]] = {}  # number → (offset, generation)
        self.next = size

    def _write(self, number: int, generation: int, head: bytes, data: bytes | None) -> None:
        self.offsets[number] = (self.base + len(self.out), generation)
        self.out += f"{number} {generation} obj\n".encode() + head
        if data is not None:  # a stream (its dictionary carries the /Length)
            self.out += b"\nstream\n" + data + b"\nendstream"
        self.out += b"\nendobj\n"

    def add(self, head: bytes, data: bytes | None = None) -> int:
        number = self.next
        self.next += 1
        self._write(number, 0, head, data)
        return number

    def replace(self, objgen: tuple[int, int], head: bytes) -> None:
        self._write(objgen[0], objgen[1], head, None)

    def finish(self, root: str, info: int, first_id: bytes) -> bytes:
        number = self.next
        self.offsets[number] = (self.base + len(self.out), 0)
        rows: list[bytes] = []
        index: list[list[int]] = []
        for n in sorted(self.offsets):
            offset, generation = self.offsets[n]
            rows.append(b"\x01" + offset.to_bytes(4, "big") + generation.to_bytes(2, "big"))
            if index and index[-1][0] + index[-1][1] == n:
                index[-1][1] += 1
            else:
                index.append([n, 1])
        table = b"".join(rows)
        second = hashlib.md5(first_id + bytes(self.out)).hexdigest()  # the first names the layout, this its stamp
        ids = f"[<{first_id.hex()}> <{second}>]"
        head = (f"<< /Type /XRef /Size {number + 1} /W [1 4 2] /Index [{' '.join(f'{a} {b}' for a, b in index)}] "
                f"/Prev {self.prev} /Root {root} /Info {info} 0 R /ID {ids} /Length {len(table)} >>").encode()
        start = self.base + len(self.out)
        self.out += f"{number} 0 obj\n".encode() + head + b"\nstream\n" + table + b"\nendstream\nendobj\n"
        self.out += f"startxref\n{start}\n%%EOF\n".encode()
        return bytes(self.out)
