"""The kaohe command: help for everything, exit codes, stdout for data, stderr for messages."""
from __future__ import annotations

import csv
import io
import json

import click
import pytest
from click.testing import CliRunner

from conftest import write
from kaohe_docs.cli import main


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _commands(group, prefix=()):
    for name, command in group.commands.items():
        yield (*prefix, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))


def test_every_command_and_option_has_help_with_an_example():
    assert main.help and "示例" in main.help
    commands = list(_commands(main))
    assert len(commands) >= 17
    for path, command in commands:
        name = " ".join(path)
        assert command.help and "示例" in command.help, name
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"{name} {param.opts}"
        assert run(*path, "--help").exit_code == 0, name
    for param in main.params:
        assert isinstance(param, click.Argument) or param.help, param.opts


def test_check_clean(mini):
    result = run("-C", str(mini), "check")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == "检查完成：0 个错误，0 个警告。\n"


def test_check_reports_all_errors_with_exit_code_1(mini):
    unit = "records/2026/Q1/units/solo.yaml"
    write(mini, {unit: "unit: solo\nquarter: 2026Q1\npeople:\n  - id: 020001\n    name: 刘洋\n    common: 5\n"})
    result = run("-C", str(mini), "check")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{unit}:4: 错误: 刘洋（警号 020001）本季度没有任何月度绩效得分（monthly）；如长期请假，请注明不确定等次（ungraded）",
        f'{unit}:4: 错误: 警号 020001 必须加引号，写作 id: "020001"；否则 YAML 会把它当作数字（如 010 变成 8 或 10）',
        f"{unit}:6: 错误: “common”应为一组“键: 值”，现在是“5”",
        "错误: 共有 3 处错误，请修改后重试。",
    ]
    assert "Traceback" not in result.output


def test_check_json_goes_to_stdout(mini):
    write(mini, {"records/2026/Q1/decision.yaml": None})
    result = run("-C", str(mini), "check", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == [{
        "file": "records/2026/Q1", "line": 0, "level": "warning",
        "message": "各所室队共推荐“好”等次 2 名，超过全局可用名额（参加人数 3，本季度名额 1.2，上季度结转 0，累计 1.2，可报 1 名），局党委审定时须压减"}]
    assert run("-C", str(mini), "check", "--strict").exit_code == 1


def test_score_csv_and_json(mini):
    result = run("-C", str(mini), "score", "2026Q1", "--unit", "zhengong", "--csv")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout.lstrip("\ufeff"))))
    assert [(r["姓名"], r["总分"], r["建议等次"], r["审定等次"]) for r in rows] == [
        ("王志强", "95.60", "好", "好"), ("李娜", "89.00", "较好", "较好"), ("张伟", "", "", "")]
    data = json.loads(run("-C", str(mini), "score", "2026Q1", "--json").stdout)
    assert data[3]["备注"] == "推荐未通过（占用名额），局党委审定为“较好”，理由：全局“好”等次名额所限，经局党委研究未通过"


def test_quota_ledger_table(mini):
    result = run("-C", str(mini), "quota", "2026Q1", "--json")
    rows = {r["单位"]: r for r in json.loads(result.stdout)}
    assert rows["法制室"]["累计可用"] == "0.4" and rows["法制室"]["可报名额"] == 1
    assert rows["法制室"]["未通过(占用)"] == "刘洋" and rows["法制室"]["结转下季度"] == "-0.6"
    assert rows["全局"]["可报名额"] == 1 and rows["全局"]["使用"] == 1


@pytest.mark.parametrize("args, message", [
    (("score", "2026Q9"), "“2026Q9”不是季度，应写作 2026Q1"),
    (("score", "2025Q1"), "错误: 没有 2025Q1 的考核记录（records/2025/Q1/）"),
    (("score", "2026Q1", "--unit", "nope"), "错误: 没有单位“nope”（见 records/units.yaml）；可写单位代码、名称或简称，单位代码有：zhengong（政工室）、solo（法制室）"),
    (("quota", "2030"), "错误: 没有 2030 年的考核记录（records/2030/）"),
])
def test_bad_arguments_are_explained(mini, args, message):
    result = run("-C", str(mini), *args)
    assert result.exit_code in (1, 2)
    assert message in result.stderr


def test_outside_a_records_repository(tmp_path):
    result = run("-C", str(tmp_path), "check")
    assert result.exit_code == 1
    assert "不在考核记录库中" in result.stderr


@pytest.mark.slow
def test_help_does_not_import_weasyprint():
    import subprocess
    import sys
    code = "import sys; from kaohe_docs.cli import main; import kaohe_docs.pipeline, kaohe_docs.checks; " \
           "print('weasyprint' in sys.modules, 'git' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False False"


