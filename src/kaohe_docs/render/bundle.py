"""The print bundle: every PDF of a period joined, with each document's bookmarks kept."""
from __future__ import annotations

import io
from pathlib import Path


def join(paths: list[Path], title: str, document_id: str, source_meta: dict) -> bytes:
    """Deterministic: no random /ID, metadata copied from the documents plus the bundle's own."""
    import pypdf
    writer = pypdf.PdfWriter()
    for path in paths:
        writer.append(pypdf.PdfReader(path))
    writer.add_metadata({**source_meta, "/Title": title, "/kaohedocument": document_id})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def metadata(path: Path) -> dict:
    import pypdf
    meta = pypdf.PdfReader(path).metadata or {}
    keep = ("/Author", "/Creator", "/Producer", "/CreationDate", "/ModDate", "/Keywords", "/Subject",
            "/kaohecommit", "/kaohedraft")
    return {k: str(meta[k]) for k in keep if k in meta}
