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


def _rebuild(root: Path, commit_rev: str, document: str, use):
    """Rebuild ``document`` (an id, or a period's bundle) at a commit; ``use(builder, docs, markups, folder, period)``."""
    from kaohe_docs.audit import gitrepo
    period = _period(document)
    with gitrepo.checkout(root, commit_rev) as (folder, commit):
        return _rebuild_in(root, folder, commit, document, period, use)


def _approved_rebuild(root: Path, commit_rev: str, document: str, use):
    """A final document of an approved quarter is built from the approved content (``build --final``):
    the approval commit's records, policy and templates with the later 复核/反馈 records; None when the
    quarter is not approved or the document does not come from that build."""
    from kaohe_docs.audit.final import approval_in_force, approved_source
    quarter = _period(document)
    if not isinstance(quarter, Quarter) or approval_in_force(root, quarter)[0] is None:
        return None
    with approved_source(root, quarter, commit_rev) as source:
        if source.commit.hexsha != commit_rev:
            return None
        return _rebuild_in(root, source.folder, source.commit, document, quarter, use, approved=True)


def _period(document: str):
    period = period_of(document)
    if period is None:
        raise KaoheError(f"无法识别的文书编号“{document}”")
    return period


def _rebuild_in(root: Path, folder: Path, commit, document: str, period, use, approved: bool = False):
    from kaohe_docs.pipeline import open_project
    from kaohe_docs.render.build import Builder, bundle_id, plan
    from kaohe_docs.render.provenance import of_commit
    project = open_project(folder, use_cache=False)
    if project.errors or project.assessment is None:
        raise KaoheError(f"提交 {commit.hexsha[:10]} 的记录有错误，无法重新生成")
    builder = Builder(project, of_commit(commit, approved), cache_root=root)
    docs, _ = plan(project, period)
    if document != bundle_id(period):
        docs = [d for d in docs if d.id == document]
        if not docs:
            raise KaoheError(f"提交 {commit.hexsha[:10]} 中不再生成文书“{document}”")
    return use(builder, docs, [builder.html(d) for d in docs], folder, period)


def verify(root: Path, pdf: Path) -> Verdict:
    from kaohe_docs.render.build import bundle_id
    from kaohe_docs.render.bundle import join, metadata
    meta = read_provenance(pdf)
    if meta["draft"] == "yes" or not meta["commit"]:
        raise KaoheError(f"{pdf}: 这是草稿（由未提交的记录生成），没有可以核对的提交")

    def rebuilt(builder, docs, markups, folder, period):
        pdfs = [data for data, _ in builder.produce(docs, markups)]
        if meta["document"] != bundle_id(period):
            return pdfs[0]
        paths = []
        for n, data in enumerate(pdfs):
            paths.append(folder / f".verify-{n}.pdf")
            paths[-1].write_bytes(data)
        return join(paths, builder.bundle_title(period), bundle_id(period), metadata(paths[0]))

    data = pdf.read_bytes()
    same = _rebuild(root, meta["commit"], meta["document"], rebuilt) == data
    if not same:  # a final document of an approved quarter comes from the approved content
        same = _approved_rebuild(root, meta["commit"], meta["document"], rebuilt) == data
    message = ("与提交 {c} 重新生成的文书逐字节一致。" if same else
               "与提交 {c} 重新生成的文书不一致：文件已被改动，或生成环境（字体、软件版本）不同。")
    return Verdict(same, meta["document"], meta["commit"], message.format(c=meta["commit"][:10]))


def find_code(root: Path, code: str) -> dict | None:
    """Where a verification code was issued: the builds' manifests under build/ (document id, commit)."""
    import json
    for manifest in sorted((root / "build").glob("*/manifest.json")):
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
            for doc in data.get("documents", []):
                if isinstance(doc, dict) and doc.get("code") == code and data.get("commit"):
                    return {"document": str(doc["id"]), "commit": str(data["commit"]), "title": str(doc.get("title", ""))}
        except (OSError, ValueError, TypeError, AttributeError, KeyError):
            continue
    from kaohe_docs.render.layout_cache import code_index
    return code_index(root, code)


def verify_code(root: Path, text: str) -> Verdict:
    """``kaohe verify CODE``: the code printed on a notice → its document and commit, recomputed from Git."""
    from kaohe_docs.render.stamp import normalise_code
    code = normalise_code(text)
    if code is None:
        raise KaoheError(f"“{text}”既不是文件，也不是核验码（核验码为 10 位字母数字，如 5SZ9Z-0985F）")
    found = find_code(root, code)
    if found is None:
        raise KaoheError(f"核验码 {code}：本记录库中找不到由它生成的文书（build/ 下的生成记录和缓存中都没有）")

    def recomputed(builder, docs, markups, folder, period):
        return builder.stamp_of(docs[0], markups[0]).code, docs[0].title

    again, title = _rebuild(root, found["commit"], found["document"], recomputed)
    if again != code:  # a final notice of an approved quarter comes from the approved content
        again, title = _approved_rebuild(root, found["commit"], found["document"], recomputed) or (again, title)
    same = again == code
    message = (f"核验码 {code} 对应《{title}》，记录库提交 {found['commit'][:10]}：按该提交重新计算，核验码一致。"
               if same else
               f"核验码 {code} 与记录库提交 {found['commit'][:10]} 重新生成的《{title}》不一致（{again}）：文书内容已被改动。")
    return Verdict(same, found["document"], found["commit"], message)
