"""The one loader entry point: ``load(root) -> Loaded(bureau, policy, diagnostics)``.

Reading never raises on bad input. Each file's typed result is cached as plain JSON by the hash
of its bytes, outside the work tree (see ``records/cache.py``), so a re-run after editing one unit
file parses one file.
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar, cast

from kaohe_docs import code_fingerprint
from kaohe_docs.errors import Diagnostic, error, warning
from kaohe_docs.limits import DEFAULT, Limits
from kaohe_docs.model import AnnualDecision, Bureau, BureauInfo, Quarter, QuarterRecords
from kaohe_docs.records.cache import Unencodable, cache_dir, read_json, revive, write_json
from kaohe_docs.records.cache import encode as encode_plain
from kaohe_docs.records.lock import stray_temp_files
from kaohe_docs.records.policy import POLICY_FILE, Policy, parse_policy
from kaohe_docs.records.readers import (
    READS_EMPTY,
    read_annual,
    read_appeals,
    read_bureau,
    read_decision,
    read_feedback,
    read_roster,
    read_unit_quarter,
    read_units,
)
from kaohe_docs.records.source import SYMLINK_REFUSED, Source, SymlinkRefused, TreeSource
from kaohe_docs.records.yamlio import decode, length_diagnostics, parse

log = logging.getLogger(__name__)
T = TypeVar("T")
V = TypeVar("V")
Result = tuple[T | None, list[Diagnostic]]  # a reader's value (None: unusable) and the file's problems
Reader = Callable[..., Result[T]]  # (YAML value, path, *arguments) → Result

BUREAU_FILE = "records/bureau.yaml"
UNITS_FILE = "records/units.yaml"
ROSTER_FILE = "records/roster.yaml"
ANNUAL_FILE = "annual.yaml"  # beside Q1–Q4 in records/YYYY/: the committee's annual 优秀 choice
QUARTER_FILES = ("decision.yaml", "appeals.yaml", "feedback.yaml")  # beside units/ in records/YYYY/Qn/
FEEDBACK_DIR = "feedback"  # records/YYYY/Qn/feedback/<unit>.yaml: each unit's feedback in its own file


@dataclass
class Loaded:
    bureau: Bureau | None
    policy: Policy | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    digest: str = ""  # hash of every input file: the key of whole-run caches

    @property
    def ok(self) -> bool:
        return self.bureau is not None and self.policy is not None


class _FileCache:
    """Typed results of single files, keyed by (reader, path, content hash); JSON, never pickle."""

    def __init__(self, root: Path | None):
        self.dir = cache_dir(root) / "files" if root else None

    def _path(self, key: str) -> Path | None:
        return self.dir / key[:2] / f"{key}.json" if self.dir else None

    def get(self, key: str) -> tuple[object, list[Diagnostic]] | None:
        path = self._path(key)
        if path is None:
            return None
        data = read_json(path, revive)  # None for a corrupt entry: parsed again
        if type(data) is not list or len(data) != 2 or type(data[1]) is not list:
            return None
        value, diags = data
        if not all(isinstance(d, Diagnostic) for d in diags):
            return None
        return value, diags

    def put(self, key: str, value: tuple[object, list[Diagnostic]]) -> None:
        path = self._path(key)
        if path is None:
            return
        try:
            data = encode_plain(list(value))
        except Unencodable as exc:
            log.debug("not cached (%s): %s", exc, key)
            return
        write_json(path, data)


class _Reader:
    def __init__(self, source: Source, cache: _FileCache):
        self.source = source
        self.cache = cache
        self.diagnostics: list[Diagnostic] = []
        self.hash = hashlib.sha256(code_fingerprint().encode())
        self.limits = DEFAULT  # policy/policy.yaml is read under the defaults; the rest under its ``limits:``

    def typed(self, path: str, reader: Reader[T], *args: object) -> T | None:
        """Read, decode, parse and type one file; its problems join ``diagnostics``."""
        if self.source.is_dir(path):
            self.diagnostics.append(error(path, 0, "这里应是一个文件，却是一个文件夹"))
            return None
        try:
            data = self.source.read(path)
        except SymlinkRefused:
            return None  # reported once for every symlink, in load()
        except FileNotFoundError:
            self.diagnostics.append(error(path, 0, "文件不存在"))
            return None
        except OSError as exc:
            self.diagnostics.append(error(path, 0, f"无法读取文件（{exc.strerror or exc}），请检查文件权限"))
            return None
        digest = hashlib.sha256(data).hexdigest()
        self.hash.update(f"{path}\0{digest}\0".encode())
        key = hashlib.sha256(f"{code_fingerprint()}\0{reader.__name__}\0{path}\0{args}\0{digest}\0"
                             f"{self.limits.cache_key()}".encode()).hexdigest()
        cached = self.cache.get(key)
        result: Result[T]
        if cached is None:
            result = self._parse(data, path, reader, args, self.limits)
            self.cache.put(key, result)
        else:  # keyed by the reader, its arguments and the code: what this reader returned for these bytes
            result = cast("Result[T]", cached)
        value, diags = result
        self.diagnostics.extend(diags)
        return value

    @staticmethod
    def _parse(data: bytes, path: str, reader: Reader[T], args: tuple[object, ...],
               limits: Limits = DEFAULT) -> Result[T]:
        text, diags = decode(data, path, limits)
        if text is None:
            return None, diags
        tree, diags = parse(text, path, limits)
        if tree is None:
            if reader in READS_EMPTY and [d.message for d in diags] == ["文件为空"]:
                return reader(None, path, *args)  # e.g. the decision.yaml of a quarter not decided yet
            return None, diags
        diags += length_diagnostics(tree, path, limits)
        value, more = reader(tree, path, *args)
        return value, diags + more


def load(root: Path, source: Source | None = None, use_cache: bool = True) -> Loaded:
    source = source or TreeSource(root)
    r = _Reader(source, _FileCache(root if use_cache else None))
    symlinks = getattr(source, "symlinks", None)
    for path in symlinks() if symlinks else ():
        r.diagnostics.append(error(path, 0, SYMLINK_REFUSED))
    policy = r.typed(POLICY_FILE, parse_policy)
    if policy is not None:
        r.limits = policy.limits
    info = r.typed(BUREAU_FILE, read_bureau)
    units = r.typed(UNITS_FILE, read_units)
    people = r.typed(ROSTER_FILE, read_roster)
    quarters = {q: _load_quarter(r, q) for q in _quarters(r)}
    if isinstance(source, TreeSource):
        for rel in stray_temp_files(root):
            r.diagnostics.append(warning(rel, 0, "中断的写入（如导入时断电或强行结束）留下的临时文件，其中可能有个人信息："
                                                 "请删除；下次 kaohe import 会自动清理（.gitignore 已忽略这类文件）"))
    annual: dict[int, AnnualDecision] = {}
    years = {int(d.rsplit("/", 1)[1]) for d in r.source.list("records")
             if d.rsplit("/", 1)[1].isdigit() and len(d.rsplit("/", 1)[1]) == 4 and r.source.is_dir(d)}
    for year in sorted(years | {q.year for q in quarters}):
        path = f"records/{year}/{ANNUAL_FILE}"
        if r.source.exists(path):
            decision = r.typed(path, read_annual, year)
            if decision is not None:
                annual[year] = decision
    bureau = None
    if info is not None and units is not None and people is not None:
        bureau = Bureau(info, units, people, quarters, annual)
    return Loaded(bureau, policy, r.diagnostics, r.hash.hexdigest())


def load_settings(root: Path) -> tuple[Policy | None, BureauInfo | None]:
    """The policy and the bureau's own description alone (two files; their problems are dropped):
    for a run that answers from caches and needs no record."""
    r = _Reader(TreeSource(root), _FileCache(root))
    policy = r.typed(POLICY_FILE, parse_policy)
    if policy is not None:
        r.limits = policy.limits
    return policy, r.typed(BUREAU_FILE, read_bureau)


def _quarters(r: _Reader) -> list[Quarter]:
    """Quarters present under ``records/YYYY/Qn``; anything else there is reported."""
    found: list[Quarter] = []
    for year_dir in r.source.list("records"):
        name = year_dir.rsplit("/", 1)[1]
        if not r.source.is_dir(year_dir) or year_dir in (BUREAU_FILE, UNITS_FILE, ROSTER_FILE):
            continue
        if not (name.isdigit() and len(name) == 4):
            r.diagnostics.append(error(year_dir, 0, "records/ 下的文件夹应以年份命名，如 records/2026"))
            continue
        for q_dir in r.source.list(year_dir):
            if q_dir == f"{year_dir}/{ANNUAL_FILE}" and not r.source.is_dir(q_dir):
                continue
            quarter = Quarter.parse(f"{name}{q_dir.rsplit('/', 1)[1]}")
            if quarter is None or not r.source.is_dir(q_dir):
                r.diagnostics.append(error(q_dir, 0, f"{year_dir}/ 下只能有 Q1–Q4 四个季度文件夹和 {ANNUAL_FILE}"))
                continue
            found.append(quarter)
    return sorted(found)


def _load_quarter(r: _Reader, quarter: Quarter) -> QuarterRecords:
    base = f"records/{quarter.path}"
    records = QuarterRecords(quarter, {}, None)
    for path in r.source.list(f"{base}/units"):
        name = path.rsplit("/", 1)[1]
        if not name.endswith(".yaml"):
            r.diagnostics.append(error(path, 0, "季度记录文件应以 .yaml 结尾，文件名为单位代码，如 xingzhen.yaml"))
            continue
        unit_quarter = r.typed(path, read_unit_quarter, name[: -len(".yaml")], quarter)
        if unit_quarter is None:
            records.incomplete = True
        else:
            records.units[unit_quarter.unit_id] = unit_quarter
    allowed = {f"{base}/units", f"{base}/{FEEDBACK_DIR}"} | {f"{base}/{name}" for name in QUARTER_FILES}
    for path in r.source.list(base):
        if path not in allowed:
            r.diagnostics.append(error(path, 0, f"{base}/ 下只能有 units/、{FEEDBACK_DIR}/ 文件夹和 {'、'.join(QUARTER_FILES)}"))
    if r.source.exists(f"{base}/decision.yaml"):
        before = len(r.diagnostics)
        records.decision = r.typed(f"{base}/decision.yaml", read_decision, quarter)
        records.incomplete |= records.decision is None and len(r.diagnostics) > before  # empty = not decided yet
    records.appeals, unreadable_appeals = _optional_list(r, f"{base}/appeals.yaml", read_appeals, quarter)
    records.feedback, unreadable_feedback = _optional_list(r, f"{base}/feedback.yaml", read_feedback, quarter)
    records.incomplete |= unreadable_appeals or unreadable_feedback
    _unit_feedback(r, quarter, records)
    return records


def _optional_list(r: _Reader, path: str, reader: Reader[dict[str, V]], quarter: Quarter) -> tuple[dict[str, V], bool]:
    """A per-quarter list file a quarter may lack (appeals.yaml, feedback.yaml): its records by 警号 (none when
    absent or unreadable), and whether it was unreadable."""
    if not r.source.exists(path):
        return {}, False
    value = r.typed(path, reader, quarter)
    return (value or {}), value is None


def _unit_feedback(r: _Reader, quarter: Quarter, records: QuarterRecords) -> None:
    """``feedback/<unit>.yaml``: each unit records its own people's feedback (two units never touch one
    file); merged with a ``feedback.yaml`` of the earlier layout, a person recorded twice is an error."""
    base = f"records/{quarter.path}/{FEEDBACK_DIR}"
    where = {fb.person_id: fb.src for fb in records.feedback.values()}
    for path in r.source.list(base):
        name = path.rsplit("/", 1)[1]
        if not name.endswith(".yaml") or r.source.is_dir(path):
            r.diagnostics.append(error(path, 0, f"{base}/ 下只能有各单位的反馈记录，文件名为单位代码，如 xingzhen.yaml"))
            continue
        value = r.typed(path, read_feedback, quarter, name[: -len(".yaml")])
        if value is None:
            records.incomplete = True
            continue
        for person_id, fb in value.items():
            if person_id in where:
                first = where[person_id]
                r.diagnostics.append(error(fb.src.file, fb.src.line, f"警号“{person_id}”的反馈记录重复（{first.file}:{first.line} 已有），"
                                                                     "请删去其中一条"))
                continue
            where[person_id] = fb.src
            records.feedback[person_id] = fb
