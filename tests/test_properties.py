"""Property-based tests (Hypothesis) for scoring, grading, the quota ledger, and the loader."""
from __future__ import annotations

import math
import shutil
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES
from kaohe_docs.engine.grading import band, within_band
from kaohe_docs.engine.quota import allowed_from, ledger
from kaohe_docs.model import Grade, Quarter
from kaohe_docs.pipeline import open_project
from kaohe_docs.records.load import load
from kaohe_docs.records.policy import parse_policy
from kaohe_docs.records.readers import (
    read_appeals,
    read_bureau,
    read_decision,
    read_feedback,
    read_roster,
    read_unit_quarter,
    read_units,
)
from kaohe_docs.records.yamlio import decode, parse

POLICY = load(FIXTURES / "mini", use_cache=False).policy
YEAR = [Quarter(2026, q) for q in (1, 2, 3, 4)]
ratios = st.sampled_from([Decimal("0.4"), Decimal("0.3"), Decimal("0.35"), Decimal("0.5"), Decimal("0.15")])
sizes = st.lists(st.integers(0, 45), min_size=4, max_size=4)


def oracle(ratio: Decimal, steps):
    """An independent ledger in exact fractions."""
    carry, out = Fraction(0), []
    for _, n, used in steps:
        available = carry + n * Fraction(ratio)
        allowed = math.floor(available) if available >= 1 else (1 if available > 0 else 0)
        out.append((available, allowed))
        carry = available - used
    return out, carry


@pytest.mark.slow
@given(ratios, sizes, st.lists(st.integers(0, 20), min_size=4, max_size=4))
def test_ledger_matches_an_independent_computation(ratio, people, wanted):
    steps, carry = [], Decimal(0)
    for quarter, n, w in zip(YEAR, people, wanted):
        available = carry + n * ratio
        used = min(w, allowed_from(available, 1))  # a unit never recommends more than allowed
        steps.append((quarter, n, used))
        carry = available - used
    rows = ledger("u", ratio, 1, steps)
    expected, final_carry = oracle(ratio, steps)
    assert [(Fraction(r.available), r.allowed) for r in rows] == expected
    # carry identity: Σ used + carry after Q4 = Σ entitlements
    assert sum(r.used for r in rows) + rows[-1].carry_out == sum(r.entitlement for r in rows)
    assert Fraction(rows[-1].carry_out) == final_carry
    for r in rows:
        assert r.used <= r.allowed
        if r.available > 0:
            assert r.allowed <= max(1, math.floor(r.available))
        else:
            assert r.allowed == 0


@given(st.decimals(min_value=0, max_value=110, places=2), st.sampled_from(list(Grade)))
def test_bands_allow_lower_grades_never_higher_and_below_60_only_poor(total, grade):
    allowed = band(total, POLICY)
    assert within_band(grade, allowed) == (grade.rank <= allowed.rank)
    if total < 60:
        assert allowed is Grade.POOR and within_band(grade, allowed) == (grade is Grade.POOR)
    if total >= 90:
        assert allowed is Grade.GOOD


@given(st.decimals(min_value=0, max_value=100, places=3), st.decimals(min_value=0, max_value=100, places=3))
def test_band_is_monotone_in_the_rounded_total(a, b):
    low, high = sorted((POLICY.round(a), POLICY.round(b)))
    assert band(low, POLICY).rank <= band(high, POLICY).rank


