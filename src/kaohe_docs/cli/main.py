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


def _print_diagnostics(diagnostics, strict: bool = False) -> None:
    for d in diagnostics:
        click.echo(d.format(), err=True)
    if has_errors(diagnostics, strict):
        raise DiagnosticsFailed(sum(d.level == "error" or strict for d in diagnostics))


def _open(ctx: Ctx, strict: bool = False):
    """Load and check; print diagnostics; stop (exit 1) when there are errors."""
    from kaohe_docs.pipeline import open_project
    project = open_project(ctx.root)
    _print_diagnostics(project.diagnostics, strict)
    return project


@click.group(context_settings=CONTEXT)
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
@pass_ctx
def check(ctx, period, strict, as_json, staged):
    """校验记录和政策，一次报告全部错误和警告（文件:行号: 问题）。

    已审定（kaohe approve）的季度在审定后又被修改时，也在这里报告。

    \b
    示例：
      kaohe check
      kaohe check 2026Q1 --strict
      kaohe check --json > problems.json
      kaohe check --staged        （提交前钩子）
    """
    from kaohe_docs.audit.approval import lock_diagnostics
    from kaohe_docs.errors import sort_diagnostics
    from kaohe_docs.pipeline import check_diagnostics
    root = ctx.root
    if staged:
        diagnostics = _staged_diagnostics(root)
    else:
        diagnostics = sort_diagnostics(check_diagnostics(root) + lock_diagnostics(root))
    if period is not None:
        diagnostics = [d for d in diagnostics if _in_period(d.file, period)]
    if as_json:
        click.echo(to_json(diagnostics))
        if has_errors(diagnostics, strict):
            sys.exit(1)
        return
    _print_diagnostics(diagnostics, strict)
    errors = sum(d.level == "error" for d in diagnostics)
    ctx.progress(f"检查完成：{errors} 个错误，{len(diagnostics) - errors} 个警告。")


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
@click.option("--unit", "unit_id", metavar="U", help="只列出单位代码为 U 的所室队。")
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
    _require_quarter(project, quarter, unit_id)
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
@click.argument("period", type=_period, metavar="QUARTER|YEAR")
@click.option("--out", "out_dir", metavar="DIR", help="输出目录（默认：记录库下的 build/）。")
@click.option("--strict", is_flag=True, help="有警告时也不生成。")
@click.option("--html-only", is_flag=True, help="只生成 HTML（用于屏幕审阅，不生成 PDF）。")
@click.option("--rev", metavar="REV", help="从 Git 中的某个提交或标签生成（不改动工作区），如 --rev approved/2026Q1。")
@click.option("--final", is_flag=True, help="正式文书：有未提交的修改时拒绝生成（否则生成带“草稿”水印的文书）；同时生成打印合订本。")
@click.option("--bundle", is_flag=True, help="同时生成打印合订本 00-打印合订本.pdf（全部文书带书签，--final 时总是生成）。")
@pass_ctx
def build(ctx, period, out_dir, strict, html_only, rev, final, bundle):
    """生成一个季度或一个年度的全部文书（PDF、HTML、打印合订本）。

    \b
    季度：公示、对象情况表、优秀等次比例使用申报表、各所室队结果登记表、
          平时考核登记表、简明情况登记表、结果反馈通知（含谈话提醒/批评教育记录）。
    年度：年度优秀人选公示、年度结果汇总、年度等次提示名单、年度统计（含图表）、
          各所室队年度结果登记表。
    先写入临时目录，全部成功后再替换 build/<季度或年度>/，失败时原有文件不受影响；
    build/index.html 列出已生成的全部文书及其来源提交。

    \b
    示例：
      kaohe build 2026Q1
      kaohe build 2026
      kaohe build 2026Q4 --out /tmp/打印
      kaohe build 2026Q1 --bundle           （另生成打印合订本）
      kaohe build 2026Q1 --rev approved/2026Q1 --final
    """
    root = ctx.root
    out = Path(out_dir) if out_dir else root / "build"
    if rev is None:
        _build(ctx, root, period, out, strict, html_only, None, final, bundle, root)
        return
    from kaohe_docs.audit import gitrepo
    from kaohe_docs.render.provenance import of_commit
    with gitrepo.checkout(root, rev) as (folder, commit):
        _build(ctx, folder, period, out, strict, html_only, of_commit(commit), final, bundle, root)


def _build(ctx, root: Path, period, out: Path, strict: bool, html_only: bool, prov, final: bool, bundle: bool,
           cache_root: Path) -> None:
    from kaohe_docs.render.build import build_period
    from kaohe_docs.pipeline import open_project
    project = open_project(root, use_cache=prov is None)
    _print_diagnostics(project.diagnostics, strict)
    if isinstance(period, Quarter):
        _require_quarter(project, period)
    elif not any(q.year == period for q in project.loaded.bureau.quarters):
        raise KaoheError(f"没有 {period} 年的考核记录（records/{period}/）")
    result = build_period(project, period, out, pdf=not html_only, progress=ctx.progress, prov=prov, final=final,
                          bundle=bundle, cache_root=cache_root)
    _print_diagnostics(result.diagnostics, strict)
    for path in result.files:
        click.echo(path)


@main.command(context_settings=CONTEXT)
@click.argument("quarter", type=_quarter)
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="按这一天判断是否逾期（默认：今天）。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出。")
@pass_ctx
def status(ctx, quarter, today, as_json):
    """一个季度还缺什么：个人小结、月度绩效、加分审核、建议等次、逾期报送、
    党委审定、公示、复核、结果反馈和谈话记录。全部完成时退出码为 0，否则为 1。

    \b
    示例：
      kaohe status 2026Q3
      kaohe status 2026Q4 --today 2027-01-12
    """
    import datetime as dt
    import json
    from kaohe_docs.checks.status import as_text, quarter_status
    project = _open(ctx)
    _require_quarter(project, quarter)
    sections = quarter_status(project.assessment, quarter, today.date() if today else dt.date.today())
    if as_json:
        click.echo(json.dumps([{"title": s.title, "items": s.items} for s in sections], ensure_ascii=False, indent=2))
    else:
        click.echo(as_text(sections, quarter), nl=False)
    if sections:
        sys.exit(1)


@main.command(context_settings=CONTEXT)
@click.argument("year", type=click.IntRange(2000, 2100), metavar="YEAR")
@click.option("--json", "fmt", flag_value="json", help="以 JSON 输出。")
@click.option("--csv", "fmt", flag_value="csv", help="以 CSV 输出。")
@click.option("--candidates", is_flag=True, help="只列出年度“优秀”等次可选人员。")
@click.option("--flagged", is_flag=True, help="只列出“一般”“较差”累计超过一半的人员。")
@pass_ctx
def annual(ctx, year, fmt, candidates, flagged):
    """与年度考核挂钩：每人四个季度的等次、年度“优秀”资格、基本称职/不称职提示。

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


def _require_quarter(project, quarter: Quarter, unit_id: str | None = None) -> None:
    if quarter not in project.loaded.bureau.quarters:
        raise KaoheError(f"没有 {quarter} 的考核记录（records/{quarter.path}/）")
    if unit_id is not None and unit_id not in project.loaded.bureau.units:
        raise KaoheError(f"没有单位代码为“{unit_id}”的所室队（见 records/units.yaml）")


# Command groups that live in their own modules (each adds its commands to ``main``).
from kaohe_docs.cli import audit as cli_audit
from kaohe_docs.cli import sheets as cli_sheets  # noqa: E402,F401

if __name__ == "__main__":  # pragma: no cover
    main()
