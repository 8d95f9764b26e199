"""The plan's annexes printed from policy: change a number in policy and the printed annex changes with it;
an opened quarter with no score builds its 各单位“好”等次名额表."""
from __future__ import annotations

from pathlib import Path

import pypdf
import pytest

from conftest import run
from kaohe_docs.model import Quarter
from kaohe_docs.pipeline import open_project
from kaohe_docs.render.build import build_period


def text_of(path: Path) -> str:
    return "".join("".join(page.extract_text().split()) for page in pypdf.PdfReader(path).pages)


def change_policy(root: Path, *pairs: tuple[str, str]) -> None:
    path = root / "policy/policy.yaml"
    text = path.read_text(encoding="utf-8")
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")


@pytest.mark.slow
def test_year_annexes_follow_the_policy(mini):
    change_policy(mini, ("  cap: 5 ", "  cap: 4 "), ("    嘉奖: 1\n", "    嘉奖: 1.5\n"),
                  ("{id: 勤-3, text: 旷工（每天）, deduct: 2}", "{id: 勤-3, text: 旷工（每个工作日）, deduct: 3}"),
                  ("{id: 绩-4, text: 工作经验做法被县级及以上部门转发推广, add: 0.5~1}",
                   "{id: 绩-4, text: 工作经验做法被县级及以上部门转发推广, add: 0.5~1.5}"),
                  ("  common: 40% ", "  common: 30% "), ("  individual: 60% ", "  individual: 70% "))
    result = build_period(open_project(mini, use_cache=False), 2026, mini / "build")
    assert all(d.level != "error" for d in result.diagnostics)
    year = mini / "build/2026"
    indicators = text_of(year / "附件1-量化考核指标表.pdf")
    assert indicators.startswith("附件1清河县公安局平时考核量化考核指标表")
    for fragment in ("满分100分（德20分、能20分、勤20分、绩20分、廉20分）", "五要素得分之和乘以30%",
                     "勤-3旷工（每个工作日）扣3分", "绩-4工作经验做法被县级及以上部门转发推广加0.5–1.5分",
                     "德-1政治意识、大局意识不强，发表与党的路线方针政策相违背的言论扣3–5分",
                     "只记一次，分值就高不就低", "由所在单位根据情况研究确定各人加扣分"):
        assert fragment in indicators, fragment
    assert indicators.count("（20分）") == 5  # each element's full marks once, over its rows
    bonus = text_of(year / "附件2-正向激励指标量化考核表.pdf")
    assert bonus.startswith("附件2清河县公安局平时考核正向激励指标量化考核表")
    for fragment in ("最高不超过4分", "1嘉奖加1.5分", "2三等功加2分", "7省级通报表扬加2分", "分值就高不就低"):
        assert fragment in bonus, fragment
    blank = text_of(year / "附件3-平时考核登记表.pdf")
    assert blank.startswith("附件3清河县公安局平时考核登记表") and "德（20）" in blank and "×30%=" in blank
    assert "×70%=" in blank and "无" not in blank.split("正向激励")[1][:4]  # blank, not “无”
    results = text_of(year / "附件4-平时考核结果登记表.pdf")
    assert results.startswith("附件4清河县公安局平时考核结果登记表") and "12" in results
    assert "共性指标得分（五要素得分之和×30%）+月度绩效平均分×70%+正向激励加分（上限4分）" in results


