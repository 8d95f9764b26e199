"""The shape limits of the source: no function takes more than five positional parameters and no module
is over 450 lines (issue 26). Click command callbacks are exempt: Click passes their options as keywords."""

import ast
from pathlib import Path

import kaohe_docs

SOURCE = Path(kaohe_docs.__file__).parent
MAX_POSITIONAL = 5
MAX_LINES = 450


def _modules():
    return sorted(SOURCE.rglob("*.py"))


def _name(path):
    return path.relative_to(SOURCE).as_posix()


def _is_click_command(function):
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute) and target.attr in ("command", "group"):
            return True
    return False


def _positional(function):
    arguments = function.args
    names = [argument.arg for argument in arguments.posonlyargs + arguments.args]
    if names and names[0] in ("self", "cls"):
        names = names[1:]
    return len(names) + (1 if arguments.vararg else 0)


def test_no_function_takes_more_than_five_positional_parameters():
    offenders = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not _is_click_command(node):
                count = _positional(node)
                if count > MAX_POSITIONAL:
                    offenders.append(f"{_name(path)}:{node.lineno} {node.name} ({count})")
    assert not offenders, "positional parameters over 5: " + ", ".join(offenders)


def test_no_module_is_over_450_lines():
    offenders = []
    for path in _modules():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            offenders.append(f"{_name(path)} ({lines})")
    assert not offenders, "modules over 450 lines: " + ", ".join(offenders)


def test_the_counting_skips_self_and_keywords_and_exempts_click_commands():
    source = ("def wide(a, b, c, d, e, f):\n    pass\n"
              "def starred(a, b, c, d, e, *rest):\n    pass\n"
              "def narrow(a, b, c, d, e, *, f, g):\n    pass\n"
              "class K:\n    def method(self, a, b, c, d, e):\n        pass\n"
              "@main.command()\ndef cmd(a, b, c, d, e, f):\n    pass\n"
              "@click.group()\ndef grp(a, b, c, d, e, f):\n    pass\n")
    functions = [node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.FunctionDef)]
    assert {f.name: (_positional(f), _is_click_command(f)) for f in functions} == {
        "wide": (6, False), "starred": (6, False), "narrow": (5, False), "method": (5, False), "cmd": (6, True),
        "grp": (6, True)}
