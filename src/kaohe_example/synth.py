"""A deterministic generator of realistic, fictional records: the example bureau and benchmarks.

``generate(out, people=200)`` writes policy/ and records/ for a year: units of realistic sizes,
a roster, four quarters of unit files and the committee's decisions, consistent with the
engine (suggestions within bands and within each unit's cumulative quota, the bureau bound
kept by the committee). With ``example=True`` it also plants the hard cases the office meets:
a one-person unit, transfers, a new hire and a leaver, a rejected recommendation, a committee
addition, a shared deed, one deed matched by two items, a total below 60, 不确定等次, people
assessed elsewhere, borrowed staff, appeals and feedback records.
"""
from __future__ import annotations

import datetime as dt
import random
import shutil
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from kaohe_docs.engine.grading import band
from kaohe_docs.engine.quota import allowed_from
from kaohe_docs.engine.scoring import score_entry
from kaohe_docs.model import BonusClaim, ClaimStatus, Entry, Grade, Quarter, Src, Status
from kaohe_docs.records.load import load

SURNAMES = ("王" * 8 + "李" * 8 + "张" * 7 + "刘" * 6 + "陈" * 5 + "杨" * 4 + "黄赵吴周" * 3 + "徐孙马朱胡郭何林高罗"
            "郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦"
            "邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚英华玉萍红玲燕彬鹏辉建国志宏海波峰浩宇晨阳博文斌亮飞健俊凯鑫雪梅琳婷慧颖" \
        "毅力成林永春立新东庆忠诚德胜安民利学兵振兴国荣卫瑞云天佳欣怡雨嘉悦子轩"

# (id, name, kind, size in the 200-person example)
EXAMPLE_UNITS = [
    ("zhengong", "政工室", "office", 7), ("fazhi", "法制室", "office", 1), ("baozhang", "警务保障室", "office", 5),
    ("zhihui", "指挥中心", "command", 9), ("xingzhen", "刑事侦查大队", "criminal", 30),
    ("zhian", "治安管理大队", "public", 16), ("jiaojing", "交通警察大队", "traffic", 22),
    ("wangan", "网络安全保卫大队", "criminal", 6), ("jindu", "禁毒大队", "criminal", 5),
    ("kanshousuo", "看守所", "custody", 7), ("chengguan-pcs", "城关派出所", "station", 38),
    ("dongguan-pcs", "东关派出所", "station", 24), ("nanhu-pcs", "南湖派出所", "station", 18),
    ("beishan-pcs", "北山派出所", "station", 12),
]
TOWNS = "清水 石桥 柳河 白马 青山 龙泉 黄庄 新集 高台 杨柳 三河 马鞍 双井 桃园 古城 河口 平安 长兴 永和 太平".split()
LEADER = {"office": ("主任", "副主任"), "command": ("主任", "副主任"), "criminal": ("大队长", "教导员", "副大队长"),
          "public": ("大队长", "教导员", "副大队长"), "traffic": ("大队长", "教导员", "副大队长", "中队长"),
          "custody": ("所长", "教导员", "副所长"), "station": ("所长", "教导员", "副所长", "副所长")}
STAFF = {"office": "科员", "command": "民警", "criminal": "侦查员", "public": "民警", "traffic": "民警",
         "custody": "管教民警", "station": "社区民警"}
RANKS = ("一级高级警长", "二级高级警长", "三级高级警长", "一级警长", "二级警长", "三级警长", "四级警长", "一级警员", "二级警员")
WORK = {
    "office": ["起草各类文稿{n}份", "组织政治轮训{n}期", "完成干部人事档案专项审核", "做好党建和队伍管理日常工作",
               "审核执法案卷{n}宗", "保障装备物资{n}批次", "落实经费和资产管理制度"],
    "command": ["接报警情{n}起并及时调度", "开展视频巡查{n}小时", "协调处置突发事件{n}起", "完成重大活动指挥保障"],
    "criminal": ["参与侦办刑事案件{n}起", "抓获犯罪嫌疑人{n}名", "完成现场勘查{n}次", "追缴涉案财物", "开展电诈案件研判{n}次",
                 "参与禁毒专项行动", "侦办网络犯罪案件{n}起"],
    "public": ["检查娱乐服务场所{n}家次", "查处治安案件{n}起", "开展治安巡查{n}次", "落实寄递物流安全管理"],
    "traffic": ["查处交通违法行为{n}起", "处理道路交通事故{n}起", "开展酒驾醉驾专项整治", "完成重点路段秩序整治"],
    "custody": ["落实在押人员安全管理", "开展监室巡查{n}次", "完成提讯提解{n}次", "组织在押人员教育转化"],
    "station": ["接处警{n}起", "走访辖区群众{n}户", "调解矛盾纠纷{n}起", "办理户籍业务{n}件", "开展反诈宣传{n}场",
                "参与辖区治安巡逻{n}次"],
}
CLOSING = ["工作中能够严格执法、热情服务，但在业务理论学习方面还需加强。", "能够遵守各项纪律规定，今后将进一步提高工作效率。",
           "工作作风扎实，但在创新工作方法上仍有不足。", "廉洁自律，服从安排，下一步将加强法律法规学习。"]
DEEDS = ["破获“{m}·{d}”系列盗窃案", "成功处置“{m}·{d}”突发警情", "{m}月{d}日抓获网上逃犯", "在“{m}·{d}”火灾中救出被困群众",
         "侦破“{m}·{d}”电信诈骗案", "圆满完成{m}月{d}日重大活动安保任务"]


# 共性指标 scored from the policy's indicator items in this unit (the others type element totals): each
# element's deduction from full marks is written as matters under the element's 0.5~2 item
ITEMISED_UNIT = "zhian"
CHUNK_ITEMS = {"德": "德-4", "能": "能-4", "勤": "勤-2", "绩": "绩-1", "廉": "廉-3"}
MATTERS = {
    "德": ["{m}月{d}日接处警时态度生硬被群众投诉", "{m}月{d}日窗口服务中推诿群众诉求被投诉", "{m}月{d}日执勤时言行不当被群众投诉"],
    "能": ["{m}月{d}日交办的案件材料因业务不熟多次返工", "{m}月{d}日交办的调研报告质量不高被退回", "{m}月{d}日信息系统录入差错较多"],
    "勤": ["{m}月{d}日夜间值班脱岗", "{m}月{d}日备勤期间睡岗", "{m}月{d}日值班期间擅离岗位"],
    "绩": ["{m}月{d}日交办的专项排查任务未按时完成", "{m}月{d}日交办的隐患整改任务逾期", "{m}月{d}日交办的信息报送任务逾期"],
    "廉": ["{m}月{d}日私驾警车办理私事", "{m}月{d}日违规将警械借给他人", "{m}月{d}日公车私用"],
}
SHARED_MATTER = "1月份辖区治安隐患大排查任务未按时完成"


@dataclass
class P:
    """A generated person and his or her state through the year."""

    id: str
    name: str
    gender: str
    birth: str
    position: str
    rank: str
    unit: str
    ability: float
    joined: str | None = None
    left: str | None = None
    quarters: dict = field(default_factory=dict)  # q → unit id (None: not in the bureau)
    special: dict = field(default_factory=dict)  # q → "ungraded:…", "external:…", "poor", "note:…"


def _d(value: float) -> str:
    """Half-point steps for element scores, whole numbers for monthly scores (as clerks write them)."""
    return f"{value:g}"


class _Gen:
    def __init__(self, people: int, year: int, seed: int, example: bool):
        self.rnd = random.Random(seed)
        self.year, self.example = year, example
        self.units = self._units(people)
        self.people: list[P] = []
        self.used_ids: set[str] = set()
        self.deeds: set[str] = set()
        for unit_id, _, kind, size in self.units:
            for n in range(size):
                self.people.append(self._person(unit_id, kind, leader=n < min(len(LEADER[kind]), max(1, size // 8))))
        for p in self.people:
            p.quarters = {q: p.unit for q in (1, 2, 3, 4)}

    # -- bureau structure ----------------------------------------------------
    def _units(self, people: int):
        if people == 200:
            return list(EXAMPLE_UNITS)
        units, scale = [], people / 200
        for unit_id, name, kind, size in EXAMPLE_UNITS:
            units.append((unit_id, name, kind, max(1, round(size * min(scale, 2.5)))))
        n = 0
        while sum(u[3] for u in units) < people:
            size = min(self.rnd.randint(8, 40), people - sum(u[3] for u in units))
            town = TOWNS[n % len(TOWNS)] + ("" if n < len(TOWNS) else str(n // len(TOWNS) + 1))
            units.append((f"pcs-{n + 1:03d}", f"{town}派出所", "station", size))
            n += 1
        while sum(u[3] for u in units) > people:  # small bureaus: trim the largest units
            i = max(range(len(units)), key=lambda k: units[k][3])
            units[i] = (*units[i][:3], units[i][3] - 1)
        return units

    def _name(self, used: set) -> str:
        while True:
            given = self.rnd.choice(GIVEN) + (self.rnd.choice(GIVEN) if self.rnd.random() < 0.72 else "")
            name = self.rnd.choice(SURNAMES) + given
            if name not in used:
                used.add(name)
                return name

    def _person(self, unit_id: str, kind: str, leader: bool, joined: str | None = None) -> P:
        while True:
            pid = f"{self.rnd.randint(1000, 999999):06d}"
            if pid not in self.used_ids:
                self.used_ids.add(pid)
                break
        age = self.rnd.randint(24, 57)
        position = self.rnd.choice(LEADER[kind][: 2 if leader else len(LEADER[kind])]) if leader else STAFF[kind]
        rank = RANKS[min(len(RANKS) - 1, max(0, (58 - age) // 5 - (2 if leader else 0) + self.rnd.randint(0, 1)))]
        return P(pid, self._name(self.names_in(unit_id)), self.rnd.choice("男男男女"), f"{self.year - age}-{self.rnd.randint(1, 12):02d}",
                 position, rank, unit_id, self.rnd.gauss(0, 1), joined=joined)

    def names_in(self, unit_id: str) -> set:
        return {p.name for p in getattr(self, "people", []) if p.unit == unit_id}

    # -- the hard cases of the example bureau -----------------------------------
    def plant(self) -> None:
        by_unit = {}
        for p in self.people:
            by_unit.setdefault(p.unit, []).append(p)
        solo = by_unit["fazhi"][0]
        solo.ability = 2.2  # the one-person unit: 好 in Q1 (0.4 → 1 place)
        mover = by_unit["dongguan-pcs"][-1]  # transferred to 刑侦 in July
        mover.quarters = {1: "dongguan-pcs", 2: "dongguan-pcs", 3: "xingzhen", 4: "xingzhen"}
        mover.special[3] = "note:7月由东关派出所调入"
        mover2 = by_unit["chengguan-pcs"][-1]  # to 城关 → 交警 in April
        mover2.quarters = {1: "chengguan-pcs", 2: "jiaojing", 3: "jiaojing", 4: "jiaojing"}
        mover2.special[2] = "note:4月由城关派出所调入"
        hire = self._person("nanhu-pcs", "station", False, joined=f"{self.year}-05")
        hire.quarters = {1: None, 2: "nanhu-pcs", 3: "nanhu-pcs", 4: "nanhu-pcs"}
        hire.ability = 0.2
        self.people.append(hire)
        leaver = by_unit["beishan-pcs"][-1]
        leaver.left = f"{self.year}-08"
        leaver.quarters[4] = None
        sick = by_unit["chengguan-pcs"][3]
        for q in (1, 2):
            sick.special[q] = f"ungraded:长期病假（{self.year}年1月至5月）"
        window = by_unit["zhian"][-1]
        for q in (1, 2, 3, 4):
            window.special[q] = "external:县行政服务中心管理委员会|{grade}|清行服〔%d〕{n}号" % self.year
        aid = by_unit["xingzhen"][5]
        for q in (3, 4):
            aid.special[q] = "external:新疆和田地区于田县公安局（援派）|{grade}|于公政〔%d〕{n}号" % self.year
        borrowed = by_unit["beishan-pcs"][2]  # 借用: assessed at 指挥中心 from Q2 on
        for q in (2, 3, 4):
            borrowed.quarters[q] = "zhihui"
            borrowed.special[q] = "note:经政工室批准借用（原单位：北山派出所）"
        poor = by_unit["jiaojing"][-2]
        poor.ability = -2.0
        poor.special[2] = "poor"
        for p in by_unit["chengguan-pcs"][10:13] + by_unit["kanshousuo"][-1:]:
            p.ability = -1.4  # a few 一般
        self.shared = by_unit["xingzhen"][1:4]
        self.double = by_unit["jiaojing"][1]
        self.double.ability = 1.0

    # -- one person's quarter ---------------------------------------------------
    def entry_fields(self, p: P, q: int) -> dict:
        rnd = self.rnd
        special = p.special.get(q, "")
        if special.startswith("ungraded:"):
            return {"ungraded": special.split(":", 1)[1]}
        if special.startswith("external:"):
            body, grade, doc = special.split(":", 1)[1].split("|")
            return {"external": {"body": body, "grade": rnd.choice(["好", "较好", "较好"]),
                                 "document": doc.format(n=q + 2)}}
        level = p.ability + rnd.gauss(0, 0.45)
        months = [m for m in Quarter(self.year, q).months if not p.joined or f"{self.year}-{m:02d}" >= p.joined]
        months = [m for m in months if not p.left or f"{self.year}-{m:02d}" <= p.left]
        common = {e: min(20.0, max(12.0, round((18.2 + level * 0.9 + rnd.gauss(0, 0.5)) * 2) / 2)) for e in "德能勤绩廉"}
        monthly = {m: min(99, max(62, round(89 + level * 4.2 + rnd.gauss(0, 1.6)))) for m in months}
        fields = {"common": common, "monthly": monthly, "bonus": []}
        if special == "poor":
            fields["common"] = {e: 12.0 for e in "德能勤绩廉"}
            fields["monthly"] = {m: v for m, v in zip(months, (58, 40, 45))}
            fields["attendance"] = {"旷工": 3}
        if rnd.random() < 0.12:
            fields["bonus"].append(self._claim(rnd.choice(["嘉奖", "嘉奖", "县级通报表扬", "市级通报表扬", "三等功"]), q))
        if special.startswith("note:"):
            fields["note"] = special.split(":", 1)[1]
        return fields

    def _claim(self, item: str, q: int, deed: str | None = None, points=None, status: str = "通过") -> dict:
        if deed is None:  # a random deed is one person's own event: never the same text twice
            m = self.rnd.choice(Quarter(self.year, q).months)
            deed = base = self.rnd.choice(DEEDS).format(m=m, d=self.rnd.randint(1, 28))
            n = 1
            while deed in self.deeds:
                n += 1
                deed = f"{base}（第{n}起）"
            self.deeds.add(deed)
        claim = {"item": item, "deed": deed, "status": status}
        if points is not None:
            claim["points"] = points
        if status == "通过":
            claim["evidence"] = f"清公政〔{self.year}〕{self.rnd.randint(3, 120)}号"
        elif status == "不通过":
            claim["reason"] = "该事项已在上季度计分"
        return claim

    def summary(self, p: P, kind: str) -> str:
        rnd = self.rnd
        parts = rnd.sample(WORK[kind], k=min(3, len(WORK[kind])))
        body = "，".join(s.format(n=rnd.randint(3, 160)) for s in parts)
        return f"本季度认真履行{p.position}岗位职责，{body}。{rnd.choice(CLOSING)}"


def _claim_obj(c: dict) -> BonusClaim:
    return BonusClaim(c["item"], c["deed"], Decimal(str(c["points"])) if "points" in c else None, ClaimStatus(c["status"]),
                      c.get("evidence"), c.get("reason"), Src("", 0))


def _entry(p: P, unit: str, quarter: Quarter, fields: dict) -> Entry:
    return Entry(p.id, p.name, unit, quarter, Status.ASSESSED,
                 {k: Decimal(_d(v)) for k, v in fields["common"].items()},
                 {m: Decimal(v) for m, v in fields["monthly"].items()},
                 [_claim_obj(c) for c in fields["bonus"]], None, None, None, {}, None, None, None, Src("", 0))


def generate(out: Path, people: int = 200, year: int = 2026, seed: int = 2026, policy_path: Path | None = None,
             example: bool | None = None) -> None:
    """Write a complete records repository (policy/ and records/) into ``out``."""
    example = (people == 200) if example is None else example
    root = Path(__file__).resolve().parents[2]
    policy_path = policy_path or root / "policy" / "policy.yaml"
    out = Path(out)
    (out / "policy").mkdir(parents=True, exist_ok=True)
    if policy_path.resolve() != (out / "policy/policy.yaml").resolve():
        shutil.copyfile(policy_path, out / "policy/policy.yaml")
    policy = load(out, use_cache=False).policy
    g = _Gen(people, year, seed, example)
    if example:
        g.plant()
    shutil.rmtree(out / "records", ignore_errors=True)
    (out / "records").mkdir()
    kinds = {u[0]: u[2] for u in g.units}
    names = {u[0]: u[1] for u in g.units}
    _write(out / "records/bureau.yaml", "# 本局基本信息（虚构的示例局）：印在每份文书上\n"
           "name: 清河县公安局\nissuer: 中共清河县公安局委员会\noffice: 清河县公安局平时考核工作委员会办公室\n"
           "report_to: [中共清河县委组织部（县公务员局）, 县委第二一线实绩考察组]   "
           "# 可选：考核结果报送核准、年度工作情况总结的主送机关\n")
    _write(out / "records/units.yaml", "# 所室队名单：顺序即各类表格中单位的排列顺序\nunits:\n" + "".join(
        f"  - id: {u[0]}\n    name: {u[1]}\n" for u in g.units))
    _write(out / "records/roster.yaml", _roster(g.people))
    carry = {u[0]: Decimal(0) for u in g.units}
    bureau_carry = Decimal(0)
    for q in (1, 2, 3, 4):
        quarter = Quarter(year, q)
        unit_people = {u[0]: [] for u in g.units}
        for p in g.people:
            if p.quarters.get(q):
                unit_people[p.quarters[q]].append(p)
        records, recommended = {}, []
        for unit_id, members in unit_people.items():
            rows, carry[unit_id] = _unit_quarter(g, policy, quarter, unit_id, kinds[unit_id], members, carry[unit_id])
            records[unit_id] = rows
            recommended += [(r["total"], r["p"].id) for r in rows if r.get("suggested") == "好"]
        participants = sum(1 for rows in records.values() for r in rows if "total" in r)
        bureau_available = bureau_carry + participants * policy.quota_ratio
        decision, used = _decide(g, quarter, records, recommended, allowed_from(bureau_available, policy.quota_minimum), policy)
        bureau_carry = bureau_available - used
        for unit_id, rows in records.items():
            if rows:
                _write(out / f"records/{year}/Q{q}/units/{unit_id}.yaml", _unit_text(names[unit_id], quarter, unit_id, rows, g))
        _write(out / f"records/{year}/Q{q}/decision.yaml", decision)
        if example:
            _process_records(out, g, quarter, records)
    if example:
        _annual_choice(out, year)


def _annual_choice(out: Path, year: int) -> None:
    """records/<year>/annual.yaml: the committee chooses the year's 优秀 among the eligible, up to the limit."""
    from kaohe_docs.engine.annual import annual_rows, eligible_for_excellent, excellent_limit
    from kaohe_docs.engine.assess import assess
    from kaohe_docs.records.load import load as load_records
    loaded = load_records(out, use_cache=False)
    a = assess(loaded.bureau, loaded.policy)
    share = loaded.policy.excellent_min_good_share
    eligible = [r for r in annual_rows(a, year) if eligible_for_excellent(r, share)]
    total = lambda r: sum((q.score.total for q in r.quarters.values() if q is not None and q.score is not None), Decimal(0))  # noqa: E731
    eligible.sort(key=lambda r: (-r.count(Grade.GOOD), -total(r), r.person.id))
    chosen = eligible[:excellent_limit(a, year)]
    meeting = dt.date(year + 1, 1, 21)
    lines = [f"# 局党委（考核委）审定记录：{year}年度考核“优秀”等次人选（从平时考核符合条件的人员中确定）",
             f"year: {year}", f"meeting_date: {meeting}", f"minutes: 清公党纪〔{year + 1}〕9号",
             "# publicity_start: 公示开始日期（确定后填写）", "excellent:"]
    lines += [f'  - {{id: "{r.person.id}", name: {r.person.name}}}' for r in chosen]
    _write(out / f"records/{year}/annual.yaml", "\n".join(lines) + "\n")


def _unit_quarter(g: _Gen, policy, quarter: Quarter, unit_id: str, kind: str, members: list, carry: Decimal):
    rows = []
    for p in members:
        fields = g.entry_fields(p, quarter.q)
        row = {"p": p, **fields}
        if "common" in fields:
            row["summary"] = g.summary(p, kind)
        rows.append(row)
    if g.example:
        _plant_claims(g, quarter, unit_id, rows)
        if unit_id == ITEMISED_UNIT:
            _itemise(quarter, rows, policy)
    assessed = [r for r in rows if "common" in r]
    for r in assessed:
        r["total"] = score_entry(_entry(r["p"], unit_id, quarter, r), policy).total
        r["band"] = band(r["total"], policy)
    available = carry + len(assessed) * policy.quota_ratio
    allowed = allowed_from(available, policy.quota_minimum)
    good = sorted((r for r in assessed if r["band"] is Grade.GOOD), key=lambda r: -r["total"])
    for n, r in enumerate(good):
        if n < allowed:
            r["suggested"] = "好"
        else:
            r["suggested"], r["lower_reason"] = "较好", "本单位本季度“好”等次名额所限"
    for r in assessed:
        r.setdefault("suggested", r["band"].value)
    used = sum(r["suggested"] == "好" for r in assessed)
    return rows, available - used


def _plant_claims(g: _Gen, quarter: Quarter, unit_id: str, rows: list) -> None:
    by_id = {r["p"].id: r for r in rows}
    if quarter.q == 1 and unit_id == "xingzhen":  # a shared deed, allocated by the unit
        deed = "破获“2·17”系列入室盗窃案"
        for p, points in zip(g.shared, ("1", "0.6", "0.4")):
            if p.id in by_id and "bonus" in by_id[p.id]:
                by_id[p.id]["bonus"] = [g._claim("三等功", 1, deed=deed, points=points)]
    if quarter.q == 2 and g.double.id in by_id:  # one deed matched by two items: counted once, at the highest
        deed = "在“5·12”山洪抢险中转移群众40余人"
        by_id[g.double.id]["bonus"] = [g._claim("市级通报表扬", 2, deed=deed), g._claim("三等功", 2, deed=deed)]
    if quarter.q == 3 and unit_id == "chengguan-pcs":  # the lifecycle: rejected and still pending claims
        assessed = [r for r in rows if "bonus" in r]
        assessed[0]["bonus"] = [g._claim("嘉奖", 3, status="不通过")]
        assessed[1]["bonus"] = [g._claim("县级通报表扬", 3, status="已申报")]


def _itemise(quarter: Quarter, rows: list, policy) -> None:
    """Write each assessed person's element totals as the 共性指标 items that give them (same scores): every
    deduction from full marks in chunks of at most 2 points, one matter each; Q1 has a matter shared by two
    people (each person's points as the unit decided), Q2 a matter also written under a second item (counted once)."""
    shared = dup = 0
    used: set[str] = {SHARED_MATTER}  # one unit's matters: two people's same text would be one shared matter
    for r in rows:
        if "common" not in r:
            continue
        rnd = random.Random(f"{r['p'].id}/{quarter}")  # its own stream: the rest of the example is unchanged
        claims = []
        for element, item in CHUNK_ITEMS.items():
            left = Decimal(str(policy.elements[element])) - Decimal(_d(r["common"][element]))
            n = 0
            while left > 0:
                points = min(left, Decimal(2))
                matter = SHARED_MATTER
                while matter in used:
                    m, d = rnd.choice(quarter.months), rnd.randint(1, 28)
                    matter = MATTERS[element][n % 3].format(m=m, d=d)
                used.add(matter)
                if element == "绩" and n == 0 and quarter.q == 1 and shared < 2:
                    matter, m, d, shared = SHARED_MATTER, 1, 31, shared + 1
                claims.append({"item": item, "matter": matter, "date": f"{quarter.year}-{m:02d}-{d:02d}",
                               "evidence": f"督察通报〔{quarter.year}〕{rnd.randint(2, 60)}号", "points": f"{points:f}"})
                left -= points
                n += 1
        duty = next((c for c in claims if c["item"] == CHUNK_ITEMS["勤"]), None)
        if quarter.q == 2 and duty is not None and not dup:
            claims.append({**duty, "item": "勤-4"})  # 脱岗 without leave: the same matter under a second item
            del claims[-1]["points"]
            dup = 1
        r["indicators"] = claims


def _decide(g: _Gen, quarter: Quarter, records: dict, recommended: list, bureau_allowed: int, policy):
    """The committee: reject the lowest recommendations beyond the bureau bound; add one 好 if room."""
    changes, additions = [], []
    recommended.sort()
    while len(recommended) > bureau_allowed:
        _, pid = recommended.pop(0)
        changes.append((pid, "较好", "全局“好”等次名额所限，经局党委研究未通过"))
    if g.example and quarter.q == 2 and not changes and recommended:  # a rejected recommendation
        _, pid = recommended.pop(0)
        changes.append((pid, "较好", "该同志本季度受到群众有效投诉1次，经局党委研究未通过"))
    if g.example and quarter.q in (2, 3) and len(recommended) < bureau_allowed:  # a committee addition
        lowered = [(r["total"], r["p"].id) for rows in records.values() for r in rows
                   if r.get("lower_reason") and r.get("band") is Grade.GOOD]
        if lowered:
            _, pid = max(lowered)
            additions.append((pid, "在全局专项行动中表现突出，经局党委研究确定为“好”等次"))
    year = quarter.year + (quarter.q == 4)
    month = 1 if quarter.q == 4 else quarter.months[2] + 1
    meeting = dt.date(year, month, 14)
    lines = [f"# 局党委（考核委）审定记录：{quarter.zh}", f"quarter: {quarter}", f"meeting_date: {meeting}",
             f"minutes: 清公党纪〔{year}〕{quarter.q + 3}号"]
    if quarter.q < 4:  # Q4's publicity follows the January meeting (dates of a year the calendar may not know yet)
        lines.append(f"publicity_start: {meeting + dt.timedelta(days=1)}")
    if changes:
        lines.append("changes:")
        lines += [f'  - id: "{pid}"\n    grade: {grade}\n    reason: {reason}' for pid, grade, reason in changes]
    if additions:
        lines.append("additions:")
        lines += [f'  - id: "{pid}"\n    reason: {reason}' for pid, reason in additions]
    return "\n".join(lines) + "\n", len(recommended) + len(additions)


def _process_records(out: Path, g: _Gen, quarter: Quarter, records: dict) -> None:
    """Feedback for Q1–Q3 (complete), appeals in Q2 and Q3; Q4 is still in progress."""
    if quarter.q == 4:
        return
    from kaohe_docs.engine.assess import assess
    from kaohe_docs.records.load import load as load_records
    loaded = load_records(out, use_cache=False)
    a = assess(loaded.bureau, loaded.policy)
    results = [r for r in a.results[quarter] if r.final is not None and r.entry.status is Status.ASSESSED]
    base = out / f"records/{quarter.path}"
    meeting = loaded.bureau.quarters[quarter].decision.meeting_date
    if quarter.q in (2, 3):
        target = next((r for r in results if r.final is Grade.FAIRLY_GOOD and r.score.band is Grade.GOOD), None) \
            if quarter.q == 2 else next((r for r in results if r.final is Grade.AVERAGE), None)
        if target is not None:
            outcome = ("    outcome: 维持\n    reason: 经复核，本单位“好”等次名额已用完，等次确定符合规定\n" if quarter.q == 2 else
                       f"    outcome: 维持\n    reason: 经复核，该同志本季度总分 {target.score.total}，等次确定无误\n")
            _write(base / "appeals.yaml", f"# {quarter.zh}平时考核复核记录（考核办）\nquarter: {quarter}\nappeals:\n"
                   f'  - id: "{target.entry.person_id}"\n    received: {meeting + dt.timedelta(days=2)}\n'
                   f"    grounds: 本人认为等次确定偏低，申请复核\n{outcome}    replied: {meeting + dt.timedelta(days=5)}\n")
    lines = [f"# {quarter.zh}平时考核结果反馈记录（各所室队报考核办）", f"quarter: {quarter}", "feedback:"]
    for n, r in enumerate(results):
        day = meeting + dt.timedelta(days=8 + n % 5)
        method = ("会议点评", "个别谈话", "书面送达")[n % 3] if r.final in (Grade.GOOD, Grade.FAIRLY_GOOD) else "个别谈话"
        line = f'  - {{id: "{r.entry.person_id}", method: {method}, date: {day}'
        if method == "书面送达":
            line += f", receipt: {day + dt.timedelta(days=1)}"
        if r.final in (Grade.AVERAGE, Grade.POOR):
            note = "提醒其改进工作作风、提高工作质量" if r.final is Grade.AVERAGE else "指出其旷工等问题，责令写出书面检查"
            line += f", talk: {{date: {day}, by: 所室队主要领导, note: {note}}}"
            if r.final is Grade.POOR:
                line += ", admonish: true"
        lines.append(line + "}")
    _write(base / "feedback.yaml", "\n".join(lines) + "\n")


def _roster(people: list[P]) -> str:
    lines = ["# 花名册（虚构）：警号一律加引号；joined/left 为本年度入职、离开的年月", "people:"]
    for p in people:
        lines += [f'  - id: "{p.id}"', f"    name: {p.name}", f"    gender: {p.gender}", f"    birth: {p.birth}",
                  f"    position: {p.position}", f"    rank: {p.rank}"]
        if p.joined:
            lines.append(f"    joined: {p.joined}")
        if p.left:
            lines.append(f"    left: {p.left}")
    return "\n".join(lines) + "\n"


def _flow(mapping: dict) -> str:
    return "{" + ", ".join(f"{k}: {_d(v) if isinstance(v, float) else v}" for k, v in mapping.items()) + "}"


def _unit_text(name: str, quarter: Quarter, unit_id: str, rows: list, g: _Gen) -> str:
    leader = next((r["p"].name for r in rows if r["p"].position in ("所长", "大队长", "主任")), rows[0]["p"].name)
    last = quarter.last_day + dt.timedelta(days=g.rnd.randint(3, 9))
    lines = [f"# {name} {quarter.zh}平时考核记录（所室队填报）", f"unit: {unit_id}", f"quarter: {quarter}",
             f"submitted: {last}", f"leader: {leader}", "people:"]
    for r in rows:
        p = r["p"]
        lines += [f'  - id: "{p.id}"', f"    name: {p.name}"]
        if "ungraded" in r:
            lines.append(f"    ungraded: {r['ungraded']}")
            continue
        if "external" in r:
            e = r["external"]
            lines += ["    external:", f"      body: {e['body']}", f"      grade: {e['grade']}", f"      document: {e['document']}"]
            continue
        if r.get("indicators") is not None:
            lines.append(f"    monthly: {_flow(r['monthly'])}")
            lines.append("    indicators:" + ("" if r["indicators"] else " []"))
            lines += ["      - " + _flow(c) for c in r["indicators"]]
        else:
            lines += [f"    common: {_flow(r['common'])}", f"    monthly: {_flow(r['monthly'])}"]
        if r.get("bonus"):
            lines.append("    bonus:")
            lines += ["      - " + _flow(c) for c in r["bonus"]]
        if r.get("attendance"):
            lines.append(f"    attendance: {_flow(r['attendance'])}")
        lines.append(f"    suggested: {r['suggested']}")
        if r.get("lower_reason"):
            lines.append(f"    lower_reason: {r['lower_reason']}")
        if r.get("note"):
            lines.append(f"    note: {r['note']}")
        lines.append(f"    summary: {r['summary']}")
    return "\n".join(lines) + "\n"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
