"""Reading files: encodings, YAML hazards, file-system surprises — never a traceback."""
from __future__ import annotations

import os

import pytest

from conftest import write
from kaohe_docs.pipeline import open_project
from kaohe_docs.records.yamlio import MAX_FILE_BYTES

SOLO = "records/2026/Q1/units/solo.yaml"
SOLO_TEXT = """\
unit: solo
quarter: 2026Q1
people:
  - id: "020001"
    name: 刘洋
    common: {德: 19, 能: 19, 勤: 19, 绩: 19, 廉: 19}
    monthly: {1: 96, 2: 96, 3: 96}
    suggested: 好
"""


def diagnostics(root):
    return [d.format() for d in open_project(root, use_cache=False).diagnostics]


def test_gbk_file_is_recognised_and_explained(mini):
    write(mini, {SOLO: SOLO_TEXT.encode("gbk")})
    assert diagnostics(mini) == [
        f"{SOLO}:5: 错误: 文件是 GBK（ANSI）编码，请用记事本或 WPS “另存为 → 编码：UTF-8”重新保存"]


def test_utf8_bom_and_crlf_are_accepted(mini):
    write(mini, {SOLO: b"\xef\xbb\xbf" + SOLO_TEXT.replace("\n", "\r\n").encode("utf-8")})
    assert diagnostics(mini) == []


def test_aliases_are_refused(mini):
    text = SOLO_TEXT.replace("common: {德: 19, 能: 19, 勤: 19, 绩: 19, 廉: 19}",
                             "common: &c {德: 19, 能: 19, 勤: 19, 绩: 19, 廉: 19}\n    attendance: *c")
    write(mini, {SOLO: text})
    assert diagnostics(mini) == [f"{SOLO}:6: 错误: 不支持 YAML 锚点和别名（& 和 *），请直接写出内容"]


def test_billion_laughs_is_refused_quickly(mini):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(9))
    write(mini, {SOLO: bomb})
    assert diagnostics(mini) == [f"{SOLO}:1: 错误: 不支持 YAML 锚点和别名（& 和 *），请直接写出内容"]


def test_empty_file(mini):
    write(mini, {SOLO: ""})
    assert diagnostics(mini) == [f"{SOLO}: 错误: 文件为空"]


def test_file_over_the_size_limit(mini):
    write(mini, {SOLO: b"#" * (MAX_FILE_BYTES + 1)})
    assert diagnostics(mini) == [
        f"{SOLO}: 错误: 文件过大（{MAX_FILE_BYTES + 1} 字节，上限 {MAX_FILE_BYTES} 字节），请检查是否放错了文件"]


def test_directory_where_a_file_should_be(mini):
    os.remove(mini / "records/roster.yaml")
    os.mkdir(mini / "records/roster.yaml")
    assert diagnostics(mini) == ["records/roster.yaml: 错误: 这里应是一个文件，却是一个文件夹"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file(mini):
    os.chmod(mini / SOLO, 0)
    assert diagnostics(mini) == [f"{SOLO}: 错误: 无法读取文件（Permission denied），请检查文件权限"]


def test_unit_file_in_the_wrong_place(mini):
    write(mini, {"records/2026/Q1/solo.yaml": SOLO_TEXT, "records/2026/Q5/x.yaml": "a: 1\n"})
    assert diagnostics(mini) == [
        "records/2026/Q1/solo.yaml: 错误: records/2026/Q1/ 下只能有 units/、feedback/ 文件夹和 decision.yaml、appeals.yaml、feedback.yaml",
        "records/2026/Q5: 错误: records/2026/ 下只能有 Q1–Q4 四个季度文件夹和 annual.yaml",
    ]


def test_unit_code_with_path_characters_is_rejected(mini):
    text = (mini / "records/units.yaml").read_text(encoding="utf-8").replace("id: solo", "id: ../solo")
    write(mini, {"records/units.yaml": text})
    lines = diagnostics(mini)
    assert "records/units.yaml:4: 错误: 单位代码“../solo”只能由字母、数字、-、_ 组成（不能含路径符号、空格或中文）" in lines


def test_cache_gives_the_same_answer_and_survives_corruption(mini):
    write(mini, {SOLO: SOLO_TEXT.replace("德: 19", "德: 29")})
    first = [d.format() for d in open_project(mini).diagnostics]
    from kaohe_docs.records.cache import cache_dir
    entries = [e for e in cache_dir(mini).rglob("*") if e.is_file()]
    assert entries  # the first run filled the cache
    for entry in entries:
        if entry.is_file():
            entry.write_bytes(b"garbage")
    assert [d.format() for d in open_project(mini).diagnostics] == first
    assert first == [f"{SOLO}:6: 错误: 刘洋（警号 020001）共性要素“德”得分 29 超过满分 20"]


def test_a_yes_no_month_is_not_a_month(mini):
    """YAML reads ``true:`` as a boolean, which Python counts as 1: it must not stand for January."""
    write(mini, {SOLO: SOLO_TEXT.replace("monthly: {1: 96,", "monthly: {true: 96,")})
    assert f"{SOLO}:7: 错误: 月度绩效的月份“True”不属于 2026Q1（应为 1、2、3）" in diagnostics(mini)
