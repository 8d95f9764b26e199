"""``kaohe archive 2026Q1``: an approved quarter as a folder that stands alone.

The folder holds the final documents as PDF/A-2b (built from the approved content, like
``build --final``), the approval tag exactly as Git stores it (message, tagger and signature:
``git hash-object -t tag 审定标签.txt`` gives back the tag's id), a record of the commits, and a
manifest of SHA-256 sums. ``kaohe verify FOLDER`` checks every file against the manifest and
names the one that no longer matches — without the records repository.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from kaohe_docs.errors import KaoheError
from kaohe_docs.model import Quarter

MANIFEST = "MANIFEST.sha256"
TAG_FILE = "审定标签.txt"
SOURCE_FILE = "来源.txt"
PDF_VARIANT = "pdf/a-2b"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_archive(root: Path, quarter: Quarter, out: Path, progress=lambda m: None) -> list[Path]:
    """Write the archive of an approved quarter into ``out`` (replaced atomically). The caller has
    checked the lock (``final.lock_problems``)."""
    from kaohe_docs import __version__, gitport
    from kaohe_docs.audit.final import approved_source
    from kaohe_docs.audit.lock import repo_of
    from kaohe_docs.pipeline import open_project
    from kaohe_docs.render.build import SerialRunner, build_period, plan
    where = repo_of(root)
    with approved_source(root, quarter, "HEAD") as source:
        if source is None:
            raise KaoheError(f"{quarter} 还没有审定，只能归档已审定的季度（先运行 kaohe approve {quarter}）")
        assert where is not None, "an approved quarter's source is read from its Git repository"
        approval = source.approval
        project = open_project(source.folder, use_cache=False)
        if project.assessment is None or project.errors:
            raise KaoheError(f"审定提交 {approval.commit[:10]} 的记录有错误，无法归档；请运行 kaohe check")
        source.prepare(project)
        prov = source.provenance()
        progress(f"生成 {len(plan(project, quarter)[0])} 份 PDF/A-2b 归档文书（{approval.name}）……")
        # PDF/A is laid out whole (not stamped): the page HTML carries the provenance footer itself
        with tempfile.TemporaryDirectory(prefix=".kaohe-archive-") as folder:
            result = build_period(project, quarter, Path(folder), prov=prov, cache_root=root, runner=SerialRunner(),
                                  cached=False, variant=PDF_VARIANT, progress=progress)
            docs = json.loads((result.folder / "manifest.json").read_text(encoding="utf-8"))["documents"]
            files: dict[str, bytes] = {f"{doc['path']}.pdf": (result.folder / f"{doc['path']}.pdf").read_bytes()
                                       for doc in docs}
        for diagnostic in result.diagnostics:
            progress(diagnostic.format())
        files[TAG_FILE] = gitport.out(where[0], "cat-file", "tag", approval.tag_object)
        files[SOURCE_FILE] = "\n".join([
            f"季度：{quarter}",
            f"审定标签：{approval.name}",
            f"标签对象：{approval.tag_object}",
            f"审定的提交：{approval.commit}",
            f"文书来源提交：{prov.commit}" + ("（含审定后的复核、反馈记录）" if prov.commit != approval.commit else ""),
            f"会议日期：{approval.meeting}",
            f"会议纪要：{approval.minutes}",
            f"审定机关：{approval.approver}",
            f"签名：{approval.signer + '（见 ' + TAG_FILE + '）' if approval.signer else '有（未按名单核对，见 ' + TAG_FILE + '）' if approval.signature else '无'}",
            "文书格式：PDF/A-2b",
            f"生成工具：kaohe-docs {__version__}",
            f"核对方法：kaohe verify 本文件夹；git hash-object -t tag {TAG_FILE} 应等于标签对象；"
            f"签名：在记录库中 git -c gpg.ssh.allowedSignersFile=policy/allowed_signers verify-tag {approval.name}",
            "",
        ]).encode("utf-8")
    manifest = "".join(f"{sha256(data)}  {name}\n" for name, data in sorted(files.items()))
    files[MANIFEST] = manifest.encode("utf-8")
    return _write_atomic(out, files)


def _write_atomic(out: Path, files: dict[str, bytes]) -> list[Path]:
    """All files into a folder beside ``out``, which then replaces ``out`` at once."""
    from kaohe_docs.filenames import inside
    from kaohe_docs.render.build import swap_in
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        for name, data in files.items():
            path = inside(staging, name)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        swap_in(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return sorted(out / name for name in files)


@dataclass
class ArchiveVerdict:
    ok: bool
    checked: int
    problems: list[str] = field(default_factory=list)


def verify_archive(folder: Path) -> ArchiveVerdict:
    """Every file of an archive folder against its manifest: which file no longer matches."""
    manifest = folder / MANIFEST
    try:
        lines = manifest.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise KaoheError(f"{folder}: 没有可读取的清单 {MANIFEST}，不是 kaohe archive 生成的归档文件夹") from exc
    expected: dict[str, str] = {}
    for n, line in enumerate(lines, 1):
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64 or not name or name.startswith("/") or ".." in name.split("/"):
            raise KaoheError(f"{folder / MANIFEST}:{n}: 清单格式不对（应为“SHA-256  文件名”）")
        expected[name] = digest
    problems = []
    for name, digest in expected.items():
        path = folder / name
        try:
            data = path.read_bytes()
        except OSError:
            problems.append(f"{name}：文件缺失")
            continue
        if sha256(data) != digest:
            problems.append(f"{name}：与清单不符，文件已被改动")
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    problems += [f"{name}：清单中没有这个文件（归档后加入）" for name in sorted(present - set(expected) - {MANIFEST})]
    problems += _tag_problems(folder, expected)
    return ArchiveVerdict(not problems, len(expected), problems)


def _tag_problems(folder: Path, expected: dict) -> list[str]:
    """The tag file hashes back to the tag id recorded in the source file."""
    try:
        source = (folder / SOURCE_FILE).read_text(encoding="utf-8")
        raw = (folder / TAG_FILE).read_bytes()
    except OSError:
        return []
    recorded = next((line.split("：", 1)[1] for line in source.splitlines() if line.startswith("标签对象：")), "")
    header = f"tag {len(raw)}\0".encode()
    if hashlib.sha1(header + raw).hexdigest() != recorded:
        return [f"{TAG_FILE}：与记载的标签对象 {recorded[:10]} 不符"]
    return []
