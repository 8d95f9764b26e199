"""The plan's annexes, printed from policy so the printed rules are the computed ones.

The year's annexes (``kaohe build 2026``), numbered in the order the plan names them: 量化考核指标表
(共性指标 items), 正向激励指标量化考核表 (bonus catalogue, cap, 就高不就低), a blank 平时考核登记表 and a
blank 平时考核结果登记表 for hand filling. A quarter's 各单位“好”等次名额表 (people per unit, ratio,
carry-in, places available, the minimum-place rule) is built as soon as the quarter is opened.
"""
from __future__ import annotations

from kaohe_docs.documents import Document, col, form_title, table
from kaohe_docs.documents.formatting import percent
from kaohe_docs.documents.personal import blank_registration_person, weights
from kaohe_docs.engine.assess import Assessment
from kaohe_docs.model import Quarter

OFFICIAL = "official"  # 公文 page (GB/T 9704 版心, “— 1 —”), not a posted notice: the internal footer
BLANK_ROWS = 12  # rows of the blank 结果登记表


def rules(a: Assessment) -> dict:
    """The plan's counting rules with the policy's numbers, for every annex that states them."""
    p = a.policy
    return {"common": percent(p.common_weight), "individual": percent(p.individual_weight), "cap": f"{p.bonus_cap:f}",
            "elements": "、".join(f"{e}{v:f}分" for e, v in p.elements.items()),
            "full": f"{sum(p.elements.values()):f}", "places": p.places, "rounding": p.rounding_name}


def year_annexes(a: Assessment, year: int) -> list[Document]:
    makers = (indicator_table, bonus_table, blank_registration, blank_unit_results)
    return [make(a, year, f"附件{n}") for n, make in enumerate(makers, 1)]


def _annex(a: Assessment, year: int, label: str, name: str, **fields) -> Document:
    """``name`` as in the plan (平时考核结果登记表, 正向激励指标量化考核表): headed “<局>平时考核…” once."""
    full = name if name.startswith("平时考核") else f"平时考核{name}"
    doc = table(id=f"{year}/{name}", title=f"{a.bureau.info.name}{year}年度{full}", path=f"{label}-{name}",
                period=f"{year}年度", heading=f"{a.bureau.info.name}{full}", annex_label=label,
                rules=rules(a), **fields)
    doc.kind = OFFICIAL
    return doc


def indicator_table(a: Assessment, year: int, label: str) -> Document:
    """量化考核指标表: per element its full marks and items (deduction or addition, fixed or range)."""
    p = a.policy
    groups = [{"element": element, "full": f"{full:f}",
               "items": [{"id": i.id, "text": i.text, "value": i.value_text} for i in p.indicators.values()
                         if i.element == element]}
              for element, full in p.elements.items()]
    return Document(
        id=f"{year}/量化考核指标表", title=f"{a.bureau.info.name}{year}年度平时考核量化考核指标表", kind=OFFICIAL,
        template="annex_indicators.html", path=f"{label}-量化考核指标表", period=f"{year}年度",
        context={"heading": f"{a.bureau.info.name}平时考核量化考核指标表", "annex_label": label, "rules": rules(a),
                 "groups": groups})


def bonus_table(a: Assessment, year: int, label: str) -> Document:
    """正向激励指标量化考核表: the bonus catalogue, the cap and the counting rules."""
    rows = [[n, item, f"加{value:f}分"] for n, (item, value) in enumerate(a.policy.catalogue.items(), 1)]
    return _annex(a, year, label, "正向激励指标量化考核表", template="annex_bonus.html",
                  columns=[col("序号", "10%"), col("项目", "", "left"), col("分值", "22%")], rows=rows)


def blank_registration(a: Assessment, year: int, label: str) -> Document:
    """平时考核登记表 with nothing filled in: the form a person fills by hand."""
    return Document(
        id=f"{year}/平时考核登记表（空白）", title=f"{a.bureau.info.name}{year}年度平时考核登记表（空白）",
        kind=f"{OFFICIAL} form registration", template="registration.html", path=f"{label}-平时考核登记表",
        period=f"{year}年度",
        context={"period_zh": f"{year}年第　季度", "weights": weights(a), "annex_label": label,
                 "form_title": form_title(a, "登记表"),
                 "people": [blank_registration_person(a)]})


def blank_unit_results(a: Assessment, year: int, label: str) -> Document:
    """平时考核结果登记表 with empty rows: what a unit fills by hand and submits."""
    from kaohe_docs.documents.unit_results import COLUMNS, LEADERS
    return _annex(a, year, label, "平时考核结果登记表", template="annex_unit_results.html",
                  meta=["单位（盖章）：", f"考核周期：{year}年第　季度", "报送日期：　　年　　月　　日"],
                  columns=COLUMNS, rows=[[n, *([""] * (len(COLUMNS) - 1))] for n in range(1, BLANK_ROWS + 1)],
                  signatures=LEADERS)


def quota_places(a: Assessment, quarter: Quarter) -> Document:
    """各单位“好”等次名额表: what each unit may recommend this quarter; needs only who takes part, no score."""
    p = a.policy
    rows = []
    for unit in a.bureau.units_in_order():
        row = a.unit_ledgers.get((unit.id, quarter))
        if row is None or (row.participants == 0 and row.carry_in == 0):
            continue
        rows.append([unit.name, row.participants, percent(row.ratio), f"{row.entitlement:f}", f"{row.carry_in:f}",
                     f"{row.available:f}", row.allowed])
    bureau = a.bureau_ledgers[quarter]
    total = ["全局", bureau.participants, percent(bureau.ratio), f"{bureau.entitlement:f}", f"{bureau.carry_in:f}",
             f"{bureau.available:f}", bureau.allowed]
    doc = table(
        id=f"{quarter}/名额表", title=f"{a.bureau.info.name}{quarter.zh}各单位“好”等次名额表", template="quota_places.html",
        path="11-名额表", period=quarter.zh, heading=f"{a.bureau.info.name}各单位“好”等次名额表", subtitle=quarter.zh,
        columns=[col("单位", "24%", "left"), col(("参加", "人数")), col("比例"), col(("本季度", "名额")), col(("上季度", "结转")),
                 col(("累计", "名额")), col(("可报“好”", "等次人数"))],
        rows=rows, totals=[total],
        minimum=p.quota_minimum, ratio=percent(p.quota_ratio), first=quarter.q == 1,
        ungraded_in_base=p.ungraded_in_base)
    doc.kind = OFFICIAL
    return doc
