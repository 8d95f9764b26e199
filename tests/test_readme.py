"""Every ``kaohe`` command line in the README parses against the CLI, and the quick ones run on the
example bureau, so the README cannot drift from the commands (after sqlite-utils' tests/test_docs.py)."""
from __future__ import annotations

import re
import shutil
import warnings
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from kaohe_docs.cli import main

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _lines() -> list[str]:
    block = README.split("## 命令", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    usage = [line.split("  #")[0].strip() for line in block.splitlines() if line.strip().startswith("kaohe ")]
    inline = re.findall(r"`(kaohe [^`]+)`", README)
    return list(dict.fromkeys(usage + inline))


def variants(line: str) -> list[list[str]]:
    """A usage line as concrete command lines: without its optional parts, and with each of them
    (the first of ``a|b`` alternatives)."""
    line = re.sub(r"\s\|\s\S+", "", line)  # "2026Q1 | 2026" → "2026Q1"
    first = lambda text: " ".join(t.split("|")[0] for t in text.split())  # noqa: E731
    minimal = re.sub(r"\s*\[[^\]]*\]", "", line)
    full = re.sub(r"\[([^\]]*)\]", lambda m: first(m.group(1)), line)
    return [first(v).split()[1:] for v in dict.fromkeys((minimal, full))]


COMMANDS = [args for line in _lines() for args in variants(line)]


def test_the_readme_names_every_command():
    names = {args[0] if args[0] != "-C" else args[2] for args in COMMANDS}
    groups = {name for name, cmd in main.commands.items() if isinstance(cmd, click.Group)}
    assert set(main.commands) - names == set(), "commands the README does not show"
    for group in groups:
        shown = {args[1] for args in COMMANDS if args[0] == group}
        assert shown == set(main.commands[group].commands), group


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_every_readme_command_line_parses(args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("绩效.xlsx", "花名册.xlsx", "刑侦大队评分表.xlsx", "build/2026Q1/01-公示.pdf"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    assert parse(args) == []


def _rest(ctx) -> list[str]:
    with warnings.catch_warnings():  # Click 8.2 deprecates protected_args; 8.1 still needs it for groups
        warnings.simplefilter("ignore", DeprecationWarning)
        return [*ctx.protected_args, *ctx.args]


def parse(args) -> list[str]:
    """Parse a command line down to its command (unknown options, bad values, missing arguments raise);
    returns the tokens nobody took."""
    ctx = main.make_context("kaohe", list(args))
    command, rest = main, _rest(ctx)
    while isinstance(command, click.Group):
        assert rest, f"{args}: a group without a command"
        name, command, rest = command.resolve_command(ctx, rest)
        ctx = command.make_context(name, rest, parent=ctx)
        rest = _rest(ctx) if isinstance(command, click.Group) else ctx.args
    return rest


def test_the_parser_catches_drift():
    for bad in (["score", "2026Q1", "--bogus"], ["export", "sheet", "2026Q1"], ["statuss", "2026Q1"]):
        with pytest.raises(click.UsageError):
            parse(bad)


RUN = {  # quick README command lines, run on a copy of the example bureau: exit code expected
    "open 2026Q1": 0, "check": 0, "check 2026Q1 --complete": 0, "score 2026Q1": 0, "quota 2026": 0,
    "status 2026Q3": 1, "annual 2026": 0, "export sheet 2026Q2 --unit xingzhen -o 刑侦大队评分表.xlsx": 0,
    "export results 2026Q1": 0,
}


@pytest.mark.slow
def test_the_quick_readme_commands_run_on_the_example(tmp_path, monkeypatch):
    for folder in ("records", "policy"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    monkeypatch.chdir(tmp_path)
    shown = {" ".join(args) for args in COMMANDS}
    for line, code in RUN.items():
        assert line in shown, f"no longer in the README: {line}"
        result = CliRunner().invoke(main, line.split(), catch_exceptions=False)
        assert result.exit_code == code, (line, result.output)
        assert "Usage:" not in result.stderr
    assert (tmp_path / "刑侦大队评分表.xlsx").stat().st_size > 0
