"""共性指标 from the bureau's indicator items: worked examples of the arithmetic, the rules' exact messages,
and old records (element totals) loading unchanged."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from conftest import FIXTURES, write
from kaohe_docs.engine.indicators import score_items
from kaohe_docs.engine.scoring import score_entry
from kaohe_docs.model import Entry, IndicatorClaim, Quarter, Src, Status
from kaohe_docs.pipeline import open_project
from kaohe_docs.records.load import load

UNIT = "records/2026/Q1/units/zhengong.yaml"


@pytest.fixture(scope="module")
def policy():
    return load(FIXTURES / "mini", use_cache=False).policy


def c(item, matter, points=None):
    return IndicatorClaim(item, matter, dt.date(2026, 3, 9), None, Decimal(points) if points is not None else None,
                          Src("f", 1))


def scores(policy, claims, typed=None):
    e = Entry(person_id="1", name="甲", unit_id="u", quarter=Quarter(2026, 1), status=Status.ASSESSED,
              common={k: Decimal(v) for k, v in (typed or {}).items()}, monthly={1: Decimal(90)}, bonuses=[],
              suggested=None, lower_reason=None, note=None, attendance={}, summary=None, ungraded_reason=None,
              external=None, src=Src("f", 1), indicators=claims)
    return score_entry(e, policy)


def test_worked_example_of_the_module_docstring(policy):
    # 勤-1 迟到 扣 0.5 (fixed); 勤-2 脱岗 扣 0.5~2, the unit wrote 2; the same matter under 廉-3 counts once, at 2
    s = scores(policy, [c("勤-1", "3月2日迟到"), c("勤-2", "3月9日值班脱岗", "2"), c("廉-3", "3月9日值班脱岗", "1")])
    assert s.elements == {"德": 20, "能": 20, "勤": Decimal("17.5"), "绩": 20, "廉": 20}
    assert s.common_raw == Decimal("97.5") and s.common == Decimal("39.000")
    assert [(k.claim.item, d.claim.item) for k, d in s.items.duplicates] == [("勤-2", "廉-3")]


def test_same_matter_highest_value_wins_whatever_the_order(policy):
    later_higher = scores(policy, [c("勤-4", "擅离岗位"), c("勤-2", "擅离岗位", "1.5")])
    assert later_higher.elements["勤"] == Decimal("18.5")
    tie = scores(policy, [c("勤-1", "3月2日迟到"), c("勤-4", "3月2日迟到")])  # both 0.5: counted once, the first
    assert tie.elements["勤"] == Decimal("19.5") and [k.claim.item for k, _ in tie.items.duplicates] == ["勤-1"]


def test_element_bounded_by_zero_and_full_marks(policy):
    many = [c("廉-1", f"事项{n}", "5") for n in range(5)]  # 25 points deducted from 20
    assert scores(policy, many).elements["廉"] == 0
    up = scores(policy, [c("德-5", "救起落水儿童", "1")])  # an addition never lifts 20 above 20
    assert up.elements["德"] == 20 and up.items.elements["德"].bounded


def test_shared_matter_points_as_the_unit_decided_never_above_the_value(policy):
    s = scores(policy, [c("绩-2", "报表差错被通报", "0.4"), c("勤-1", "迟到", "9")])
    assert s.elements["绩"] == Decimal("19.6") and s.elements["勤"] == Decimal("19.5")  # 9 → the item's 0.5


def test_typed_totals_and_items_in_one_person(policy):
    s = scores(policy, [c("勤-1", "迟到")], typed={"德": "18", "能": "19"})
    assert s.elements == {"德": 18, "能": 19, "勤": Decimal("19.5"), "绩": 20, "廉": 20}
    assert set(s.items.elements) == {"勤", "绩", "廉"} and s.complete


def test_range_without_points_leaves_the_element_unscored(policy):
    s = scores(policy, [c("勤-2", "脱岗")])
    assert "勤" not in s.elements and not s.common_complete and not s.complete


def test_rounding_rule_applies_to_an_element(policy):
    items = score_items([c("绩-3", "进度", "0.335")], policy.indicators, policy.elements, {"绩"}, policy.round)
    assert items.elements["绩"].score == Decimal("19.67")  # 19.665 half-up at 2 places


def test_old_records_with_element_totals_load_unchanged(policy):
    s = scores(policy, None, typed=dict(zip("德能勤绩廉", ("19", "18", "19", "18", "20"))))
    assert s.items is None and s.common_raw == 94 and s.elements["能"] == Decimal("18")


HEAD = "unit: zhengong\nquarter: 2026Q1\nsubmitted: 2026-04-08\nleader: 王志强\npeople:\n"
WANG = ('  - id: "010001"\n    name: 王志强\n    monthly: {1: 95, 2: 96, 3: 94}\n    suggested: 好\n'
        "    indicators:\n")
REST = ('  - id: "010002"\n    name: 李娜\n    common: {德: 18, 能: 17, 勤: 18, 绩: 17, 廉: 19}\n'
        "    monthly: {1: 88, 2: 90, 3: 89}\n    suggested: 较好\n"
        '  - id: "010003"\n    name: 张伟\n    ungraded: 长期病假\n')


def item(text: str) -> str:
    return f"      - {{{text}, date: 2026-03-09}}\n"


def check(root, *items, extra="", rest=REST):
    write(root, {UNIT: HEAD + WANG.replace("    indicators:\n", extra + "    indicators:\n") + "".join(items) + rest})
    return [d.format() for d in open_project(root, use_cache=False).diagnostics]


def test_shared_matter_divided_below_the_range_is_accepted(mini):
    """The rules' exact messages are in tests/test_validation.py; here: a shared matter's points as the unit divided them."""
    li = REST.replace("    common: {德: 18, 能: 17, 勤: 18, 绩: 17, 廉: 19}\n",
                      "    common: {德: 17, 能: 16, 勤: 17, 廉: 18}\n"
                      "    indicators:\n      - {item: 绩-2, matter: 报表差错被通报, date: 2026-02-26, points: 0.5}\n")
    # below the range (绩-2: 1~3) is the unit's division of a shared matter: accepted
    assert check(mini, item("item: 绩-2, matter: 报表差错被通报, points: 0.5"), rest=li) == []


def test_empty_list_is_full_marks_and_not_pending(mini):
    assert check(mini, extra="    common:\n") == []
    r = next(r for r in open_project(mini, use_cache=False).assessment.results[Quarter(2026, 1)] if r.entry.name == "王志强")
    assert r.score.common_raw == 100 and r.score.complete


@pytest.mark.slow
def test_committee_diff_and_score_show_the_items(mini_git):
    from conftest import commit_all, edit, git, run
    solo = "records/2026/Q1/units/solo.yaml"
    git(mini_git, "checkout", "-q", "-b", "edit")
    edit(mini_git, solo, "evidence: 局绩效考评通报, points: 1}", "evidence: 局绩效考评通报, points: 0.5}")
    edit(mini_git, solo, "      - {item: 廉-5, matter: 未按规定报告本人婚姻变化情况, date: 2026-02-14, evidence: 政工室核查记录}\n", "")
    commit_all(mini_git, "更正刘洋的扣分")
    text = run(mini_git, "diff", "main", "HEAD").stdout
    assert ("  法制室 刘洋（警号 020001）：共性“绩”（按指标项目计分） 19 → 19.5；共性“廉”（按指标项目计分） 19 → 20；"
            "共性指标“绩-3（一季度执法质量考评指标未达到序时进度）” 1 分，2026-03-31，局绩效考评通报 → "
            "0.5 分，2026-03-31，局绩效考评通报；"
            "删除共性指标“廉-5（未按规定报告本人婚姻变化情况）”（原为 按该项分值，2026-02-14，政工室核查记录）；"
            "总分 95.60 → 96.20") in text.splitlines()
    rows = run(mini_git, "score", "2026Q1", "--unit", "solo", "--json").stdout
    assert "绩-3 扣0.5分（一季度执法质量考评指标未达到序时进度）" in rows and "廉-5" not in rows


def test_policy_indicator_mistakes_are_reported_with_their_lines(mini):
    path = mini / "policy/policy.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("indicators:")
    path.write_text(text[:start] + "indicators:\n"
                    "  德:\n"
                    "    - {id: 德-1, text: 甲, deduct: 3~1}\n"
                    "    - {id: 德-2, text: 乙, deduct: 25}\n"
                    "    - {id: 德-3, text: 丙}\n"
                    "    - {id: 德-3, text: 丁, add: 1}\n"
                    "    - {id: 德-3, text: 戊, add: 0.5}\n"
                    "  品: []\n", encoding="utf-8")
    line = text[:start].count("\n") + 1
    assert [d.format() for d in open_project(mini, use_cache=False).diagnostics] == [
        f"policy/policy.yaml:{line + 2}: 错误: “deduct”的范围“3~1”应从小到大且大于 0，如 1~3",
        f"policy/policy.yaml:{line + 3}: 错误: 共性指标项目“德-2”的分值 25 超过要素“德”的满分 20",
        f"policy/policy.yaml:{line + 4}: 错误: 共性指标项目“德-3”须写 deduct（扣分）或 add（加分）之一",
        f"policy/policy.yaml:{line + 6}: 错误: 共性指标项目编号“德-3”重复（第 {line + 5} 行已有）",
        f"policy/policy.yaml:{line + 7}: 错误: indicators 中的“品”不是共性指标要素（应为 德、能、勤、绩、廉）",
    ]


def test_an_element_without_policy_items_needs_its_total(mini):
    path = mini / "policy/policy.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[:text.index("  廉:\n")], encoding="utf-8")  # the policy lists no items for 廉
    ours = lambda lines: [line for line in lines if line.startswith(UNIT)]  # noqa: E731 (solo.yaml uses 廉-5)
    assert ours(check(mini)) == [f"{UNIT}:6: 错误: 王志强（警号 010001）缺少共性要素“廉”的得分"]
    assert ours(check(mini, extra="    common: {廉: 19}\n")) == []
    s = scores(load(mini, use_cache=False).policy, [], typed={"廉": "19"})
    assert s.elements == {"德": 20, "能": 20, "勤": 20, "绩": 20, "廉": 19} and set(s.items.elements) == {"德", "能", "勤", "绩"}


def test_committee_diff_names_an_element_that_changes_from_items_to_a_typed_total(mini_git):
    """廉 scored from one item (20 − 1 = 19) becomes a typed 19: one line says how it is scored now, not a deleted score."""
    from conftest import commit_all, edit, git, run
    solo = "records/2026/Q1/units/solo.yaml"
    git(mini_git, "checkout", "-q", "-b", "edit")
    edit(mini_git, solo, "common: {德: 19, 能: 19, 勤: 19}", "common: {德: 19, 能: 19, 勤: 19, 廉: 19}")
    edit(mini_git, solo, "      - {item: 廉-5, matter: 未按规定报告本人婚姻变化情况, date: 2026-02-14, evidence: 政工室核查记录}\n", "")
    commit_all(mini_git, "廉直接填写")
    lines = [line for line in run(mini_git, "diff", "main", "HEAD").stdout.splitlines() if "刘洋" in line]
    assert lines == ["  法制室 刘洋（警号 020001）：共性“廉”由按指标项目计分改为直接填写（19 分不变）；"
                     "删除共性指标“廉-5（未按规定报告本人婚姻变化情况）”（原为 按该项分值，2026-02-14，政工室核查记录）"]
