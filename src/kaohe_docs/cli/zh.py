"""Click speaks Chinese: its own messages (usage errors, ``--help`` headings) translated in one place.

Click marks every message it prints with ``gettext``; ``install()`` gives Click's modules a
``gettext``/``ngettext`` that look the message up in ``MESSAGES`` (a message missing here
stays English, and ``tests/test_cli.py`` runs every command with bad usage and ``--help`` to
catch that). ``Command`` and ``Group`` replace the ``[OPTIONS]``/``COMMAND [ARGS]...`` of the
usage line. Installed before any command or parameter type is made (``click.Path`` names
itself when it is created).
"""
from __future__ import annotations

import click

MESSAGES = {
    # help pages
    "Usage:": "用法:",
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Show this message and exit.": "显示本帮助并退出。",
    "Show the version and exit.": "显示版本并退出。",
    "%(prog)s, version %(version)s": "%(prog)s 版本 %(version)s",
    "default: {default}": "默认：{default}",
    "env var: {var}": "环境变量：{var}",
    "(dynamic)": "（动态）",
    "deprecated": "已弃用",
    "required": "必填",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    # usage errors
    "Error: {message}": "错误: {message}",
    "Try '{command} {option}' for help.": "运行“{command} {option}”查看用法。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Missing command.": "缺少命令。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "Did you mean {possibility}?": "是否要用 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（是否要用其中之一：{possibilities}？）",
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Got unexpected extra arguments ({args})": "多余的参数（{args}）",
    "Invalid value: {message}": "值无效：{message}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Option {name!r} does not take a value.": "选项 {name!r} 不需要值。",
    "Option {name!r} requires an argument.": "选项 {name!r} 后面缺少值。",
    "Option {name!r} requires {nargs} arguments.": "选项 {name!r} 后面需要 {nargs} 个值。",
    "Argument {name!r} takes {nargs} values.": "参数 {name!r} 需要 {nargs} 个值。",
    "Takes {nargs} values but 1 was given.": "需要 {nargs} 个值，只给了 1 个。",
    "Takes {nargs} values but {len} were given.": "需要 {nargs} 个值，给了 {len} 个。",
    "Invalid start character for option ({option})": "选项的开头字符无效（{option}）",
    "Value must be an iterable.": "值应是一组值。",
    "Aborted!": "已中止。",
    "unknown error": "未知错误",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    # parameter types
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件，不是文件夹。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是文件夹，不是文件。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 没有读取权限。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 没有写入权限。",
    "{name} {filename!r} is not executable.": "{name} {filename!r} 不能执行。",
    "{value!r} is not {choice}.": "{value!r} 不是 {choice}。",
    "{value!r} is not one of {choices}.": "{value!r} 不是 {choices} 之一。",
    "{value!r} does not match the format {format}.": "{value!r} 不符合格式 {format}。",
    "{value!r} does not match the formats {formats}.": "{value!r} 不符合格式 {formats}。",
    "{value} is not in the range {range}.": "{value} 不在 {range} 的范围内。",
    "{value!r} is not a valid boolean. Recognized values: {states}": "{value!r} 不是“是/否”，可用：{states}",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的数字。",
    "{value!r} is not a valid UUID.": "{value!r} 不是有效的 UUID。",
    "{len_type} values are required, but {len_value} was given.": "需要 {len_type} 个值，给了 {len_value} 个。",
    "{len_type} values are required, but {len_value} were given.": "需要 {len_type} 个值，给了 {len_value} 个。",
    # prompts (kaohe asks none today, but they must not be English either)
    "Do you want to continue?": "是否继续？",
    "Confirm the action without prompting.": "不询问，直接执行。",
    "Repeat for confirmation": "请再输入一次确认",
    "Error: The two entered values do not match.": "错误: 两次输入不一致。",
    "Error: invalid input": "错误: 输入无效",
    "Press any key to continue...": "按任意键继续……",
}

OPTIONS_METAVAR = "[选项]"
SUBCOMMAND_METAVAR = "命令 [参数]..."
_CLICK_MODULES = ("core", "exceptions", "parser", "types", "decorators", "formatting", "termui", "utils",
                  "shell_completion", "_termui_impl")


def gettext(message: str) -> str:
    return MESSAGES.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return gettext(singular if n == 1 else plural)


def install() -> None:
    """Give each of Click's modules the Chinese ``gettext`` (idempotent)."""
    import importlib
    for name in _CLICK_MODULES:
        try:
            module = importlib.import_module(f"click.{name}")
        except ImportError:  # pragma: no cover - a platform module (Windows console)
            continue
        # setattr: the names are module globals of Click's, not in its typed interface
        if hasattr(module, "_"):
            setattr(module, "_", gettext)  # noqa: B010
        if hasattr(module, "ngettext"):
            setattr(module, "ngettext", ngettext)  # noqa: B010


class Command(click.Command):
    """A command whose usage line reads ``用法：kaohe check [选项] …``."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", OPTIONS_METAVAR)
        super().__init__(*args, **kwargs)


class Group(click.Group):
    """A command group: its commands and subgroups are ``Command`` and ``Group`` too."""

    command_class = Command
    group_class = type  # subgroups are of this same class

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("options_metavar", OPTIONS_METAVAR)
        kwargs.setdefault("subcommand_metavar", SUBCOMMAND_METAVAR)
        super().__init__(*args, **kwargs)


install()
