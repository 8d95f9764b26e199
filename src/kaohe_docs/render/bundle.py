"""The print bundle: every PDF of a period joined, with each document's bookmarks kept."""
from __future__ import annotations

import io
from pathlib import Path


def join(paths: list[Path], title: str, document_id: str, source_meta: dict, duplex: bool = False) -> bytes:
    """Deterministic: no random /ID, metadata copied from the documents plus the bundle's own.

    ``duplex``: for a print office printing on both sides, every document begins on a recto (a blank
    verso follows a document with an odd number of pages; each person's form or letter already begins
    on a recto in its document, see base.css), and the landscape documents are kept together after the
    portrait ones, so that the portrait duplex job is not interrupted."""
    import pypdf
    writer = pypdf.PdfWriter()
    readers = [pypdf.PdfReader(path) for path in paths]
    order = list(range(len(readers)))
    if duplex:
        order = [i for i in order if not _landscape(readers[i])] + [i for i in order if _landscape(readers[i])]
    for i in order:
        if duplex and len(writer.pages) % 2:
            last = writer.pages[-1].mediabox
            writer.add_blank_page(width=last.width, height=last.height)
        writer.append(readers[i])
    writer.add_metadata({**source_meta, "/Title": title, "/kaohedocument": document_id})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _landscape(reader) -> bool:
    box = reader.pages[0].mediabox
    return box.width > box.height


def metadata(path: Path) -> dict:
    import pypdf
    meta: dict = pypdf.PdfReader(path).metadata or {}
    keep = ("/Author", "/Creator", "/Producer", "/CreationDate", "/ModDate", "/Keywords", "/Subject",
            "/kaohecommit", "/kaohedraft")
    return {k: str(meta[k]) for k in keep if k in meta}
