"""Load, assess and check a records repository in one call (the library's front door).

``open_project(root)`` runs the linear chain files → load → model → assess → checks and
returns everything a command needs; the CLI is a thin layer over it.
"""
from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from kaohe_docs import code_fingerprint
from kaohe_docs.engine.assess import Assessment, assess
from kaohe_docs.checks import run_checks
from kaohe_docs.errors import Diagnostic, sort_diagnostics
from kaohe_docs.records.cache import cache_dir, read_json, write_json
from kaohe_docs.records.load import Loaded, load

log = logging.getLogger(__name__)
INPUT_DIRS = ("policy", "records")


@dataclass
class Project:
    root: Path
    loaded: Loaded | None
    assessment: Assessment | None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level == "error"]


def open_project(root: Path, use_cache: bool = True) -> Project:
    loaded = load(root, use_cache=use_cache)
    assessment = assess(loaded.bureau, loaded.policy) if loaded.ok else None
    diagnostics = list(loaded.diagnostics)
    if assessment is not None:
        diagnostics.extend(run_checks(assessment))
    return Project(root, loaded, assessment, sort_diagnostics(diagnostics))


def input_digest(root: Path) -> str:
    """A hash of every input file's path and content (symlinks by their target, never followed).

    Content, not size and modification time: an edit that keeps both must still be seen.
    """
    h = hashlib.sha256(code_fingerprint().encode())
    for folder in INPUT_DIRS:
        for dirpath, dirnames, filenames in os.walk(root / folder):
            dirnames.sort()
            names = sorted(filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))])
            for name in names:
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root)
                try:
                    if os.path.islink(path):
                        h.update(f"{rel}\0link\0{os.readlink(path)}\0".encode())
                        continue
                    with open(path, "rb") as fh:
                        digest = hashlib.sha256(fh.read()).hexdigest()
                except OSError as exc:
                    digest = f"unreadable:{exc.errno}"
                h.update(f"{rel}\0{digest}\0".encode())
    return h.hexdigest()


def check_diagnostics(root: Path, use_cache: bool = True) -> list[Diagnostic]:
    """Diagnostics only; a re-run with no input changed answers from one cache file (plain JSON)."""
    cache = cache_dir(root) / "check-result.json"
    digest = input_digest(root) if use_cache else ""
    if use_cache:
        cached = read_json(cache)
        try:
            if cached["digest"] == digest:
                return [Diagnostic(str(d["file"]), int(d["line"]), str(d["level"]), str(d["message"]))
                        for d in cached["diagnostics"]]
        except (TypeError, KeyError, ValueError):  # no cache yet, or a corrupt one: compute
            pass
    diagnostics = open_project(root, use_cache).diagnostics
    if use_cache:
        write_json(cache, {"digest": digest, "diagnostics": [d.as_dict() for d in diagnostics]})
    return diagnostics
