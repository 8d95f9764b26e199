"""``kaohe verify FILE.pdf``: rebuild a document from the commit it names and compare bytes.

An electronic copy that was altered (or a printout scanned back and compared by its file)
no longer matches the document rebuilt from the audit trail.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kaohe_docs.errors import KaoheError
from kaohe_docs.model import Quarter


@dataclass
class Verdict:
    identical: bool
    document: str
    commit: str
    message: str


def read_provenance(pdf: Path) -> dict[str, str]:
    import pypdf
    try:
        meta: dict[Any, Any] = pypdf.PdfReader(pdf).metadata or {}  # pypdf's DocumentInformation is a dict
    except (OSError, pypdf.errors.PdfReadError) as exc:
        raise KaoheError(f"{pdf}: 不是可读取的 PDF 文件（{exc}）") from exc
    found = {key: str(meta.get(f"/kaohe{key}", "")) for key in ("commit", "document", "draft", "status", "env")}
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
        return _rebuild_in(root, folder, commit, document, period, use=use)


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
        return _rebuild_in(root, source.folder, source.commit, document, quarter, use=use, source=source)


def _either_rebuild(root: Path, commit_rev: str, document: str, use, final: bool):
    """A 正式 document (every one with a code) is rebuilt from the approved content, as ``build`` made it;
    a 送审稿 from its commit alone. Falls back to the other when the first does not apply."""
    if final:
        found = _approved_rebuild(root, commit_rev, document, use)
        return found if found is not None else _rebuild(root, commit_rev, document, use)
    return _rebuild(root, commit_rev, document, use)


def _period(document: str):
    period = period_of(document)
    if period is None:
        raise KaoheError(f"无法识别的文书编号“{document}”")
    return period


def _rebuild_in(root: Path, folder: Path, commit, document: str, period, *, use, source=None):
    """``source``: the approved content (FinalSource) being rebuilt, or None for a plain commit."""
    from kaohe_docs.pipeline import open_project
    from kaohe_docs.render.build import Builder, bundle_id, plan
    from kaohe_docs.render.provenance import of_commit
    project = open_project(folder, use_cache=False)
    if project.errors or project.assessment is None:
        raise KaoheError(f"提交 {commit.hexsha[:10]} 的记录有错误，无法重新生成")
    if source is not None:
        source.prepare(project)
    builder = Builder(project, source.provenance() if source is not None else of_commit(commit), cache_root=root)
    docs, _ = plan(project, period)
    if document != bundle_id(period):
        docs = [d for d in docs if d.id == document]
        if not docs:
            raise KaoheError(f"提交 {commit.hexsha[:10]} 中不再生成文书“{document}”")
    return use(builder, docs, [builder.html(d) for d in docs], folder, period)


def verify(root: Path, pdf: Path) -> Verdict:
    from kaohe_docs.render.build import BUNDLE, bundle_id, rebuild
    meta = read_provenance(pdf)
    if meta["draft"] == "yes" or not meta["commit"]:
        raise KaoheError(f"{pdf}: 这是草稿（由未提交的记录生成），没有可以核对的提交")

    environment = {}

    def rebuilt(builder, docs, markups, folder, period):
        environment["now"] = builder.environment
        bundle = meta["document"] == bundle_id(period)
        with tempfile.TemporaryDirectory(prefix=".kaohe-verify-") as out:
            result = rebuild(builder, period, docs, markups, Path(out), bundle=bundle)
            return (result.folder / (f"{BUNDLE}.pdf" if bundle else f"{docs[0].path}.pdf")).read_bytes()

    data = pdf.read_bytes()
    again = _either_rebuild(root, meta["commit"], meta["document"], rebuilt, meta["status"] == "正式")
    same = again == data
    message = (f"与提交 {meta['commit'][:10]} 重新生成的文书逐字节一致。" if same else
               _why_different(meta["commit"][:10], data, again, meta["env"], environment.get("now", "")))
    merged, standing_lines = what_it_is(root, meta["document"], meta["commit"], meta["status"] or "正式")
    return Verdict(same and merged, meta["document"], meta["commit"], "\n".join([message, *standing_lines]))


def _texts(data: bytes) -> list[str]:
    import io

    import pypdf
    try:
        return [page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(data)).pages]
    except (pypdf.errors.PdfReadError, ValueError, KeyError, TypeError):
        return []


def _why_different(commit: str, data: bytes, again: bytes, recorded: str, current: str) -> str:
    """Bytes differ: is it the content (an altered file) or the machine (other fonts or software)?"""
    import json

    from kaohe_docs.render.fonts import environment_differences
    same_text = bool(_texts(data)) and _texts(data) == _texts(again)
    text = "文字内容一致" if same_text else "文字内容也不同：文件已被改动"
    try:
        then = json.loads(recorded) if recorded else None
    except ValueError:
        then = None
    if not isinstance(then, dict):
        return (f"与提交 {commit} 重新生成的文书不一致；文书中没有记录生成环境（早期版本生成，或记录已损坏），"
                f"无法判断是内容被改动还是字体、软件不同；{text}。")
    differences = environment_differences(then, json.loads(current) if current else {})
    if not differences:
        return f"与提交 {commit} 重新生成的文书不一致：内容已被改动（本机的字体和软件与生成时相同）；{text}。"
    where = "；".join(differences)
    if same_text:
        return (f"与提交 {commit} 重新生成的文书字节不同，但{text}：差异来自生成环境不同（字体或软件），不是内容被改动——"
                f"{where}。按上述方法安装后可逐字节核对。")
    return f"与提交 {commit} 重新生成的文书不一致，{text}；另外生成环境也不同——{where}。"


def find_code(root: Path, code: str) -> dict | None:
    """Where a verification code was issued: the builds' manifests under build/ (document id, commit)."""
    import json
    for manifest in sorted((root / "build").glob("*/manifest.json")):
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
            for doc in data.get("documents", []):
                if isinstance(doc, dict) and doc.get("code") == code and data.get("commit"):
                    return {"document": str(doc["id"]), "commit": str(doc.get("commit") or data["commit"]),
                            "title": str(doc.get("title", ""))}
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

    again, title = _either_rebuild(root, found["commit"], found["document"], recomputed, True)
    same = again == code
    message = (f"核验码 {code} 对应《{title}》，记录库提交 {found['commit'][:10]}：按该提交重新计算，核验码一致。"
               if same else
               f"核验码 {code} 与记录库提交 {found['commit'][:10]} 重新生成的《{title}》不一致（{again or '该提交不生成核验码'}）：文书内容已被改动。")
    merged, standing_lines = what_it_is(root, found["document"], found["commit"])
    return Verdict(same and merged, found["document"], found["commit"], "\n".join([message, *standing_lines]))


