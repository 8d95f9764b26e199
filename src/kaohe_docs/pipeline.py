"""Load, assess and check a records repository in one call (the library's front door).

``open_project(root)`` runs the linear chain files → load → model → assess → checks and
returns everything a command needs; the CLI is a thin layer over it.
"""
from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

from kaohe_docs import code_fingerprint
from kaohe_docs.checks import run_checks
from kaohe_docs.engine.assess import Assessment, assess
from kaohe_docs.errors import Diagnostic, sort_diagnostics
from kaohe_docs.model import BureauInfo, Quarter
from kaohe_docs.records.cache import cache_dir, read_json, write_json
from kaohe_docs.records.load import Loaded, load, load_settings
from kaohe_docs.records.policy import Policy

log = logging.getLogger(__name__)
INPUT_DIRS = ("policy", "records")


class Project:
    """A records repository opened: its records (``loaded``), their ``assessment`` and every diagnostic.

    ``open_project(root, deferred=True)`` on inputs that are unchanged since a run that kept their
    diagnostics (the same content of every file under policy/ and records/, and the same code)
    answers from that cache and loads and assesses the records only when ``loaded`` or
    ``assessment`` is first used: a build whose documents are all cached never does.
    """

    def __init__(self, root: Path, loaded: Loaded | None, assessment: Assessment | None,
                 diagnostics: list[Diagnostic] | None = None, *, digest: str = "", quarters=None):
        self.root = root
        self._loaded, self._assessment = loaded, assessment
        self.diagnostics = list(diagnostics or [])
        self.digest = digest  # input_digest(root) when known: the key of whole-run caches
        self._quarters = quarters  # the quarters that have records (deferred projects)
        self._deferred = loaded is None and quarters is not None
        self._settings: tuple[Policy | None, BureauInfo | None] | None = None

    @property
    def loaded(self) -> Loaded | None:
        self._open()
        return self._loaded

    @property
    def assessment(self) -> Assessment | None:
        self._open()
        return self._assessment

    def _open(self) -> None:
        if self._deferred:
            self._deferred = False
            self._loaded, self._assessment = _load_and_assess(self.root, True)

    def pin(self, policies: dict) -> None:
        """Compute these quarters with their own policies (an approved quarter keeps its approval's policy)."""
        loaded = self.loaded
        if policies and loaded is not None and loaded.ok and loaded.bureau is not None and loaded.policy is not None:
            self._assessment = assess(loaded.bureau, loaded.policy, policies)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level == "error"]

    @property
    def quarters(self) -> list[Quarter]:
        """The quarters that have records (``[]`` when the records could not be loaded)."""
        if self._deferred:
            return list(self._quarters)
        bureau = self.loaded.bureau if self.loaded is not None else None
        return sorted(bureau.quarters) if bureau is not None else []

    @property
    def policy(self) -> Policy | None:
        return self._settings_pair()[0]

    @property
    def info(self) -> BureauInfo | None:
        """The bureau's own description (name, office, issuer …)."""
        return self._settings_pair()[1]

    def _settings_pair(self) -> tuple[Policy | None, BureauInfo | None]:
        if not self._deferred:
            loaded = self.loaded
            return (loaded.policy, loaded.bureau.info if loaded.bureau is not None else None) if loaded else (None, None)
        if self._settings is None:
            self._settings = load_settings(self.root)
            if None in self._settings:  # cannot happen for inputs that loaded before; load everything
                self._open()
                return self._settings_pair()
        return self._settings


def open_project(root: Path, use_cache: bool = True, deferred: bool = False, changed=None) -> Project:
    """Load, assess and check; ``deferred``: answer from the diagnostics cache when no input changed
    (see ``Project``), otherwise call ``changed()`` (if given: a build starts more layout workers,
    which get ready while the records load), open fully and fill that cache."""
    if deferred and use_cache:
        digest = input_digest(root)
        cached = _cached_check(root, digest)
        if cached is not None:
            diagnostics, quarters = cached
            return Project(root, None, None, diagnostics, digest=digest, quarters=quarters)
        if changed is not None:
            changed()
        project = _open_fully(root, use_cache)
        project.digest = digest
        _keep_check(root, digest, project)
        return project
    return _open_fully(root, use_cache)


def _load_and_assess(root: Path, use_cache: bool) -> tuple[Loaded, Assessment | None]:
    loaded = load(root, use_cache=use_cache)
    if loaded.bureau is None or loaded.policy is None:
        return loaded, None
    return loaded, assess(loaded.bureau, loaded.policy)


def _open_fully(root: Path, use_cache: bool) -> Project:
    loaded, assessment = _load_and_assess(root, use_cache)
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
    return open_project(root, use_cache, deferred=use_cache).diagnostics


CHECK_CACHE = "check-result.json"


def _cached_check(root: Path, digest: str):
    """(diagnostics, quarters) kept by the last run on inputs with this digest, or None."""
    cached = read_json(cache_dir(root) / CHECK_CACHE)
    try:
        if cached["digest"] != digest:
            return None
        diagnostics = [Diagnostic.from_plain(d) for d in cached["diagnostics"]]
        quarters = [Quarter.parse(str(q)) for q in cached["quarters"]]
    except (TypeError, KeyError, ValueError):  # no cache yet, an older format or a corrupt one: compute
        return None
    if None in quarters:
        return None
    return diagnostics, quarters


def _keep_check(root: Path, digest: str, project: Project) -> None:
    write_json(cache_dir(root) / CHECK_CACHE, {"digest": digest, "diagnostics": [d.plain() for d in project.diagnostics],
                                                "quarters": [str(q) for q in project.quarters]})
