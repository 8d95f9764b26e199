"""``kaohe init DIR``: a new records repository for a bureau, ready for review and CI."""
from __future__ import annotations

import os
import subprocess
from importlib import resources
from pathlib import Path

from kaohe_docs.errors import KaoheError

# scaffold file → where it goes in the new repository (mode)
FILES = {
    "policy.yaml": ("policy/policy.yaml", 0o644),
    "bureau.yaml": ("records/bureau.yaml", 0o644),
    "units.yaml": ("records/units.yaml", 0o644),
    "roster.yaml": ("records/roster.yaml", 0o644),
    "gitignore": (".gitignore", 0o644),
    "pre-commit": (".githooks/pre-commit", 0o755),
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
        path.write_bytes(scaffold.joinpath(name).read_bytes())
        os.chmod(path, mode)
        written.append(path)
    (target / "templates").mkdir()
    (target / "templates/.gitkeep").write_text("", encoding="utf-8")
    _git(target, "init", "-q", "-b", "main")
    _git(target, "config", "core.hooksPath", ".githooks")
    return written


def initial_commit(target: Path) -> bool:
    """Commit the skeleton when Git knows who the user is; False otherwise."""
    try:
        _git(target, "add", "-A")
        _git(target, "commit", "-q", "-m", "初始化平时考核记录库")
    except KaoheError:
        return False
    return True


def _git(cwd: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, text=True, check=False)
    except OSError as exc:
        raise KaoheError("找不到 git 命令，请先安装 Git") from exc
    if done.returncode != 0:
        raise KaoheError(f"git {args[0]} 失败：{done.stderr.strip()}")
    return done.stdout
