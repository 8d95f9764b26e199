"""Every resource and size limit in one place (documented in docs/security.md, ``## 限制``).

A records repository and the spreadsheets imported into it are untrusted input: each file,
text, number, nesting level, workbook and sheet has a bound, checked before Python's or a
library's own limit is reached, and each bound has a clear Chinese message.

The values below are the defaults; a bureau may change them in the ``limits:`` section of
``policy/policy.yaml`` (read by ``records.policy``). ``policy/policy.yaml`` itself is always
read under the defaults, since it is the file that could change them.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from decimal import Decimal

# free-text fields (the YAML key) → their Chinese name in messages
TEXT_LABELS = {
    "name": "姓名/名称", "position": "职务", "rank": "职级", "leader": "主要领导", "summary": "个人小结",
    "note": "备注", "lower_reason": "低于分数段的理由", "reason": "理由", "ungraded": "不确定等次原因",
    "item": "加分项目", "deed": "事项", "evidence": "证明材料", "body": "考核单位", "document": "文件号",
    "minutes": "会议记录", "grounds": "复核理由", "by": "谈话人", "issuer": "发文机关", "office": "考核办",
    "contact": "联系方式",
}

# default maximum length (characters) of each free-text field; ``default`` for any other text
TEXT_LENGTHS = {
    "name": 30, "position": 40, "rank": 20, "leader": 30, "summary": 3000, "note": 500, "lower_reason": 500,
    "reason": 500, "ungraded": 200, "item": 100, "deed": 200, "evidence": 200, "body": 100, "document": 100,
    "minutes": 200, "grounds": 2000, "by": 30, "issuer": 50, "office": 50, "contact": 200,
    "default": 500,
}


@dataclass(frozen=True)
class Limits:
    # YAML record files
    file_bytes: int = 2 * 1024 * 1024          # one record file (a large unit's quarter is ~100 KB)
    yaml_depth: int = 20                       # nesting of mappings/lists (records need 5)
    key_chars: int = 100                       # a mapping key (element, catalogue item …)
    number_digits: int = 20                    # significant digits of a number
    number_magnitude: int = 15                 # |exponent| of a number: at most 10^15
    text: dict = field(default_factory=lambda: dict(TEXT_LENGTHS))
    # spreadsheets imported (xlsx, CSV)
    workbook_bytes: int = 20 * 1024 * 1024     # the file as stored
    workbook_unpacked_bytes: int = 100 * 1024 * 1024  # the xlsx zip's uncompressed members together
    sheet_rows: int = 20000
    sheet_columns: int = 100
    workbook_cells: int = 300000               # filled cells of all sheets together: bounds openpyxl's memory

    def text_length(self, key) -> int:
        return self.text.get(str(key), self.text["default"])

    def cache_key(self) -> str:
        return repr(sorted((f.name, repr(getattr(self, f.name))) for f in fields(self)))


DEFAULT = Limits()
# what ``limits:`` in policy may change; the number bounds keep Decimal arithmetic (28 digits) exact, so they are fixed
POLICY_LIMITS = tuple(f.name for f in fields(Limits) if f.name not in ("text", "number_digits", "number_magnitude"))


def number_problem(number: Decimal, limits: Limits = DEFAULT) -> str | None:
    """Why a (finite) number is too large or too precise to be a score, or None."""
    sign, digits, exponent = number.as_tuple()
    if len(digits) > limits.number_digits:
        return f"位数过多（{len(digits)} 位，最多 {limits.number_digits} 位）"
    if number and abs(number.adjusted()) > limits.number_magnitude:
        return f"数量级超出范围（最多 {limits.number_magnitude} 位整数或小数）"
    return None


def with_overrides(values: dict) -> Limits:
    return replace(DEFAULT, **values)
