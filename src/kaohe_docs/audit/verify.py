"""``kaohe verify FILE.pdf``: rebuild a document from the commit it names and compare bytes.

An electronic copy that was altered (or a printout scanned back and compared by its file)
no longer matches the document rebuilt from the audit trail.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kaohe_docs.errors import KaoheError
from kaohe_docs.model import Quarter


@dataclass
class Verdict:
    identical: bool
    document: str
    commit: str
    message: str


def read_provenance(pdf: Path) -> dict:
    import pypdf
    try:
        meta = pypdf.PdfReader(pdf).metadata or {}
    except (OSError, pypdf.errors.PdfReadError) as exc:
        raise KaoheError(f"{pdf}: 不是可读取的 PDF 文件（{exc}）") from exc
    found = {key: str(meta.get(f"/kaohe{key}", "")) for key in ("commit", "document", "draft")}
    if not found["document"]:
        raise KaoheError(f"{pdf}: 文件中没有 kaohe-docs 的来源信息，不是本系统生成的文书（或已被改动）")
    return found


def period_of(document_id: str):
    head = document_id.split("/", 1)[0]
    return Quarter.parse(head) or (int(head) if head.isdigit() else None)


def verify(root: Path, pdf: Path) -> Verdict:
    from kaohe_docs.audit import gitrepo
    meta = read_provenance(pdf)
    if meta["draft"] == "yes" or not meta["commit"]:
        raise KaoheError(f"{pdf}: 这是草稿（由未提交的记录生成），没有可以核对的提交")
    period = period_of(meta["document"])
    if period is None:
        raise KaoheError(f"{pdf}: 无法识别的文书编号“{meta['document']}”")
    data = pdf.read_bytes()
    with gitrepo.checkout(root, meta["commit"]) as (folder, commit):
        same = _rebuild(folder, commit, meta, period) == data
    if not same and isinstance(period, Quarter):
        same = _approved_rebuild(root, meta, period) == data
    message = ("与提交 {c} 重新生成的文书逐字节一致。" if same else
               "与提交 {c} 重新生成的文书不一致：文件已被改动，或生成环境（字体、软件版本）不同。")
    return Verdict(same, meta["document"], meta["commit"], message.format(c=meta["commit"][:10]))


def _approved_rebuild(root: Path, meta: dict, quarter: Quarter) -> bytes | None:
    """A final document of an approved quarter is built from the approved content (``build --final``)."""
    from kaohe_docs.audit.final import approval_in_force, approved_source
    if approval_in_force(root, quarter)[0] is None:
        return None
    with approved_source(root, quarter, meta["commit"]) as source:
        if source.commit.hexsha != meta["commit"]:
            return None
        return _rebuild(source.folder, source.commit, meta, quarter)


def _rebuild(folder: Path, commit, meta: dict, period) -> bytes:
    from kaohe_docs.pipeline import open_project
    from kaohe_docs.render.build import Builder, bundle_id, plan
    from kaohe_docs.render.bundle import join, metadata
    from kaohe_docs.render.provenance import of_commit
    project = open_project(folder, use_cache=False)
    if project.errors or project.assessment is None:
        raise KaoheError(f"提交 {commit.hexsha[:10]} 的记录有错误，无法重新生成")
    builder = Builder(project, of_commit(commit))
    docs, _ = plan(project, period)
    if meta["document"] != bundle_id(period):
        docs = [d for d in docs if d.id == meta["document"]]
        if not docs:
            raise KaoheError(f"提交 {commit.hexsha[:10]} 中不再生成文书“{meta['document']}”")
    pdfs = [data for data, _ in builder.render([(builder.html(d), builder.identifier(d)) for d in docs])]
    if meta["document"] != bundle_id(period):
        return pdfs[0]
    paths = []
    for n, data in enumerate(pdfs):
        paths.append(folder / f".verify-{n}.pdf")
        paths[-1].write_bytes(data)
    return join(paths, builder.bundle_title(period), bundle_id(period), metadata(paths[0]))
