"""Spreadsheet commands: ``kaohe import …`` and ``kaohe export …`` (openpyxl imported inside)."""
from __future__ import annotations

import json
import sys
from contextlib import contextmanager, nullcontext
from pathlib import Path

import click

from kaohe_docs.cli.main import (
    CONTEXT,
    Ctx,
    _open,
    _period,
    _print_diagnostics,
    _quarter,
    _require_quarter,
    main,
    pass_ctx,
)
from kaohe_docs.errors import KaoheError, cannot_write, has_errors, printable
from kaohe_docs.filenames import inside, output_folder, safe_name
from kaohe_docs.model import Quarter

XLSX = click.Path(exists=True, dir_okay=False, path_type=Path)
BOOK = "工作簿"  # the metavar of a workbook argument


@main.group("import", context_settings=CONTEXT)
def import_():
    """从电子表格导入：月度绩效得分、花名册、所室队填报表；以及 Word 写的个人小结。

    有任何错误时不写入任何文件；重复导入同一文件不会产生变化。

    \b
    示例：
      kaohe import monthly 绩效.xlsx --quarter 2026Q1 --dry-run
      kaohe import roster 花名册.xlsx
      kaohe import sheet 刑侦大队填报表.xlsx
    """


def _writing(ctx: Ctx, dry_run: bool):
    """The records write lock around read → plan → write (nothing for --dry-run, which writes nothing)."""
    if dry_run:
        return nullcontext()
    return _locked(ctx)


@contextmanager
def _locked(ctx: Ctx):
    from kaohe_docs.records.lock import writing
    with writing(ctx.root) as removed:
        for rel in removed:
            ctx.progress(printable(f"已删除上次中断的写入留下的临时文件：{rel}"))
        yield


def _run(ctx: Ctx, project, plan, dry_run: bool, as_json: bool = False) -> None:
    from kaohe_docs.sheets.apply import apply
    if as_json:  # the whole plan as data: problems with workbook, sheet, row and column as fields
        click.echo(json.dumps({
            "diagnostics": [d.as_dict() for d in plan.diagnostics],
            "changes": [{"file": c.path, "person_id": c.person_id, "who": c.who, "field": c.field,
                         "old": None if c.old is None else str(c.old), "new": str(c.new)} for c in plan.changes],
            "additions": [{k: str(v) for k, v in p.items()} for p in plan.additions],
            "notes": plan.notes,
        }, ensure_ascii=False, indent=2))
        if has_errors(plan.diagnostics):
            sys.exit(1)
        if not dry_run and (plan.changes or plan.additions):
            _refuse_approved(project.root, plan)
            try:
                apply(project.root, plan)
            except OSError as exc:
                raise cannot_write(exc.filename or project.root, exc) from exc
        return
    _print_diagnostics(plan.diagnostics)
    for note in plan.notes:
        click.echo(printable(f"提示: {note}"), err=True)
    lines = [printable(change.format()) for change in plan.changes]
    lines += [printable(f"新增：{p.get('name', '')}（警号 {p['id']}）") for p in plan.additions]
    for line in lines:
        click.echo(line)
    if not lines:
        ctx.progress("没有需要更新的内容（记录与表格一致）。")
        return
    _refuse_approved(project.root, plan)
    if dry_run:
        ctx.progress(f"共 {len(lines)} 处变化；--dry-run：未写入任何文件。")
        return
    try:
        written = apply(project.root, plan)
    except OSError as exc:
        raise cannot_write(exc.filename or project.root, exc) from exc
    ctx.progress(f"共 {len(lines)} 处变化，已写入：{'、'.join(written)}。请运行 kaohe check 和 kaohe diff 核对后提交。")


def _refuse_approved(root: Path, plan) -> None:
    """An import never writes into an approved quarter: each refused change is named."""
    from kaohe_docs.audit.lock import locked_writes
    from kaohe_docs.errors import error
    locked = locked_writes(root, [change.path for change in plan.changes])
    _print_diagnostics([error(c.path, 0, f"{q} 已经局党委审定（标签 {a.name}，{a.day}），不能导入：{c.format()}；"
                                         f"审定后只能通过复核记录（records/{q.path}/appeals.yaml）变更结果")
                        for c in plan.changes if c.path in locked for q, a in [locked[c.path]]])


