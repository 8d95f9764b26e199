"""A 个人小结 the officer wrote in Word or WPS (.docx) into the quarter's record.

The document's paragraphs are its text (a leading title line such as “2026年第一季度个人小结” is
dropped); the person is named by ``--id`` or by his or her name in the file name
(``张伟-个人小结.docx``). The file is checked like a workbook before it is read: its size, the
zip's unpacked size, the text's length and characters.
"""
from __future__ import annotations

import re
from pathlib import Path

from kaohe_docs.errors import error
from kaohe_docs.model import Bureau, Quarter
from kaohe_docs.records.policy import Policy
from kaohe_docs.records.yamlio import forbidden_characters

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_TITLE = re.compile(r".{0,20}(个人)?小结.{0,10}\Z")  # “个人小结”, “2026年第一季度个人小结（张伟）”


def docx_text(path: Path, policy: Policy) -> tuple[str | None, str | None]:
    """(the document's text, None) or (None, the problem)."""
    import zipfile
    from xml.etree.ElementTree import ParseError, iterparse
    limits = policy.limits
    try:
        if path.stat().st_size > limits.workbook_bytes:
            return None, f"文件过大（上限 {limits.workbook_bytes} 字节，见政策 limits.workbook_bytes）"
        with zipfile.ZipFile(path) as z:
            if sum(info.file_size for info in z.infolist()) > limits.workbook_unpacked_bytes:
                return None, (f"文件解压后超过上限 {limits.workbook_unpacked_bytes} 字节（政策 limits.workbook_unpacked_bytes），"
                              "可能是损坏或恶意构造的文件，已拒绝")
            paragraphs, runs = [], []
            with z.open("word/document.xml") as stream:
                for _, element in iterparse(stream):
                    if element.tag == f"{_W}t":
                        runs.append(element.text or "")
                    elif element.tag in (f"{_W}tab", f"{_W}br"):
                        runs.append(" ")
                    elif element.tag == f"{_W}p":
                        paragraphs.append("".join(runs).strip())
                        runs = []
                        element.clear()
    except (zipfile.BadZipFile, KeyError, ParseError, OSError, EOFError, RuntimeError, NotImplementedError, ValueError) as exc:
        return None, f"无法读取文档（{type(exc).__name__}）：文件损坏，或不是 Word 2007 以后的 .docx 格式（.doc 请另存为 .docx）"
    paragraphs = [p for p in paragraphs if p]
    while paragraphs and _TITLE.match(paragraphs[0]):
        paragraphs.pop(0)
    return "\n".join(paragraphs), None


def plan_summary(path: Path, bureau: Bureau, policy: Policy, quarter: Quarter, person_id: str | None):
    """The planned change of one person's 个人小结 (``imports.Plan``)."""
    from kaohe_docs.sheets.imports import Change, Plan
    from kaohe_docs.sheets.unitbook_cells import brief
    plan = Plan()
    entries = {e.person_id: e for e in bureau.entries(quarter)}
    if person_id is None:
        named = [pid for pid, e in entries.items() if e.name and e.name in path.stem]
        if len(named) != 1:
            shown = "、".join(bureau.shown_name(pid) for pid in named)
            plan.diagnostics.append(error(path.name, 0, (f"文件名中的姓名对应 {len(named)} 人（{shown}）" if named else
                                                         f"文件名中没有 {quarter} 记录中的姓名") + "，请用 --id 写明警号"))
            return plan
        person_id = named[0]
    entry = entries.get(person_id)
    if entry is None:
        plan.diagnostics.append(error(path.name, 0, f"警号“{person_id}”不在 {quarter} 的所室队记录中"))
        return plan
    text, problem = docx_text(path, policy)
    if text is not None:
        problem = _text_problem(text, policy)
    if problem is not None:
        plan.diagnostics.append(error(path.name, 0, problem))
        return plan
    assert text is not None, "docx_text gives either the text or the problem"
    if text != entry.summary:
        plan.changes.append(Change(entry.src.file, person_id, bureau.shown_name(person_id, entry.name), "个人小结",
                                   brief(entry.summary), brief(text), ("summary",), value=text))
    return plan


def _text_problem(text: str, policy: Policy) -> str | None:
    """What is wrong with a document's text as a 个人小结, or None."""
    if not text:
        return "文档中没有文字"
    if forbidden_characters(text):
        return f"含有不允许的控制字符或不可见的方向控制字符（{forbidden_characters(text)}），请删除后重新保存"
    if len(text) > policy.limits.text_length("summary"):
        return (f"个人小结有 {len(text)} 个字，超过上限 {policy.limits.text_length('summary')} 个字"
                "（政策 limits.text.summary）")
    return None