UNIT = "records/2026/Q1/units/zhengong.yaml"
VALID = (FIXTURES / "mini" / UNIT).read_text(encoding="utf-8")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.permutations([0, 1, 2]), st.booleans())
def test_results_do_not_depend_on_the_order_of_people_or_files(tmp_path_factory, order, rename):
    root = tmp_path_factory.mktemp("order") / "b"
    shutil.copytree(FIXTURES / "mini", root, ignore=shutil.ignore_patterns("build", ".cache"))
    head, *people = VALID.split("\n  - id:")
    shuffled = head + "".join("\n  - id:" + people[i] for i in order)
    if not shuffled.endswith("\n"):
        shuffled += "\n"
    (root / UNIT).write_text(shuffled, encoding="utf-8")
    if rename:  # the units listed in the other order
        units = root / "records/units.yaml"
        text = units.read_text(encoding="utf-8").split("\n  - ")
        units.write_text("\n  - ".join([text[0], text[2].rstrip("\n"), text[1]]) + "\n", encoding="utf-8")
    project = open_project(root, use_cache=False)
    assert [d for d in project.diagnostics if d.level == "error"] == []
    results = {r.entry.person_id: (r.score.total if r.score else None, r.final) for r in project.assessment.results[YEAR[0]]}
    ledgers = {k[0]: (v.available, v.allowed, v.used) for k, v in project.assessment.unit_ledgers.items()}
    assert results == BASELINE_RESULTS and ledgers == BASELINE_LEDGERS


_baseline = open_project(FIXTURES / "mini", use_cache=False).assessment
BASELINE_RESULTS = {r.entry.person_id: (r.score.total if r.score else None, r.final) for r in _baseline.results[YEAR[0]]}
BASELINE_LEDGERS = {k[0]: (v.available, v.allowed, v.used) for k, v in _baseline.unit_ledgers.items()}

MINI = FIXTURES / "mini"
Q1 = YEAR[0]
READERS = {  # every kind of record file, with a valid text to mutate
    UNIT: (lambda tree, path: read_unit_quarter(tree, path, "zhengong", Q1), VALID),
    "policy/policy.yaml": (parse_policy, None),
    "records/roster.yaml": (read_roster, None),
    "records/units.yaml": (read_units, None),
    "records/bureau.yaml": (read_bureau, None),
    "records/2026/Q1/decision.yaml": (lambda tree, path: read_decision(tree, path, Q1), None),
    "records/2026/Q1/appeals.yaml": (lambda tree, path: read_appeals(tree, path, Q1),
                                     'quarter: 2026Q1\nappeals:\n  - {id: "010002", received: 2026-04-16, grounds: 有异议, '
                                     "outcome: 改变, grade: 一般, reason: 经核实, replied: 2026-04-18}\n"),
    "records/2026/Q1/feedback.yaml": (lambda tree, path: read_feedback(tree, path, Q1),
                                      'quarter: 2026Q1\nfeedback:\n  - {id: "010002", method: 个别谈话, date: 2026-04-20, '
                                      "talk: {date: 2026-04-20, by: 王}, admonish: true}\n"),
}
TEXTS = {path: text or (MINI / path).read_text(encoding="utf-8") for path, (_, text) in READERS.items()}
NASTY = list(":-{}[]&*!|>'\"#%@`,.\t\n 0１０好　\u200b\x00é九") + [chr(0xE000), "\ud800"]


def _read(path: str, text: str) -> None:
    """The loader's whole path for one file: decode → parse → typed reading; it must never raise."""
    decoded, _ = decode(text.encode("utf-8", "surrogatepass"), path)
    if decoded is None:
        return
    tree, _ = parse(decoded, path)
    if tree is not None:
        READERS[path][0](tree, path)


@settings(max_examples=1500, deadline=None)
@given(st.sampled_from(sorted(READERS)), st.data())
@pytest.mark.slow
def test_fuzz_the_loader_with_mutated_records(path, data):
    """Deletions, insertions and replacements of characters in valid files of every kind."""
    text = list(TEXTS[path])
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, len(text) - 1))
        action = data.draw(st.sampled_from(["delete", "insert", "replace"]))
        char = data.draw(st.sampled_from(NASTY))
        if action == "delete":
            del text[at]
        elif action == "insert":
            text.insert(at, char)
        else:
            text[at] = char
    _read(path, "".join(text))


@pytest.mark.slow
@settings(max_examples=500, deadline=None)
@given(st.sampled_from(sorted(READERS)), st.text(max_size=300))
def test_fuzz_the_loader_with_arbitrary_text(path, text):
    _read(path, text)


