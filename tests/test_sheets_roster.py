"""Importing the roster (花名册): CSV encodings, new people, changes, and what an empty cell means."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sheetbooks import MINI, ROSTER, book, run, stderr_lines

ROSTER_CSV_HEAD = "警号,姓名,性别,出生年月,单位,职务,职级\n"


def test_roster_import_from_csv_in_gbk_and_utf8_bom(mini, tmp_path):
    roster = mini / ROSTER
    roster.write_text("# 花名册（政工室维护）\n" + roster.read_text(encoding="utf-8"), encoding="utf-8")
    text = (ROSTER_CSV_HEAD + "010001,王志强,男,1978-03,政工室,主任,一级高级警长\n010002,李娜,女,1990.11,政工室,科员,二级警长\n"
            "010003,张伟,男,1985-06,政工室,科员,三级警长\n030001,孙丽,女,1996-02,法制室,科员,一级警员\n")
    for name, data in (("gbk.csv", text.encode("gbk")), ("bom.csv", b"\xef\xbb\xbf" + text.encode("utf-8"))):
        path = tmp_path / name
        path.write_bytes(data)
        dry = run(mini, "import", "roster", str(path), "--dry-run")
        assert dry.exit_code == 0, dry.output
        assert dry.stdout == "王志强：职级 一级警长 → 一级高级警长\n新增：孙丽（警号 030001）\n"
        assert "提示: 刘洋（警号 020001）在花名册中、不在表格中：如已调离，请在花名册中写明离开年月（left）" in dry.stderr
    assert run(mini, "import", "roster", str(tmp_path / "bom.csv")).exit_code == 0
    after = roster.read_text(encoding="utf-8")
    assert after.startswith("# 花名册（政工室维护）\n")
    assert '  - id: "030001"\n    name: 孙丽\n    gender: 女\n    birth: 1996-02\n    position: 科员\n    rank: 一级警员\n' in after
    assert "    rank: 一级高级警长\n" in after


def test_roster_ids_typed_as_numbers_are_refused(mini, tmp_path):
    path = book(tmp_path / "花名册.xlsx", {"花名册": [["警号", "姓名"], [10001, "王志强"]]})
    result = run(mini, "import", "roster", str(path))
    assert result.exit_code == 1
    assert "花名册.xlsx [花名册] 第2行 A列: 错误: 警号 10001 是数字格式，可能丢失了开头的 0；请把该列设为文本格式后重新填写" in result.stderr


def test_an_empty_roster_cell_keeps_the_recorded_value(mini, tmp_path):
    path = book(tmp_path / "花名册.xlsx", {"花名册": [["警号", "姓名", "性别", "出生年月", "职务", "职级"],
                                                  ["010001", "王志强", "男", "1978-03", "主任", None]]})
    result = run(mini, "import", "roster", str(path), "--dry-run")
    assert result.exit_code == 0
    assert result.stdout == ""


def test_a_new_person_needs_the_fields_the_roster_requires(mini, tmp_path):
    before = (mini / ROSTER).read_text(encoding="utf-8")
    (tmp_path / "花名册.csv").write_text("警号,姓名\n010001,王志强\n010002,李娜\n010003,张伟\n020001,刘洋\n030009,孙丽\n",
                                        encoding="utf-8")
    result = run(mini, "import", "roster", str(tmp_path / "花名册.csv"))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == ["花名册.csv 第6行: 错误: 新增人员孙丽（警号 030009）缺少性别、出生年月、职务，请补全后再导入",
                                          "错误: 共有 1 处错误，请修改后重试。"]
    assert (mini / ROSTER).read_text(encoding="utf-8") == before


def test_a_duplicate_of_an_invalid_roster_row_is_reported_too(mini, tmp_path):
    path = book(tmp_path / "花名册.xlsx", {"花名册": [["警号", "姓名", "性别"], ["010001", "王志强", "M"], ["010001", "王志强", "男"]]})
    result = run(mini, "import", "roster", str(path))
    assert result.stderr.splitlines()[:2] == ["花名册.xlsx [花名册] 第2行 C列: 错误: 性别“M”应为 男 或 女",
                                              "花名册.xlsx [花名册] 第3行 A列: 错误: 警号“010001”重复"]


ROSTER_COLUMNS = ["警号", "姓名", "性别", "出生年月", "职务", "职级"]


ROSTER_ROWS = [["010001", "王志强", "男", "1978-03", "主任", "一级警长"], ["010002", "李娜", "女", "1990-11", "科员", "二级警长"],
               ["010003", "张伟", "男", "1985-06", "科员", "三级警长"], ["020001", "刘洋", "男", "1982-01", "主任", "一级警长"]]


def test_roster_errors_are_reported_together_and_nothing_is_written(mini, tmp_path):
    before = (mini / ROSTER).read_text(encoding="utf-8")
    path = book(tmp_path / "花名册.xlsx", {"花名册": [ROSTER_COLUMNS, ["010001", "王志强", "M", "1978-03", "主任", "一级警长"],
                                                  ["010002", "李娜", "女", "九〇年", "科员", None],
                                                  [None, "无名", "男", "1990-01", "科员", None],
                                                  *ROSTER_ROWS[2:], ROSTER_ROWS[3], ["030001", "孙丽", "女", "1996-02", "科员", None]]})
    result = run(mini, "import", "roster", str(path))
    assert result.exit_code == 1
    assert stderr_lines(result) == [
        "花名册.xlsx [花名册] 第2行 C列: 错误: 性别“M”应为 男 或 女",
        "花名册.xlsx [花名册] 第3行 D列: 错误: 出生年月应写作 1985-07 或 1985.07",
        "花名册.xlsx [花名册] 第4行 A列: 错误: 缺少警号",
        "花名册.xlsx [花名册] 第7行 A列: 错误: 警号“020001”重复",
        "错误: 共有 4 处错误，请修改后重试。",
    ]
    assert (mini / ROSTER).read_text(encoding="utf-8") == before


def test_roster_import_twice_changes_nothing_and_reads_dates_and_dotted_months(mini, tmp_path):
    import datetime as dt
    rows = [list(r) for r in ROSTER_ROWS]
    rows[0][3] = dt.datetime(1978, 3, 1)  # a date cell, shown by Excel as 1978/3/1
    rows[1][3] = "1990.11"
    rows[1][5] = "一级警长"
    path = book(tmp_path / "花名册.xlsx", {"花名册": [ROSTER_COLUMNS, *rows]})
    first = run(mini, "import", "roster", str(path))
    assert first.exit_code == 0, first.output
    assert first.stdout == "李娜：职级 二级警长 → 一级警长\n"
    again = run(mini, "import", "roster", str(path))
    assert again.exit_code == 0 and again.stdout == ""
    assert "没有需要更新的内容（记录与表格一致）。" in again.stderr
    assert run(mini, "check").exit_code == 0


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300) | st.text(max_size=300).map(lambda t: (ROSTER_CSV_HEAD + t).encode("utf-8")))
def test_fuzz_the_roster_csv_importer(tmp_path_factory, data):
    from kaohe_docs.sheets.imports import plan_roster
    path = tmp_path_factory.mktemp("fuzz") / "r.csv"
    path.write_bytes(data)
    plan_roster(path, MINI.bureau, MINI.policy)


def test_a_transfer_in_the_roster_shows_in_the_dry_run_and_lands_in_the_roster_unit(mini, tmp_path):
    path = tmp_path / "花名册.csv"
    path.write_text(ROSTER_CSV_HEAD + "010001,王志强,男,1978-03,政工室,主任,一级警长\n010002,李娜,女,1990-11,法制室,科员,二级警长\n",
                    encoding="utf-8")
    dry = run(mini, "import", "roster", str(path), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert dry.stdout == "李娜：单位 政工室 → 法制室\n"  # 王志强 stays in 政工室: no change
    assert run(mini, "import", "roster", str(path)).exit_code == 0
    assert "    rank: 二级警长\n    unit: solo\n" in (mini / ROSTER).read_text(encoding="utf-8")
    opened = run(mini, "open", "2026Q2")
    assert opened.exit_code == 0, opened.output
    solo = (mini / "records/2026/Q2/units/solo.yaml").read_text(encoding="utf-8")
    assert "    note: 由政工室调入\n" in solo.partition("name: 李娜")[2]
    assert run(mini, "import", "roster", str(path)).stdout == ""  # idempotent
    wrong = tmp_path / "错.csv"
    wrong.write_text(ROSTER_CSV_HEAD + "010002,李娜,女,1990-11,刑侦队,科员,二级警长\n", encoding="utf-8")
    result = run(mini, "import", "roster", str(wrong))
    assert result.exit_code == 1
    assert stderr_lines(result)[0].startswith("错.csv 第2行 E列: 错误: 单位“刑侦队”不是本局的所室队")
