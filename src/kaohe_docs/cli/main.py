"""The ``kaohe`` command: thin Click commands over the library.

stdout carries data (tables, JSON, CSV); diagnostics and progress go to stderr.
Heavy imports (WeasyPrint, GitPython) happen inside the commands that need them.
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from kaohe_docs import __version__
from kaohe_docs.cli.zh import Group  # first: Click's own messages in Chinese before any command is made
from kaohe_docs.errors import DiagnosticsFailed, KaoheError, has_errors, to_json
from kaohe_docs.model import Quarter

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class Ctx:
    def __init__(self, directory: str | None, verbose: int, quiet: bool):
        self.directory = Path(directory) if directory else Path.cwd()
        self.quiet = quiet
        logging.basicConfig(level=logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING,
                            format="%(message)s", stream=sys.stderr)

    @property
    def root(self) -> Path:
        from kaohe_docs.records.source import find_root
        return find_root(self.directory)

    def progress(self, message: str) -> None:
        if not self.quiet:
            click.echo(message, err=True)


pass_ctx = click.make_pass_decorator(Ctx)


def _period(value: str):
    """'2026Q1' → Quarter, '2026' → int year."""
    quarter = Quarter.parse(value)
    if quarter:
        return quarter
    if value.isdigit() and len(value) == 4:
        return int(value)
    raise click.BadParameter(f"“{value}”既不是季度（如 2026Q1）也不是年份（如 2026）")


def _quarter(value: str) -> Quarter:
    quarter = Quarter.parse(value)
    if quarter is None:
        raise click.BadParameter(f"“{value}”不是季度，应写作 2026Q1")
    return quarter


def _print_diagnostics(diagnostics, strict: bool = False, complete: bool = False, pending: str = "") -> None:
    """Errors and warnings one per line; values not filled in yet counted (``pending``: "line" one line,
    "detail" per file and person, "" not at all), or (``complete``: required) one per line, as failures."""
    from kaohe_docs.errors import PENDING, fails
    for d in diagnostics:
        if d.level != PENDING or complete:
            click.echo(d.format(), err=True)
    if pending and not complete:
        for line in pending_summary(diagnostics)[: None if pending == "detail" else 1]:
            click.echo(line, err=True)
    if has_errors(diagnostics, strict, complete):
        raise DiagnosticsFailed(sum(fails(d, strict, complete) for d in diagnostics))


def pending_summary(diagnostics) -> list[str]:
    """“待填写” values counted by file and person (a quarter being collected is not an error)."""
    from kaohe_docs.errors import PENDING
    found: dict[str, list[tuple[str, str, int]]] = {}
    for d in diagnostics:
        if d.level == PENDING:
            found.setdefault(d.file, []).append((d.name, d.person, len(d.fields)))
    names = [name for items in found.values() for name, _, _ in items]
    by_file = {file: [(name if names.count(name) == 1 else f"{name}（警号 {person}）", n) for name, person, n in items]
               for file, items in found.items()}  # the 警号 stays where two people share a name
    if not by_file:
        return []
    people = sum(len(v) for v in by_file.values())
    values = sum(n for v in by_file.values() for _, n in v)
    lines = [f"待填写：{people} 人共 {values} 项尚未填写（正在收集中，不是错误；kaohe status 查看进度，"
             f"kaohe check --complete 要求全部填齐）"]
    for file, items in sorted(by_file.items()):
        lines.append(f"  {file}：{len(items)} 人 {sum(n for _, n in items)} 项（"
                     + "、".join(f"{name} {n} 项" for name, n in items) + "）")
    return lines


def _open(ctx: Ctx, strict: bool = False):
    """Load and check; print diagnostics; stop (exit 1) when there are errors."""
    from kaohe_docs.pipeline import open_project
    project = open_project(ctx.root)
    _print_diagnostics(project.diagnostics, strict)
    _pin_approved(ctx, project)
    return project


def _pin_approved(ctx: Ctx, project) -> None:
    """Approved quarters are computed with the policy of their approval (their results never move)."""
    from kaohe_docs.audit.final import pin_approved
    for quarter, approval in pin_approved(project).items():
        ctx.progress(f"提示: {quarter} 已经局党委审定（标签 {approval.name}），审定后政策有修改；{quarter} 的结果按审定时的政策计算")


@click.group(cls=Group, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", message="kaohe %(version)s")
@click.option("-C", "directory", metavar="DIR", help="在 DIR 所在的考核记录库中运行（默认：当前目录）。")
@click.option("-v", "--verbose", count=True, help="显示更多过程信息（可重复：-vv）。")
@click.option("-q", "--quiet", is_flag=True, help="不显示进度信息。")
@click.pass_context
def main(click_ctx, directory, verbose, quiet):
    """县公安局公务员平时考核：校验记录、计分定等、核算“好”等次名额、生成正式文书。

    \b
    示例：
      kaohe check                 校验全部记录
      kaohe score 2026Q1          列出 2026 年第一季度每人得分
      kaohe quota 2026            2026 年各单位“好”等次名额台账
      kaohe build 2026Q1          生成该季度全部文书（PDF、HTML、打印合订本）
    """
    click_ctx.obj = Ctx(directory, verbose, quiet)


@main.command(context_settings=CONTEXT)
@click.argument("period", required=False, type=_period, metavar="[QUARTER|YEAR]")
@click.option("--strict", is_flag=True, help="把警告也当作错误（退出码 1）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出全部问题（写到标准输出）。")
@click.option("--staged", is_flag=True, help="检查暂存区（git add 之后）的记录，供提交前钩子使用。")
@click.option("--complete", is_flag=True, help="要求全部填齐：尚未填写的项目也当作错误（退出码 1）。")
@click.option("--changed-since", "since", metavar="REV",
              help="供 CI 检查合并请求：与 REV（如目标分支）分叉以来改动的文件中的警告才按 --strict 算失败，"
                   "其他文件中的警告照常列出；错误无论在哪里都失败。")
@pass_ctx
def check(ctx, period, strict, as_json, staged, complete, since):
    """校验记录和政策，一次报告全部错误和警告（文件:行号: 问题）。

    区分“未填写”和“填错”：留空的项目（如“德:”后面没有分数）是待填写，只计数、不算错误；
    填了但不合规定的值是错误。--complete 要求全部填齐（审定、正式文书之前）。
    已审定（kaohe approve）的季度：内容与审定时不同（复核、反馈记录除外），或审定标签有问题，也在这里报告。

    \b
    示例：
      kaohe check
      kaohe check 2026Q1 --complete
      kaohe check 2026Q1 --strict
      kaohe check --json > problems.json
      kaohe check --staged        （提交前钩子）
      kaohe check --strict --changed-since origin/main   （CI：合并请求改动的文件中的警告才算失败）
    """
    from kaohe_docs.audit.lock import INDEX, lock_diagnostics
    from kaohe_docs.errors import sort_diagnostics
    from kaohe_docs.pipeline import check_diagnostics
    root = ctx.root
    approvals: list = []  # the approval chain is the repository's, not a file's: its warnings are always judged
    if staged:
        diagnostics = sort_diagnostics(_staged_diagnostics(root) + lock_diagnostics(root, INDEX))
    else:
        from kaohe_docs.audit.final import policy_drift
        from kaohe_docs.audit.hygiene import hygiene_diagnostics
        approvals = _approval_diagnostics(root)
        from kaohe_docs.render.plan_check import plan_diagnostics
        diagnostics = sort_diagnostics(check_diagnostics(root) + approvals + hygiene_diagnostics(root) + policy_drift(root)
                                       + plan_diagnostics(root))
    if period is not None:
        diagnostics = [d for d in diagnostics if _in_period(d.file, period)]
    changed = _changed_files(root, since) if since is not None else None
    # --changed-since: warnings fail --strict only in the files the merge request changes (and the approvals')
    judged = [d for d in diagnostics if d.level == "warning" and (changed is None or d.file in changed or d in approvals)]
    failing = judged if strict else []
    if as_json:
        click.echo(to_json(diagnostics))
        if has_errors(diagnostics, False, complete) or failing:
            sys.exit(1)
        return
    errors = sum(d.level == "error" for d in diagnostics)
    waiting = sum(d.level == "pending" for d in diagnostics)
    warnings = len(diagnostics) - errors - waiting
    try:
        # the commit hook (--staged) says in one line what is still to fill in; check lists it per file and person
        _print_diagnostics(diagnostics, strict and changed is None, complete, pending="" if staged else "detail")
    finally:
        if changed is not None and warnings:
            ctx.progress(f"警告：{len(judged)} 个在 {since} 以来改动的文件或审定标签中{'（--strict：不通过）' if failing else ''}，"
                         f"{warnings - len(judged)} 个在未改动的文件中（只列出，不影响本次检查）")
    if failing:
        raise DiagnosticsFailed(len(failing))
    ctx.progress(f"检查完成：{errors} 个错误，{warnings} 个警告"
                 + (f"，{waiting} 人有待填写项目。" if waiting else "。"))


def _changed_files(root: Path, since: str) -> set[str]:
    """Files (relative to the records root) changed in the work tree since it forked from ``since``."""
    from kaohe_docs.audit import gitrepo
    repo = gitrepo.open_repo(root)
    base = gitrepo.merge_base(repo, gitrepo.resolve(repo, since), repo.head.commit)
    return {path for _, path, _ in gitrepo.changed_paths(repo, gitrepo.prefix(repo, root), base.hexsha, None)}


def require_complete(diagnostics, period, consequence: str) -> None:
    """Stop when values of ``period`` are not filled in yet, naming each of them."""
    waiting = [d for d in diagnostics if d.level == "pending" and _in_period(d.file, period)]
    if waiting:
        for d in waiting:
            click.echo(d.format(), err=True)
        raise KaoheError(f"{period} 尚未填齐：{len(waiting)} 人有待填写的项目，{consequence}")


def _approval_diagnostics(root: Path):
    """Tag problems and changes to approved quarters; when local Git history cannot tell (a shallow
    clone), what to fetch instead."""
    from kaohe_docs.audit.gitrepo import history_diagnostics, tag_names
    from kaohe_docs.audit.lock import lock_diagnostics
    from kaohe_docs.audit.tags import TAG_PREFIX, parse_tag_name
    from kaohe_docs.errors import error
    latest: dict[Quarter, tuple[str, int]] = {}  # quarter → the name and number of its latest approval tag
    for name in tag_names(root, TAG_PREFIX):
        if (parsed := parse_tag_name(name)) is not None and parsed[1] >= latest.get(parsed[0], ("", 0))[1]:
            latest[parsed[0]] = (name, parsed[1])
    history = history_diagnostics(root, {quarter: name for quarter, (name, _) in latest.items()})
    if has_errors(history):
        return history
    try:
        return history + lock_diagnostics(root)
    except KaoheError as exc:
        return history + [error("", 0, exc.message)]


def _staged_diagnostics(root: Path):
    import tempfile

    from kaohe_docs.audit import gitrepo
    from kaohe_docs.pipeline import open_project
    repo = gitrepo.open_repo(root)
    with tempfile.TemporaryDirectory(prefix="kaohe-staged-") as tmp:
        folder = gitrepo.export_index(repo, gitrepo.prefix(repo, root), Path(tmp))
        return open_project(folder, use_cache=False).diagnostics


def _in_period(file: str, period) -> bool:
    """Quarter or year filter for diagnostics; shared files (policy, roster) always count."""
    if not file.startswith("records/20"):
        return True
    if isinstance(period, Quarter):
        return file.startswith(f"records/{period.path}/") or file == f"records/{period.path}"
    return file.startswith(f"records/{period}/")


@main.command(context_settings=CONTEXT)
@click.argument("quarter", type=_quarter)
@click.option("--unit", "unit_id", metavar="U", help="只列出一个所室队：单位代码、名称或简称，如 xingzhen 或 刑侦大队。")
@click.option("--json", "fmt", flag_value="json", help="以 JSON 输出。")
@click.option("--csv", "fmt", flag_value="csv", help="以 CSV 输出（UTF-8 带 BOM，Excel 可直接打开）。")
@pass_ctx
def score(ctx, quarter, unit_id, fmt):
    """每人得分：共性、个性、加分、总分、分数段、建议等次和审定等次。

    \b
    示例：
      kaohe score 2026Q1
      kaohe score 2026Q1 --unit xingzhen --csv > 刑侦大队.csv
    """
    from kaohe_docs.cli.reports import score_rows, write_rows
    project = _open(ctx)
    unit_id = _require_quarter(project, quarter, unit_id)
    write_rows(score_rows(project.assessment, quarter, unit_id), fmt)


@main.command(context_settings=CONTEXT)
@click.argument("period", type=_period, metavar="YEAR|QUARTER")
@click.option("--json", "fmt", flag_value="json", help="以 JSON 输出。")
@click.option("--csv", "fmt", flag_value="csv", help="以 CSV 输出。")
@pass_ctx
def quota(ctx, period, fmt):
    """“好”等次名额台账：各单位及全局的本季度名额、结转、可报、使用和结余。

    \b
    示例：
      kaohe quota 2026
      kaohe quota 2026Q3 --json
    """
    from kaohe_docs.cli.reports import quota_rows, write_rows
    project = _open(ctx)
    year = period.year if isinstance(period, Quarter) else period
    if not any(q.year == year for q in project.loaded.bureau.quarters):
        raise KaoheError(f"没有 {year} 年的考核记录（records/{year}/）")
    write_rows(quota_rows(project.assessment, period), fmt)


@main.command(context_settings=CONTEXT)
@click.argument("quarter", type=_quarter)
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="按这一天判断是否逾期（默认：今天）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@pass_ctx
def status(ctx, quarter, today, as_json):
    """一个季度还缺什么：各单位已填齐几人、个人小结、共性得分、月度绩效、加分审核、建议等次、
    未报送、党委审定、公示、复核、结果反馈和谈话记录。刚用 kaohe open 建立的季度也可以查看。

    没有待办事项时退出码为 0，否则为 1；逾期报送作为历史记录显示（带日期），不算待办。

    \b
    示例：
      kaohe status 2026Q3
      kaohe status 2026Q4 --today 2027-01-12
    """
    import datetime as dt
    import json

    from kaohe_docs.checks.status import as_text, pending_count, quarter_status
    project = _open(ctx)
    _require_quarter(project, quarter)
    sections = quarter_status(project.assessment, quarter, today.date() if today else dt.date.today())
    if as_json:
        click.echo(json.dumps([{"title": s.title, "items": s.items, "notes": s.notes} for s in sections],
                              ensure_ascii=False, indent=2))
    else:
        click.echo(as_text(sections, quarter), nl=False)
    if pending_count(sections):
        sys.exit(1)


@main.command(context_settings=CONTEXT)
@click.argument("year", type=click.IntRange(2000, 2100), metavar="YEAR")
@click.option("--json", "fmt", flag_value="json", help="以 JSON 输出。")
@click.option("--csv", "fmt", flag_value="csv", help="以 CSV 输出。")
@click.option("--candidates", is_flag=True, help="只列出年度“优秀”等次可选人员。")
@click.option("--flagged", is_flag=True, help="只列出“一般”“较差”累计超过一半的人员。")
@pass_ctx
def annual(ctx, year, fmt, candidates, flagged):
    """与年度考核挂钩：每人四个季度的等次、年度“优秀”资格及局党委确定的人选、基本称职/不称职提示、年度平时考核情况。

    \b
    示例：
      kaohe annual 2026
      kaohe annual 2026 --candidates
      kaohe annual 2026 --flagged --csv > 提示名单.csv
    """
    from kaohe_docs.cli.reports import annual_report_rows, write_rows
    project = _open(ctx)
    if not any(q.year == year for q in project.loaded.bureau.quarters):
        raise KaoheError(f"没有 {year} 年的考核记录（records/{year}/）")
    write_rows(annual_report_rows(project.assessment, year, candidates, flagged), fmt)


def _require_quarter(project, quarter: Quarter, unit: str | None = None) -> str | None:
    """Stop unless ``quarter`` has records; the unit's code for ``unit`` written as code, name or alias."""
    if quarter not in project.quarters:
        raise KaoheError(f"没有 {quarter} 的考核记录（records/{quarter.path}/）")
    return None if unit is None else unit_code(project.loaded.bureau, unit)


def unit_code(bureau, written: str) -> str:
    """The unit a clerk means by its code, name or alias (units.yaml); unknown: the codes there are."""
    from kaohe_docs.sheets.imports import unit_names
    found = unit_names(bureau).get(written.strip())
    if found is None:
        codes = "、".join(f"{u.id}（{u.name}）" for u in bureau.units_in_order())
        raise KaoheError(f"没有单位“{written}”（见 records/units.yaml）；可写单位代码、名称或简称，单位代码有：{codes}")
    return found
