"""Repository settings that let a merged branch run code or plant data: reported by ``kaohe check``.

- ``core.hooksPath`` pointing into the work tree: the hooks there are tracked files, so any merged
  branch can change what runs on the next commit.
- a ``.cache/`` folder in the work tree: earlier versions kept caches there (pickles); it is never
  read now, and if it is tracked, somebody put it there on purpose.
"""
from __future__ import annotations

import os
from pathlib import Path

from kaohe_docs import gitport
from kaohe_docs.errors import Diagnostic, warning
from kaohe_docs.records.cache import stray_cache


def _git_config(root: Path, key: str) -> str | None:
    return gitport.config(root, key) or None


def _work_tree(root: Path) -> Path | None:
    top = gitport.toplevel(root)
    return Path(top) if top else None


def hooks_path_diagnostics(root: Path) -> list[Diagnostic]:
    top = _work_tree(root)
    hooks = _git_config(root, "core.hooksPath") if top else None
    if top is None or not hooks:
        return []
    path = Path(os.path.expanduser(hooks))
    resolved = os.path.realpath(path if path.is_absolute() else top / path)
    tree = os.path.realpath(top)
    if os.path.commonpath([tree, resolved]) != tree:
        return []
    rel = os.path.relpath(resolved, tree).replace(os.sep, "/")
    return [warning(rel, 0, f"Git 设置 core.hooksPath 指向工作区中的 {rel}/：其中的钩子是版本库里的文件，任何合并进来的分支"
                            "都能改变提交时运行的代码。请运行 git config --unset core.hooksPath，再运行 kaohe hook "
                            "把提交前检查钩子装到 .git/hooks 中")]


def stray_cache_diagnostics(root: Path) -> list[Diagnostic]:
    if stray_cache(root) is None:
        return []
    return [warning(".cache", 0, "工作区中的 .cache/ 不再使用，kaohe 不会读取它（缓存已移到 .git/kaohe-cache 或用户缓存目录）。"
                                 "请删除它；如果它已被提交，请运行 git rm -r --cached .cache 并查明是谁提交的")]


def hygiene_diagnostics(root: Path) -> list[Diagnostic]:
    from kaohe_docs.audit.owners import codeowners_diagnostics
    return hooks_path_diagnostics(root) + stray_cache_diagnostics(root) + codeowners_diagnostics(root)