def what_it_is(root: Path, document: str, commit: str, status: str = "正式") -> tuple[bool, list[str]]:
    """What a paper is, beyond its bytes: (on the main history, lines saying so) — is its commit merged,
    which approval covers it and is that approval still in force, was the notice corrected since.
    ``status``: what the paper says it is (every paper with a code is 正式); only a 正式 one has an approval."""
    from kaohe_docs import gitport
    from kaohe_docs.audit.standing import standing
    cwd = Path(gitport.toplevel(root) or root)
    name, tip = gitport.main_branch(cwd)
    short = commit[:10]
    lines, merged = [], True
    on = gitport.is_ancestor(cwd, commit, tip) if tip else None
    if not tip:
        merged = False
        lines.append("找不到主分支（main 或 master），无法确认该提交是否已合并：不能作为正式文书的依据。")
    elif on is None or (on is False and gitport.is_shallow(cwd)):
        merged = False
        lines.append(f"无法确认提交 {short} 是否在主分支 {name} 的历史上（浅克隆缺少历史，请 git fetch --unshallow）。")
    elif on is False:
        merged = False
        lines.append(f"但提交 {short} 不在主分支 {name} 的历史上（只在某个分支或合并请求中，尚未合并）："
                     f"这不是正式文书，不能作为依据。")
    else:
        lines.append(f"提交 {short} 在主分支 {name} 的历史上。")
    quarter = period_of(document)
    if not isinstance(quarter, Quarter):
        return merged, lines
    found = standing(root, quarter)
    covering = [a for a in found.chain if a.annotated and a.commit and gitport.is_ancestor(cwd, a.commit, commit)]
    if not covering:
        lines.append(f"{quarter} 在该提交时尚未经局党委审定：这是送审稿，不是正式文书。")
        return merged, lines
    a = covering[-1]
    if status != "正式":
        lines.append(f"这是{status}，不是按局党委审定生成的正式文书；{quarter} 的审定是 {a.name}，请以按审定生成的正式文书为准。")
        return merged, lines
    said = f"依据 {quarter} 的局党委审定 {a.name}（会议 {a.meeting or '—'}，纪要 {a.minutes or '—'}）"
    if found.approval is not None and found.approval.name == a.name:
        lines.append(said + "，该审定现行有效。")
    elif found.approval is not None:
        lines.append(said + f"；该审定已被 {found.approval.name} 取代（{found.approval.reason or '未写明原因'}），"
                            f"请以按 {found.approval.name} 生成的文书为准。")
    else:
        lines.append(said + "；该季度目前没有有效的审定：" + "；".join(d.message for d in found.problems))
    if document == f"{quarter}/公示" and tip and merged:
        corrected = correction_of(root, quarter, tip)
        if corrected is not None:
            code, title, by = corrected
            lines.append(f"该公示在复核后已被更正：《{title}》（核验码 {code}，记录库提交 {by[:10]}），以更正公示为准。")
    return merged, lines


def correction_of(root: Path, quarter: Quarter, rev: str) -> tuple[str, str, str] | None:
    """The 更正公示 of ``quarter`` as of ``rev`` (code, title, commit), or None when the posted list stands."""
    from kaohe_docs.audit.final import approval_in_force, approved_source
    if approval_in_force(root, quarter)[0] is None:
        return None

    def recomputed(builder, docs, markups, folder, period):
        return builder.stamp_of(docs[0], markups[0]).code, docs[0].title

    with approved_source(root, quarter, rev) as source:
        if source is None or source.issued_folder is None:
            return None
        try:
            code, title = _rebuild_in(root, source.folder, source.commit, f"{quarter}/更正公示", quarter,
                                      use=recomputed, source=source)
        except KaoheError:
            return None
        return code, title, source.commit.hexsha
