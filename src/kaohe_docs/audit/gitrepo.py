"""Git as the audit trail: revisions, exports of a revision's inputs, history queries.

Every failure a user can cause (no repository, no commits, a revision that does not exist,
a shallow clone without the needed history) becomes a ``KaoheError`` with a clear message.
GitPython is imported lazily: commands that do not need Git stay fast.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kaohe_docs import gitport
from kaohe_docs.errors import Diagnostic, KaoheError, error, warning
from kaohe_docs.filenames import inside

INPUTS = ("policy", "records", "templates", "fonts")  # what a build reads
SYMLINK_MODE = 0o120000  # a tree entry that is a symbolic link


@dataclass(frozen=True)
class CommitInfo:
    hexsha: str
    author: str
    date: dt.datetime
    subject: str

    @property
    def short(self) -> str:
        return self.hexsha[:10]


def info(commit) -> CommitInfo:
    return CommitInfo(commit.hexsha, commit.author.name, commit.committed_datetime,
                      commit.message.strip().splitlines()[0] if commit.message.strip() else "")


def open_repo(root: Path):
    return gitport.open_repo(root)


def prefix(repo, root: Path) -> str:
    """The records root's path inside the repository ('' when it is the top level)."""
    rel = os.path.relpath(root.resolve(), Path(repo.working_tree_dir).resolve())
    return "" if rel == "." else rel.replace(os.sep, "/") + "/"


def resolve(repo, rev: str):
    """A revision (hash, tag, branch, HEAD~2 …) → commit, or a clear error."""
    import git
    if not repo.head.is_valid():
        raise KaoheError("仓库还没有任何提交，请先提交记录（git add . && git commit）")
    try:
        return repo.commit(rev)
    except (git.BadName, git.BadObject, ValueError) as exc:
        shallow = " 当前是浅克隆（shallow clone），可能缺少历史：请先 git fetch --unshallow。" if is_shallow(repo) else ""
        raise KaoheError(f"找不到修订版本“{rev}”。{shallow}".rstrip()) from exc


def is_shallow(repo) -> bool:
    return gitport.is_shallow(Path(repo.git_dir))


def main_branch(repo) -> str:
    name, _ = gitport.main_branch(Path(repo.working_tree_dir or repo.git_dir))
    if not name:
        raise KaoheError("找不到 main 或 master 分支，请明确指定要比较的两个版本，如 kaohe diff v1 v2")
    return name


def merge_base(repo, a, b):
    bases = repo.merge_base(a, b)
    if not bases:
        hint = "当前是浅克隆（shallow clone），请先 git fetch --unshallow" if is_shallow(repo) else "两个版本没有共同的历史"
        raise KaoheError(f"无法确定比较的基准：{hint}")
    return bases[0]


def export(commit, pre: str, dest: Path) -> Path:
    """Write the build inputs of ``commit`` (policy/, records/, templates/, fonts/) into ``dest``."""
    for top in INPUTS:
        try:
            tree = commit.tree / f"{pre}{top}"
        except KeyError:
            continue
        for blob in tree.traverse():
            if blob.type != "blob":
                continue
            path = inside(dest, blob.path[len(pre):])  # a crafted tree may name "../.."
            path.parent.mkdir(parents=True, exist_ok=True)
            if blob.mode == SYMLINK_MODE:
                # kept as a link (never followed): the loader and renderer refuse it with a message
                os.symlink(blob.data_stream.read().decode("utf-8", "replace"), path)
            else:
                path.write_bytes(blob.data_stream.read())
    return dest


def export_index(repo, pre: str, dest: Path) -> Path:
    """Write the staged (index) version of the inputs into ``dest`` — for the pre-commit hook."""
    dest.mkdir(parents=True, exist_ok=True)
    paths = [f"{pre}{top}" for top in INPUTS]
    staged = repo.git.ls_files("--", *paths).splitlines()
    if staged:
        repo.git.checkout_index(f"--prefix={dest}/", "--", *staged)
    inner = dest / pre if pre else dest
    if pre:  # move <dest>/<pre>/... up to <dest>/...
        for top in INPUTS:
            if (inner / top).exists():
                shutil.move(str(inner / top), str(dest / top))
    return dest


