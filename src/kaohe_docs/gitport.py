"""The one port through which kaohe-docs talks to Git.

Every Git command runs here, with the same environment: replacement objects (``refs/replace/*``)
and grafts are never honoured (``git --no-replace-objects``, ``GIT_NO_REPLACE_OBJECTS``, a graft
file that does not exist), no prompt ever waits for a password, and a failure becomes a
``KaoheError`` in Chinese. GitPython, where a caller still walks trees with it, is opened through
``open_repo`` with the same environment. A pushed ``refs/replace/…`` can therefore never make the
guard, the lock or a build read one commit as another.

This module sits below the pipeline (only ``errors`` beneath it) so that the records, the renderer
and the audit trail share it.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

from kaohe_docs.errors import KaoheError

MAIN_BRANCHES = ("main", "master")
ZERO = "0" * 40
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"  # what Git compares a new branch with
# what every git process gets: the repository's objects as they are, never replaced or grafted
SAFE_ENV = {"GIT_NO_REPLACE_OBJECTS": "1", "GIT_GRAFT_FILE": os.devnull + "/kaohe-no-grafts",
            "GIT_TERMINAL_PROMPT": "0", "GIT_NO_LAZY_FETCH": "1"}


def environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, **SAFE_ENV, **(extra or {})}


def run(cwd: Path, *args: str, input: bytes | None = None, env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess | None:
    """Run ``git args`` in ``cwd``; None when Git is not installed."""
    try:
        return subprocess.run(["git", "--no-replace-objects", *args], cwd=str(cwd), input=input, capture_output=True,
                              check=False, env=environment(env))
    except OSError:
        return None


def out(cwd: Path, *args: str, input: bytes | None = None, check: bool = True, env: dict[str, str] | None = None
        ) -> bytes:
    """Standard output of a git command; a failure becomes a KaoheError (or b"" with check=False)."""
    done = run(cwd, *args, input=input, env=env)
    if done is None:
        if check:
            raise KaoheError("找不到 git 命令，请先安装 Git")
        return b""
    if done.returncode != 0:
        if check:
            raise KaoheError(f"git {args[0]} 失败：{done.stderr.decode('utf-8', 'replace').strip()}")
        return b""
    return done.stdout


def text(cwd: Path, *args: str, check: bool = True) -> str:
    return out(cwd, *args, check=check).decode("utf-8", "replace")


def succeeds(cwd: Path, *args: str) -> bool | None:
    """Exit code 0 → True, 1 → False, anything else (or no Git) → None."""
    done = run(cwd, *args)
    return None if done is None else {0: True, 1: False}.get(done.returncode)


def rev(cwd: Path, name: str) -> str:
    """The commit a revision names, or "" (never an error)."""
    return text(cwd, "rev-parse", "-q", "--verify", f"{name}^{{commit}}", check=False).strip()


def exists(cwd: Path, commit: str) -> bool:
    return bool(commit) and bool(rev(cwd, commit))


def is_ancestor(cwd: Path, ancestor: str, descendant: str) -> bool | None:
    """True/False, or None when Git cannot tell (a shallow clone without the history)."""
    return succeeds(cwd, "merge-base", "--is-ancestor", ancestor, descendant)


def has_path(cwd: Path, commit: str, path: str) -> bool:
    return succeeds(cwd, "cat-file", "-e", f"{commit}:{path}") is True


def blob(cwd: Path, commit: str, path: str) -> bytes | None:
    """A file as Git stores it at ``commit``, or None."""
    done = run(cwd, "cat-file", "blob", f"{commit}:{path}")
    return done.stdout if done is not None and done.returncode == 0 else None


def blob_id(cwd: Path, commit: str, path: str) -> str:
    return text(cwd, "rev-parse", "-q", "--verify", f"{commit}:{path}", check=False).strip()


def blobs(cwd: Path, oids: list[str]) -> dict[str, bytes]:
    """Many objects' contents at once (``cat-file --batch``): oid → bytes (missing ones left out)."""
    if not oids:
        return {}
    data = out(cwd, "cat-file", "--batch", input=("\n".join(oids) + "\n").encode())
    found, pos = {}, 0
    while pos < len(data):
        end = data.index(b"\n", pos)
        header = data[pos:end].decode().split()
        pos = end + 1
        if len(header) < 3:  # "<oid> missing"
            continue
        size = int(header[2])
        found[header[0]] = data[pos:pos + size]
        pos += size + 1
    return found


