"""Policy settings: declared once, the example and the scaffold in step, edge values read as written."""
from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from kaohe_docs.records.load import _Reader
from kaohe_docs.records.policy import POLICY_FILE, REQUIRED, SETTINGS, parse_policy

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "policy/policy.yaml"
SCAFFOLD = ROOT / "src/kaohe_docs/scaffold/policy.yaml"
PERCENTS = [s for s in SETTINGS if s.kind == "percent"]


def keys(tree, prefix: str = "") -> set[str]:
    found: set[str] = set()
    if isinstance(tree, dict):
        for key, value in tree.items():
            found |= {prefix + str(key)} | keys(value, f"{prefix}{key}.")
    return found


def parse(text: str):
    """(Policy or None, the diagnostics' lines as `kaohe check` prints them)."""
    policy, diags = _Reader._parse(text.encode("utf-8"), POLICY_FILE, parse_policy, ())
    return policy, [d.format() for d in diags]


def scaffold() -> str:
    return SCAFFOLD.read_text(encoding="utf-8")


def set_value(text: str, setting, value: str | None) -> str:
    """The scaffold with ``setting`` set to ``value`` (None: its line removed)."""
    pattern = re.compile(rf"^(\s*){re.escape(setting.key)}:[^\n#]*(#[^\n]*)?\n", re.M)
    starts = [m for m in pattern.finditer(text)]
    assert len(starts) == 1, setting.key
    m = starts[0]
    line = "" if value is None else f"{m[1]}{setting.key}: {value}\n"
    return text[:m.start()] + line + text[m.end():]


def line_of(text: str, key: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if re.match(rf"\s*{key}:", line))


def test_the_example_and_the_scaffold_have_the_same_keys():
    example, packaged = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")), yaml.safe_load(scaffold())
    assert keys(example) == keys(packaged)


def test_every_setting_is_in_the_scaffold_and_read_from_it():
    policy, lines = parse(scaffold())
    assert lines == []
    tree = yaml.safe_load(scaffold())
    for setting in SETTINGS:
        section = tree[setting.section] if setting.section else tree
        assert setting.key in section, setting.key
        assert getattr(policy, setting.attr) is not None
    assert len({(s.section, s.key) for s in SETTINGS}) == len({s.attr for s in SETTINGS}) == len(SETTINGS)


@pytest.mark.parametrize("setting", PERCENTS, ids=lambda s: s.key)
def test_a_percent_setting_at_100_percent(setting):
    text = set_value(scaffold(), setting, "100%")
    if setting.section == "weights":  # the two weights add up to 100%
        other = next(s for s in PERCENTS if s.section == "weights" and s is not setting)
        text = set_value(text, other, "0%")
    policy, lines = parse(text)
    assert lines == []
    assert getattr(policy, setting.attr) == Decimal(1)


ZERO_REFUSED = {
    "ratio": "policy/policy.yaml:{quota}: 错误: “好”等次比例（ratio）应大于 0%",
    "excellent_limit": "policy/policy.yaml:{annual}: 错误: 年度“优秀”比例上限（excellent_limit）应大于 0%（不设“优秀”名额时也须写明上限，如 20%）",
}


@pytest.mark.parametrize("setting", PERCENTS, ids=lambda s: s.key)
def test_a_percent_setting_at_0_percent_is_zero_or_refused_never_the_default(setting):
    text = set_value(scaffold(), setting, "0%")
    if setting.section == "weights":
        other = next(s for s in PERCENTS if s.section == "weights" and s is not setting)
        text = set_value(text, other, "100%")
    policy, lines = parse(text)
    if setting.key in ZERO_REFUSED:
        assert policy is None
        assert lines == [ZERO_REFUSED[setting.key].format(quota=line_of(text, "quota"), annual=line_of(text, "annual"))]
    else:
        assert lines == []
        assert getattr(policy, setting.attr) == Decimal(0)


@pytest.mark.parametrize("setting", PERCENTS, ids=lambda s: s.key)
def test_a_percent_setting_above_100_percent_is_refused(setting):
    text = set_value(scaffold(), setting, "120%")
    policy, lines = parse(text)
    assert policy is None
    assert f"{POLICY_FILE}:{line_of(text, setting.key)}: 错误: “{setting.key}”为 120%，超出范围 0%–100%" in lines


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.key)
def test_a_missing_setting_is_its_default_or_reported(setting):
    text = set_value(scaffold(), setting, None)
    policy, lines = parse(text)
    if setting.default is REQUIRED:
        assert policy is None
        assert any(f"“{setting.key}”" in line and "错误" in line for line in lines), lines
    else:
        assert lines == []
        assert getattr(policy, setting.attr) == setting.default


def test_excellent_limit_written_as_0_percent_does_not_become_20_percent():
    text = set_value(scaffold(), next(s for s in SETTINGS if s.key == "excellent_limit"), "0%")
    policy, lines = parse(text)
    assert policy is None and len(lines) == 1 and "excellent_limit" in lines[0]


def test_minimum_place_0_is_kept():
    policy, lines = parse(set_value(scaffold(), next(s for s in SETTINGS if s.key == "minimum_place"), "0"))
    assert lines == [] and policy.quota_minimum == 0