# -- the whole pipeline: load → assess → checks → document HTML ---------------------------------

import datetime as _dt  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
import yaml  # noqa: E402

from kaohe_docs.errors import KaoheError  # noqa: E402

PIPELINE_FILES = [UNIT, "records/2026/Q1/units/solo.yaml", "records/2026/Q1/decision.yaml", "records/roster.yaml",
                  "records/units.yaml", "records/bureau.yaml", "policy/policy.yaml"]
_TREES = {path: yaml.safe_load((MINI / path).read_text(encoding="utf-8")) for path in PIPELINE_FILES}
hostile_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10 ** 6, 10 ** 6), st.integers(-10 ** 40, 10 ** 40),
    st.floats(allow_nan=False, allow_infinity=False, width=32), st.text(max_size=12),
    st.text(st.sampled_from(NASTY[:-1] + ["=", "+", "@", "\x1b", "\ufffe", "\u202e", "\x7f", "警"]), max_size=12),
    st.sampled_from(["好", "较好", "一般", "较差", "通过", "不通过", "待审核", "2026Q1", "2026Q2", "010001", "020001",
                     "zhengong", "solo", "1e999999999", "-0", "100%", "40%", "../..", "警" * 600]),
    st.dates(_dt.date(1900, 1, 1), _dt.date(2200, 12, 31)),
)


def _paths(tree, prefix=()):
    """Every (path, value) in a plain YAML tree, containers included."""
    yield prefix, tree
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(tree, list):
        for n, value in enumerate(tree):
            yield from _paths(value, prefix + (n,))


def _mutate(tree, data):
    import copy
    tree = copy.deepcopy(tree)
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        paths = [p for p, _ in _paths(tree) if p]
        if not paths:
            break
        path = data.draw(st.sampled_from(paths), label="path")
        parent = tree
        for step in path[:-1]:
            parent = parent[step]
        action = data.draw(st.sampled_from(["replace", "delete", "duplicate", "add"]), label="action")
        if action == "delete":
            del parent[path[-1]]
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))
        elif action == "add" and isinstance(parent, dict):
            parent[data.draw(st.sampled_from(["name", "note", "grade", "monthly", "common", "left", "joined",
                                              "publicity_start", "changes", "additions", "x"]))] = data.draw(hostile_scalars)
        else:
            parent[path[-1]] = data.draw(hostile_scalars, label="value")
    return tree


def _whole_pipeline(root: Path) -> None:
    """load → assess → checks, then every document's HTML when there are no errors; never an exception."""
    from kaohe_docs.render.build import Builder, plan
    from kaohe_docs.render.provenance import EPOCH, Provenance
    project = open_project(root, use_cache=False)
    if project.errors or project.assessment is None:
        return
    try:
        builder = Builder(project, Provenance("", EPOCH, True))
    except KaoheError as exc:  # a clear refusal of the build, e.g. no installed font in a policy's font list
        assert exc.message.startswith("字体“")
        return
    for period in (Quarter(2026, 1), 2026):
        docs, _ = plan(project, period)
        for doc in docs:
            try:
                builder.html(doc)
            except KaoheError as exc:  # a clear, expected refusal (e.g. a glyph the fonts lack)
                assert "Traceback" not in exc.message


def _pipeline_case(data) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "bureau"
        shutil.copytree(MINI, root, ignore=shutil.ignore_patterns("build", ".cache"))
        for _ in range(data.draw(st.integers(1, 2), label="files")):
            path = data.draw(st.sampled_from(PIPELINE_FILES), label="file")
            text = yaml.safe_dump(_mutate(_TREES[path], data), allow_unicode=True, sort_keys=False)
            (root / path).write_text(text, encoding="utf-8")
        _whole_pipeline(root)


@pytest.mark.slow
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_fuzz_the_whole_pipeline_ends_in_diagnostics(data):
    _pipeline_case(data)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_fuzz_the_whole_pipeline_ends_in_diagnostics_thoroughly(data):
    _pipeline_case(data)