@contextmanager
def checkout(root: Path, rev: str):
    """The inputs of ``rev`` in a temporary folder: (folder, commit). The work tree is not touched."""
    repo = open_repo(root)
    commit = resolve(repo, rev)
    with tempfile.TemporaryDirectory(prefix="kaohe-rev-") as tmp:
        yield export(commit, prefix(repo, root), Path(tmp)), commit


def changes_since(repo, pre: str, since, paths: list[str]) -> list[tuple[CommitInfo, list[str]]]:
    """Commits after ``since`` (exclusive) up to HEAD that touch ``paths``, with the files they touch."""
    full = [f"{pre}{p}" for p in paths]
    out = []
    for commit in repo.iter_commits(f"{since.hexsha}..HEAD", paths=full):
        files = [f[len(pre):] for f in commit.stats.files if f.startswith(pre)]
        out.append((info(commit), sorted(files)))
    return out


def uncommitted(repo, pre: str, paths: list[str]) -> list[str]:
    status = repo.git.status("--porcelain", "--", *(f"{pre}{p}" for p in paths))
    return sorted(line[3:].strip().strip('"')[len(pre):] for line in status.splitlines() if line.strip())


FETCH_HINT = "请先运行 git fetch --unshallow --tags（CI 中把克隆深度设为 0，如 GitLab 的 GIT_DEPTH: 0、GitHub 的 fetch-depth: 0）"


def tag_names(root: Path, prefix: str) -> list[str]:
    """The names of the tags under ``prefix`` (e.g. "approved/"), read from the refs alone: a tag
    whose objects are missing (a shallow clone) is still listed."""
    return list(gitport.refs(root, f"refs/tags/{prefix}"))


def history_diagnostics(root: Path, tags: dict) -> list[Diagnostic]:
    """Whether the approval tags ``tags`` (quarter → tag) can be checked in a shallow clone.

    The lock compares content, so a shallow clone that has the tagged commit can still be checked
    (the lock itself warns that the tag's ancestry cannot be confirmed). What cannot be checked: a
    tag whose commit did not arrive, or no approval tags at all. Each says what to fetch; an error
    here means the approval lock is not run.
    """
    shallow = gitport.text(root, "rev-parse", "--is-shallow-repository", check=False).strip()
    if not shallow:
        return []
    is_shallow = shallow == "true"
    out: list[Diagnostic] = []
    for quarter, name in sorted(tags.items()):
        if not gitport.rev(root, f"refs/tags/{name}"):
            if is_shallow:  # otherwise history was rewritten: the lock's tag check says what to recover
                out.append(error("", 0, f"当前是浅克隆（shallow clone），审定标签 {name} 指向的提交不在本地，"
                                        f"无法核对 {quarter} 审定后是否被修改；{FETCH_HINT}"))
            continue
    if is_shallow and not tags and any((root / "records").glob("*/Q*/decision.yaml")):
        out.append(warning("", 0, f"当前是浅克隆（shallow clone），本地没有任何审定标签（approved/…），"
                                  f"无法核对已审定的季度是否被修改；{FETCH_HINT}"))
    return out


_STATUS = {"A": "新增", "M": "修改", "D": "删除", "R": "改名", "C": "复制", "T": "类型改变"}


def changed_paths(repo, pre: str, base: str, head: str | None) -> list[tuple[str, str, bool]]:
    """Every changed file between two revisions (``head`` None: the work tree, untracked files included):
    (status in Chinese, path relative to the records root — or from the repository top when outside it —,
    binary?)."""
    rev = [base] if head is None else [base, head]
    names = repo.git.diff("--name-status", "-z", "--no-renames", *rev).split("\0")
    numstat = repo.git.diff("--numstat", "-z", "--no-renames", *rev).split("\0")
    binary = {line.split("\t", 2)[2] for line in numstat if line.startswith("-\t-\t")}
    out = []
    for status, path in zip(names[0::2], names[1::2]):
        if path:
            out.append((_STATUS.get(status[:1], status), path, path in binary))
    if head is None:
        for path in repo.git.ls_files("--others", "--exclude-standard", "-z").split("\0"):
            if path:
                with open(os.path.join(repo.working_tree_dir, path), "rb") as fh:
                    out.append(("新增", path, b"\0" in fh.read(8000)))
    return sorted((s, p[len(pre):] if pre and p.startswith(pre) else p, b) for s, p, b in out)
