"""Load, assess and check a records repository in one call (the library's front door).

``open_project(root)`` runs the linear chain files → load → model → assess → checks and
returns everything a command needs; the CLI is a thin layer over it.
"""
from __future__ import annotations

import hashlib
import logging
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path

from kaohe_docs import code_fingerprint
from kaohe_docs.engine.assess import Assessment, assess
from kaohe_docs.checks import run_checks
from kaohe_docs.errors import Diagnostic, sort_diagnostics
from kaohe_docs.records.load import CACHE_DIR, Loaded, load

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
    """A hash of every input file's path, size and mtime (cheap; for the whole-run cache)."""
    h = hashlib.sha256(code_fingerprint().encode())
    for folder in INPUT_DIRS:
        for dirpath, dirnames, filenames in os.walk(root / folder):
            dirnames.sort()
            for name in sorted(filenames):
                path = os.path.join(dirpath, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                h.update(f"{os.path.relpath(path, root)}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
    return h.hexdigest()


def check_diagnostics(root: Path, use_cache: bool = True) -> list[Diagnostic]:
    """Diagnostics only; a re-run with no input changed answers from one cache file."""
    cache = root / CACHE_DIR / "check-result"
    digest = input_digest(root) if use_cache else ""
    if use_cache:
        try:
            with open(cache, "rb") as fh:
                cached_digest, diagnostics = pickle.load(fh)
            if cached_digest == digest:
                return diagnostics
        except Exception:  # no cache yet, or a corrupt one: compute
            pass
    diagnostics = open_project(root, use_cache).diagnostics
    if use_cache:
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_suffix(".tmp")
            with open(tmp, "wb") as fh:
                pickle.dump((digest, diagnostics), fh)
            os.replace(tmp, cache)
        except OSError as exc:
            log.debug("check cache not written: %s", exc)
    return diagnostics