@import_.command("monthly", context_settings=CONTEXT)
@click.argument("workbook", type=XLSX, metavar=BOOK)
@click.option("--quarter", "quarter", type=_quarter, required=True, help="导入到哪个季度，如 2026Q1。")
@click.option("--dry-run", is_flag=True, help="只显示将要改变的内容，不写入。")
@click.option("--strict", is_flag=True, help="表中有本季度记录以外的人员（如局领导）时作为错误，不导入。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出计划和问题（问题带工作簿、工作表、行、列）。")
@pass_ctx
def import_monthly(ctx: Ctx, workbook, quarter, dry_run, strict, as_json):
    """导入月度绩效考评得分（个性指标）到各所室队的季度记录。

    表格可以是一张工作表、每月一列（“1月”“2月”“3月”），或每月一张工作表（表名“3月”，有“得分”列）；
    按警号匹配，没有警号时按姓名和单位匹配。.xlsx、.xls（WPS 兼容格式）、.csv 均可。
    本季度记录以外的人员（如局领导）逐行列出并跳过（--strict 时为错误）。

    \b
    示例：
      kaohe import monthly 2026年一季度绩效.xlsx --quarter 2026Q1 --dry-run
      kaohe import monthly 绩效.xlsx --quarter 2026Q1 --dry-run --json > 计划.json
    """
    from kaohe_docs.sheets.imports import plan_monthly
    with _writing(ctx, dry_run):
        project = _open(ctx)
        _require_quarter(project, quarter)
        _run(ctx, project, plan_monthly(workbook, project.loaded.bureau, project.loaded.policy, quarter, strict),
             dry_run, as_json)


@import_.command("roster", context_settings=CONTEXT)
@click.argument("workbook", type=XLSX, metavar=BOOK)
@click.option("--dry-run", is_flag=True, help="只显示新增、变化和可能的调离，不写入。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出计划和问题（问题带工作簿、工作表、行、列）。")
@pass_ctx
def import_roster(ctx: Ctx, workbook, dry_run, as_json):
    """导入花名册（警号、姓名、性别、出生年月、职务、职级），报告新增、变化和调离。

    \b
    示例：
      kaohe import roster 花名册.xlsx --dry-run
      kaohe import roster 花名册.csv
    """
    from kaohe_docs.sheets.imports import plan_roster
    with _writing(ctx, dry_run):
        project = _open(ctx)
        _run(ctx, project, plan_roster(workbook, project.loaded.bureau, project.loaded.policy), dry_run, as_json)


@import_.command("sheet", context_settings=CONTEXT)
@click.argument("workbook", type=XLSX, metavar=BOOK)
@click.option("--dry-run", is_flag=True, help="只显示将要改变的内容，不写入。")
@click.option("--json", "as_json", is_flag=True, help="以 JSON 输出计划和问题（问题带工作簿、工作表、行、列）。")
@pass_ctx
def import_sheet(ctx: Ctx, workbook, dry_run, as_json):
    """导入所室队填写的季度考核填报表（kaohe export sheet 导出的，或按同样表头自己录入的）。

    每个工作表按表头读取；空着的格子保留记录中的值；问题逐条写明工作表、行和列。

    \b
    示例：
      kaohe import sheet 刑事侦查大队-2026Q1-考核填报表.xlsx --dry-run
    """
    from kaohe_docs.sheets.unitbook_import import plan as plan_workbook
    with _writing(ctx, dry_run):
        project = _open(ctx)
        plan, _, _ = plan_workbook(workbook, project.loaded.bureau, project.loaded.policy)
        _run(ctx, project, plan, dry_run, as_json)


@import_.command("summary", context_settings=CONTEXT)
@click.argument("document", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="文档")
@click.option("--quarter", "quarter", type=_quarter, required=True, help="哪个季度的个人小结，如 2026Q1。")
@click.option("--id", "person_id", metavar="警号", help="是谁的小结（默认：按文件名中的姓名查找）。")
@click.option("--dry-run", is_flag=True, help="只显示将要改变的内容，不写入。")
@pass_ctx
def import_summary(ctx: Ctx, document, quarter, person_id, dry_run):
    """导入本人用 Word 或 WPS 写的个人小结（.docx）：全文写入该人本季度记录的 summary。

    文件名中有本人姓名时自动对应（如 张伟-个人小结.docx），重名或没有姓名时用 --id 写明警号；
    开头的“个人小结”之类的标题行不计入。

    \b
    示例：
      kaohe import summary 王志强-个人小结.docx --quarter 2026Q4 --dry-run
      kaohe import summary 个人小结.docx --quarter 2026Q4 --id 010001
    """
    from kaohe_docs.sheets.summary import plan_summary
    with _writing(ctx, dry_run):
        project = _open(ctx)
        _require_quarter(project, quarter)
        _run(ctx, project, plan_summary(document, project.loaded.bureau, project.loaded.policy, quarter, person_id), dry_run)