@pytest.mark.slow
def test_opened_quarter_without_scores_builds_its_quota_table(mini):
    change_policy(mini, ("  ratio: 40% ", "  ratio: 50% "), ("  minimum_place: 1 ", "  minimum_place: 0 ")
                  if "minimum_place" in (mini / "policy/policy.yaml").read_text(encoding="utf-8")
                  else ("  ungraded_in_base: false", "  ungraded_in_base: false\n  minimum_place: 0"))
    assert run(mini, "open", "2026Q2").exit_code == 0
    project = open_project(mini, use_cache=False)
    q2 = Quarter(2026, 2)
    assert all(r.score is None or not r.score.complete for r in project.assessment.results[q2])  # nothing scored
    build_period(project, q2, mini / "build")
    text = text_of(mini / "build/2026Q2/11-名额表.pdf")
    assert text.startswith("清河县公安局各单位“好”等次名额表2026年第二季度")
    # at 50%, minimum place 0. 政工室 Q1: 2 take part (张伟 不确定等次), 1.0 available, 王志强 recommended → carry 0.0;
    # Q2 as opened: 3 listed (张伟 not marked yet) → 1.5 + 0.0 = 1.5 → 1 place.
    # 法制室 Q1: 0.5 → 0 places (minimum 0), 刘洋 recommended anyway → carry −0.5; Q2: 0.5 − 0.5 = 0.0 → 0.
    # 全局 Q1: 3 × 50% = 1.5, one 好 decided → carry 0.5; Q2: 4 × 50% = 2.0 + 0.5 = 2.5 → 2.
    assert "单位参加人数比例本季度名额上季度结转累计名额可报“好”等次人数政工室350%1.50.01.51法制室150%0.5-0.50.00" \
           "全局450%2.00.52.52" in text
    assert "可报送1名" not in text and "累计名额大于0、小于1的，不报“好”等次人员" in text
    assert "参加平时考核人数的50%" in text and "（不确定等次人员不计入参加人数）" in text


def test_check_reports_a_plan_placeholder_naming_no_policy_value(mini):
    from kaohe_docs.render.renderer import PACKAGE_TEMPLATES
    text = (PACKAGE_TEMPLATES / "plan.html").read_text(encoding="utf-8")
    assert run(mini, "check").exit_code == 0  # the packaged example plan names only policy values
    line = text[:text.index("{{ 政策.加分上限 }}")].count("\n") + 1
    (mini / "templates").mkdir()
    (mini / "templates/plan.html").write_text(text.replace("{{ 政策.加分上限 }}", "{{ 政策.加分上线 }}")
                                              .replace("{{ 政策.公示工作日 }}", "{{ 政策['公示天数'] }}"), encoding="utf-8")
    result = run(mini, "check")
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if "占位符" in line]
    assert len(errors) == 2
    assert errors[0].startswith(f"templates/plan.html:{line}: 错误: 占位符“政策.加分上线”不是政策中的数值（可用：共性权重、个性权重、")
    assert "占位符“政策.公示天数”" in errors[1]


@pytest.mark.slow
def test_plan_is_a_red_header_document_with_the_policy_values(mini):
    change_policy(mini, ("  cap: 5 ", "  cap: 4 "), ("  好: 90 ", "  好: 92 "), ("  submission_day: 10 ", "  submission_day: 8 "),
                  ("  publicity_working_days: 5 ", "  publicity_working_days: 7 "))
    build_period(open_project(mini, use_cache=False), 2026, mini / "build")
    text = text_of(mini / "build/2026/09-实施方案.pdf")
    assert text.startswith("中共清河县公安局委员会文件〔2026〕号清河县公安局公务员平时考核工作实施方案局属各所室队：")
    for fragment in ("合计不超过4分", "总分92分以上可确定为“好”", "80分以上可确定为“较好”", "不满60分的确定为“较差”",
                     "参加考核人数的40%计算", "于季度次月8日前报考核办", "公示7个工作日（公示“好”等次人员）",
                     "（德20分、能20分、勤20分、绩20分、廉20分，合计100分）", "占40%", "占60%",
                     "附件：1．平时考核量化考核指标表2．平时考核正向激励指标量化考核表3．平时考核登记表4．平时考核结果登记表",
                     "抄送：县公务员主管部门。", "清河县公安局平时考核工作委员会办公室年月日印发"):
        assert fragment in text, fragment


def test_blank_registration_form_fills_every_field_the_template_prints(mini):
    """The blank 登记表 (附件) goes through the same template as a person's: it has every field a person's has."""
    from kaohe_docs.documents.personal import blank_registration_person, registration
    a = open_project(mini, use_cache=False).assessment
    person = registration(a, Quarter(2026, 1))[0].context["people"][0]
    blank = blank_registration_person(a)
    assert set(person) - set(blank) == set()
    assert all(blank[key] in ("", [], False) for key in person if key != "elements")
