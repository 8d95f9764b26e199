"""``kaohe init DIR``: a new records repository for a bureau, ready for review and CI.

The pre-commit hook goes into ``.git/hooks`` (never a tracked folder: a hook that any merged
branch can change would run that branch's code on the clerk's next commit) and runs the
installed kaohe-docs by the absolute path of this interpreter. The CI templates install a
pinned version of kaohe-docs, never the repository's own files.
"""
from __future__ import annotations

import os
import shlex
import sys
from importlib import resources
from pathlib import Path

from kaohe_docs import __version__, gitport
from kaohe_docs.errors import KaoheError

# scaffold file → where it goes in the new repository (mode); @KAOHE_VERSION@ becomes the version
FILES = {
    "policy.yaml": ("policy/policy.yaml", 0o644),
    "bureau.yaml": ("records/bureau.yaml", 0o644),
    "units.yaml": ("records/units.yaml", 0o644),
    "roster.yaml": ("records/roster.yaml", 0o644),
    "gitignore": (".gitignore", 0o644),
    "gitlab-ci.yml": (".gitlab-ci.yml", 0o644),
    "github-workflow.yml": (".github/workflows/kaohe.yml", 0o644),
    "pre-receive": ("server-hooks/pre-receive", 0o755),  # for the Git server: see the file's header
}


def init(target: Path) -> list[Path]:
    if target.exists() and any(target.iterdir()):
        raise KaoheError(f"{target} 不是空目录；请指定一个新目录")
    scaffold = resources.files("kaohe_docs") / "scaffold"
    written = []
    for name, (rel, mode) in FILES.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(scaffold.joinpath(name).read_bytes().replace(b"@KAOHE_VERSION@", __version__.encode()))
        os.chmod(path, mode)
        written.append(path)
    from kaohe_docs.audit.owners import codeowners
    (target / "CODEOWNERS").write_text(codeowners(None), encoding="utf-8")  # kaohe owners > CODEOWNERS once owners are set
    written.append(target / "CODEOWNERS")
    (target / "templates").mkdir()
    (target / "templates/.gitkeep").write_text("", encoding="utf-8")
    _git(target, "init", "-q", "-b", "main")
    written.append(install_hook(target))
    return written


def hook_script() -> bytes:
    """The pre-commit hook, naming this interpreter (which has kaohe-docs installed) by absolute path."""
    template = (resources.files("kaohe_docs") / "scaffold" / "pre-commit").read_text(encoding="utf-8")
    return template.replace("@PYTHON@", shlex.quote(os.path.abspath(sys.executable))).encode("utf-8")


def install_hook(repo: Path) -> Path:
    """Write the pre-commit hook into the repository's own hooks folder (inside .git)."""
    hooks_path = _git(repo, "config", "--get", "core.hooksPath", check=False).strip()
    if hooks_path:
        raise KaoheError(f"该仓库设置了 core.hooksPath={hooks_path}，Git 不会运行 .git/hooks 中的钩子；"
                         "请先运行 git config --unset core.hooksPath（钩子不应放在版本库跟踪的目录中）")
    git_dir = Path(_git(repo, "rev-parse", "--git-common-dir").strip())
    hooks = (git_dir if git_dir.is_absolute() else repo / git_dir) / "hooks"
    hooks.mkdir(parents=True, exist_ok=True)
    path = hooks / "pre-commit"
    if path.is_symlink():
        path.unlink()
    path.write_bytes(hook_script())
    os.chmod(path, 0o755)
    return path


def initial_commit(target: Path) -> bool:
    """Commit the skeleton when Git knows who the user is; False otherwise."""
    try:
        _git(target, "add", "-A")
        _git(target, "commit", "-q", "-m", "初始化平时考核记录库")
    except KaoheError:
        return False
    return True


def _git(cwd: Path, *args: str, check: bool = True) -> str:
    return gitport.text(cwd, *args, check=check)