def _click_words() -> set[str]:
    """Every English word Click can print (its gettext messages and usage-line metavars)."""
    import ast
    import pathlib
    import re
    words = {"required", "OPTIONS", "COMMAND", "ARGS", "TEXT", "INTEGER", "FLOAT", "BOOLEAN", "PATH", "FILE", "DIRECTORY", "RANGE"}
    for source in pathlib.Path(click.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("_", "ngettext"):
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        words |= set(re.findall(r"(?<![{%(])\b[A-Za-z]{3,}\b(?![}])", arg.value))
    return {w.lower() for w in words}


def _english_from_click(output: str, words: set[str]) -> set[str]:
    import re
    text = re.sub(r"(?<![\w/])--?[A-Za-z][\w-]*", " ", output)  # option names are ours
    text = re.sub(r"kaohe [^\n]*", " ", text)  # example command lines
    text = re.sub(r"'[^'\n]*'", " ", text)  # the user's own words, quoted back
    text = re.sub(r"\w*_\w*", " ", text)  # identifiers such as GITEA_PUSHER_NAME
    ours = {"JSON", "CSV", "Git", "HTML", "PDF"} | {name for path, _ in _commands(main) for name in path}
    return {w for w in re.findall(r"[A-Za-z]{3,}", text) if w.lower() in words} - ours


def test_no_english_from_click_in_help_or_usage_errors(tmp_path):
    """Every command's --help, and each kind of bad usage, speaks Chinese (Click's own messages included)."""
    words = _click_words()
    assert {"usage", "options", "missing", "invalid", "exist"} <= words  # the scan finds Click's messages
    assert _english_from_click("Error: Missing option '--unit'.", words) == {"Error", "Missing", "option"}
    seen = 0
    for path, command in [((), main), *_commands(main)]:
        runs = [[*path, "--help"], [*path, "--no-such-option"]]
        required = [p for p in command.params if p.required]
        if required:
            runs.append(list(path))  # a missing argument or option
        for param in command.params:
            if isinstance(param, click.Argument) and isinstance(param.type, click.Path) and param.type.exists:
                runs.append([*path, str(tmp_path / "没有这个文件.xlsx")])
        if isinstance(command, click.Group):
            runs.append([*path, "不存在的命令"])
        for args in runs:
            result = run(*args)
            output = result.stdout + result.stderr
            assert _english_from_click(output, words) == set(), (args, output)
            seen += 1
    assert seen > 60


def test_usage_errors_read_in_chinese(tmp_path):
    (tmp_path / "绩效.xlsx").write_bytes(b"")
    result = run("import", "monthly", str(tmp_path / "绩效.xlsx"))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == "错误: 缺少选项 '--quarter'."
    assert result.stderr.splitlines()[0] == "用法: main import monthly [选项] 工作簿"
    result = run("import", "sheet", str(tmp_path / "刑侦.xlsx"))
    assert result.stderr.splitlines()[-1] == f"错误: '工作簿' 的值无效：文件 '{tmp_path / '刑侦.xlsx'}' 不存在。"
    assert "选项:" in run("check", "--help").stdout and "显示本帮助并退出。" in run("check", "--help").stdout


@pytest.mark.slow
def test_ci_judges_the_merge_request_warnings_only_in_changed_files(mini_git):
    """An old quarter's warning is listed, not failing; a warning in a changed file or an error anywhere fails."""
    from conftest import commit_all, git, write
    solo = "records/2026/Q1/units/solo.yaml"
    git(mini_git, "checkout", "-q", "-b", "old-warning")
    write(mini_git, {"records/2026/Q1/feedback/zhengong.yaml": """
        quarter: 2026Q1
        unit: zhengong
        feedback:
          - {id: "010001", method: 书面送达, date: 2026-04-22}
        """})
    commit_all(mini_git, "反馈（缺回执）")
    git(mini_git, "checkout", "-q", "-b", "request")
    text = (mini_git / solo).read_text(encoding="utf-8")
    write(mini_git, {solo: text.replace("unit: solo\n", "unit: solo\n# 法制室\n")})
    result = run("-C", str(mini_git), "check", "--strict", "--changed-since", "old-warning")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "records/2026/Q1/feedback/zhengong.yaml:4: 警告: 王志强（警号 010001）以书面送达方式反馈，请记录回执签收日期（receipt）；"
        "确实无法取得回执的，写明原因（no_receipt）",
        "警告：0 个在 old-warning 以来改动的文件或审定标签中，1 个在未改动的文件中（只列出，不影响本次检查）",
        "检查完成：0 个错误，1 个警告。",
    ]
    assert run("-C", str(mini_git), "check", "--strict").exit_code == 1  # without it every warning fails
    write(mini_git, {"records/2026/Q1/feedback/zhengong.yaml": (mini_git / "records/2026/Q1/feedback/zhengong.yaml")
                     .read_text(encoding="utf-8") + "  - {id: \"010002\", method: 书面送达, date: 2026-04-22}\n"})
    changed = run("-C", str(mini_git), "check", "--strict", "--changed-since", "old-warning")
    assert changed.exit_code == 1
    assert "警告：2 个在 old-warning 以来改动的文件或审定标签中（--strict：不通过），0 个在未改动的文件中（只列出，不影响本次检查）" in changed.stderr
    git(mini_git, "checkout", "-q", "-f", "old-warning")
    write(mini_git, {solo: text.replace("name: 刘洋", "name: 刘阳")})
    commit_all(mini_git, "错名")
    git(mini_git, "checkout", "-q", "-b", "request2")
    broken = run("-C", str(mini_git), "check", "--changed-since", "old-warning")
    assert broken.exit_code == 1  # an error fails wherever it is: solo.yaml is not changed by this request
    assert f"{solo}:5: 错误:" in broken.stderr