@main.group("export", context_settings=CONTEXT)
def export():
    """导出电子表格：所室队季度考核填报表、考核结果（上报用）。

    \b
    示例：
      kaohe export sheet 2026Q2 --all -o 填报表
      kaohe export results 2026Q1 --xlsx
    """


@export.command("sheet", context_settings=CONTEXT)
@click.argument("quarter", type=_quarter)
@click.option("--unit", "unit", metavar="U", help="所室队：单位代码、名称或简称，如 xingzhen 或 刑侦大队。")
@click.option("--all", "every", is_flag=True, help="每个所室队一个工作簿，按单位名称命名，写入 -o 指定的文件夹。")
@click.option("-o", "--output", type=click.Path(path_type=Path), metavar="路径",
              help="输出文件（--all 时为文件夹）；默认：build/sheets/ 下。")
@pass_ctx
def export_sheet(ctx: Ctx, quarter, unit, every, output):
    """导出所室队季度考核填报表：一个单位的全部填报内容（共性得分、共性指标项目、月度绩效、建议等次、个人小结、
    不确定等次/外单位考核、备注、加分申报、主要领导、报送日期），警号、姓名锁定，分数和等次有范围校验，
    指标项目从“共性指标目录”表中选择；填好后用 kaohe import sheet 导入。

    \b
    示例：
      kaohe export sheet 2026Q2 --all -o 填报表
      kaohe export sheet 2026Q2 --unit 刑侦大队 -o 刑侦大队填报表.xlsx
    """
    from kaohe_docs.sheets.unitbook import export, file_names
    if every == (unit is not None):
        raise click.UsageError("请用 --unit 指定一个所室队，或用 --all 导出全部所室队")
    project = _open(ctx)
    unit_id = _require_quarter(project, quarter, unit)
    names = file_names(project.loaded.bureau, quarter)
    if every:
        folder = output or output_folder(project.root, "build", "sheets")
        targets = {u: inside(folder, name) for u, name in names.items()}
    else:
        if unit_id not in names:
            raise KaoheError(f"{quarter} 没有{project.loaded.bureau.units[unit_id].name}的记录文件"
                             f"（records/{quarter.path}/units/{unit_id}.yaml）")
        targets = {unit_id: output or inside(output_folder(project.root, "build", "sheets"), names[unit_id])}
    for n, (unit_id, out) in enumerate(targets.items(), 1):
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            click.echo(export(project.assessment, quarter, unit_id, out))
        except OSError as exc:
            raise cannot_write(out, exc) from exc
        if every:
            ctx.progress(f"[{n}/{len(targets)}] {project.loaded.bureau.units[unit_id].name}")


@export.command("results", context_settings=CONTEXT)
@click.argument("period", type=_period, metavar="QUARTER|YEAR")
@click.option("--xlsx", "fmt", flag_value="xlsx", default=True, help="Excel 工作簿（默认）：汇总表加每个单位一张表。")
@click.option("--csv", "fmt", flag_value="csv", help="CSV（UTF-8 带 BOM，Excel 可直接打开）。")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="输出文件（默认：build/ 下）。")
@pass_ctx
def export_results(ctx: Ctx, period, fmt, output):
    """导出考核结果：季度为每人得分和等次，年度为每人四个季度的等次和年度挂钩意见。

    \b
    示例：
      kaohe export results 2026Q1 --xlsx
      kaohe export results 2026 --csv -o 2026年平时考核结果.csv
    """
    from kaohe_docs.cli.reports import annual_report_rows, score_rows
    from kaohe_docs.sheets.exports import results
    project = _open(ctx)
    a = project.assessment
    if isinstance(period, Quarter):
        _require_quarter(project, period)
        rows = score_rows(a, period)
    elif any(q.year == period for q in project.loaded.bureau.quarters):
        rows = annual_report_rows(a, period)
    else:
        raise KaoheError(f"没有 {period} 年的考核记录（records/{period}/）")
    sheets = {"汇总": rows}
    for unit in a.bureau.units_in_order():
        unit_rows = [r for r in rows if r["单位"] == unit.name]
        if unit_rows:
            sheets[unit.name] = unit_rows
    out = output or inside(output_folder(project.root, "build", "sheets"),
                                f"{safe_name(a.bureau.info.name)}{period}平时考核结果.{fmt}")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        click.echo(results(sheets, out, fmt))
    except OSError as exc:
        raise cannot_write(out, exc) from exc
