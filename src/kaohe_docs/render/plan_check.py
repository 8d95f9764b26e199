"""``kaohe check`` on the plan template (``plan.html``): every placeholder ``{{ 政策.名称 }}`` names a policy value.

A bureau keeps its 实施方案 as templates/plan.html; a placeholder that names nothing in
``documents.plan.PLACEHOLDERS`` (a typo, a value the policy does not hold) is an error with its line,
found without rendering anything.
"""
from __future__ import annotations

from pathlib import Path

import jinja2
from jinja2 import nodes

from kaohe_docs.documents.plan import PLACEHOLDERS
from kaohe_docs.errors import Diagnostic, error
from kaohe_docs.render.renderer import UnsafeTemplate, make_environment

PLAN = "plan.html"
ROOT_NAME = "政策"


def plan_diagnostics(root: Path) -> list[Diagnostic]:
    env = make_environment(root)
    label = f"templates/{PLAN}"
    try:
        assert env.loader is not None  # make_environment always sets the sandboxed loader
        source, _, _ = env.loader.get_source(env, PLAN)
    except UnsafeTemplate as exc:
        return [error(label, 0, str(exc.message))]
    try:
        tree = env.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        return [error(label, exc.lineno, f"模板语法错误：{exc.message}")]
    known = "、".join(PLACEHOLDERS)
    out = []
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        assert isinstance(node, (nodes.Getattr, nodes.Getitem))
        if not (isinstance(node.node, nodes.Name) and node.node.name == ROOT_NAME):
            continue
        name = node.attr if isinstance(node, nodes.Getattr) else getattr(node.arg, "value", None)
        if name not in PLACEHOLDERS:
            out.append(error(label, node.lineno, f"占位符“{ROOT_NAME}.{name}”不是政策中的数值（可用：{known}）"))
    return out