def stored_ids(cwd: Path, paths: list[str]) -> dict[str, str]:
    """Work-tree files → the blob id Git would store for them (after the line-ending and attribute
    conversions of ``core.autocrlf`` and ``.gitattributes``), without writing anything."""
    if not paths:
        return {}
    listed = out(cwd, "hash-object", "--stdin-paths", input=("\n".join(paths) + "\n").encode(), check=False)
    ids = listed.decode().split()
    return dict(zip(paths, ids)) if len(ids) == len(paths) else {}


def object_type(cwd: Path, oid: str) -> str:
    return text(cwd, "cat-file", "-t", oid, check=False).strip()


def config(cwd: Path, key: str) -> str:
    return text(cwd, "config", "--get", key, check=False).strip()


def is_shallow(cwd: Path) -> bool:
    return text(cwd, "rev-parse", "--is-shallow-repository", check=False).strip() == "true"


def shallow_commits(cwd: Path) -> set[str]:
    """The commits where a shallow clone's history stops (empty for a full clone)."""
    path = text(cwd, "rev-parse", "--git-path", "shallow", check=False).strip()
    try:
        return set((Path(cwd) / path).read_text(encoding="ascii").split()) if path else set()
    except (OSError, UnicodeDecodeError):
        return set()


def toplevel(cwd: Path) -> str:
    """The work tree's top folder, "" outside a work tree or without Git."""
    return text(cwd, "rev-parse", "--show-toplevel", check=False).strip()


def toplevel_and_prefix(cwd: Path) -> tuple[str, str]:
    """(the work tree's top folder, ``cwd``'s path inside it), in one git call; ("", "") outside a work tree."""
    lines = text(cwd, "rev-parse", "--show-toplevel", "--show-prefix", check=False).split("\n")
    return (lines[0].strip(), lines[1].strip()) if len(lines) > 1 and lines[0].strip() else ("", "")


def git_dir(cwd: Path) -> Path | None:
    found = text(cwd, "rev-parse", "--absolute-git-dir", check=False).strip()
    return Path(found) if found else None


def main_branch(cwd: Path) -> tuple[str, str]:
    """(name, commit) of the main branch — local main/master, else origin's — or ("", "")."""
    names = (*(f"refs/heads/{b}" for b in MAIN_BRANCHES), *(f"refs/remotes/origin/{b}" for b in MAIN_BRANCHES))
    listing = text(cwd, "for-each-ref", "--format=%(refname)%00%(objectname)", *names, check=False)
    found = dict(line.split("\0", 1) for line in listing.splitlines() if "\0" in line)
    for ref in names:  # for-each-ref also lists refs below these names: only the exact ones count
        sha = found.get(ref)
        if sha:
            return ref.rsplit("/", 1)[-1] if ref.startswith("refs/heads/") else ref[len("refs/remotes/"):], sha
    return "", ""


def refs(cwd: Path, prefix: str) -> dict[str, str]:
    """Refs under ``prefix`` (e.g. "refs/tags/approved/"): short name → object id."""
    listing = text(cwd, "for-each-ref", "--format=%(refname:short)%00%(objectname)", prefix, check=False)
    return dict(line.split("\0", 1) for line in listing.splitlines() if "\0" in line)


def open_repo(root: Path):
    """GitPython's view of the repository containing ``root``, reading with replacement disabled."""
    import git
    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError) as exc:
        raise KaoheError(f"{root} 不在 Git 仓库中；请先 git init 并提交记录") from exc
    repo.git.update_environment(**SAFE_ENV)
    return repo
