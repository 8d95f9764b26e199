"""``kaohe open QUARTER``: start a quarter's collection; ``kaohe migrate``: records to the current layout."""
from __future__ import annotations

from contextlib import nullcontext

import click

from kaohe_docs.cli.main import CONTEXT, Ctx, _open, _print_diagnostics, _quarter, main, pass_ctx
from kaohe_docs.errors import KaoheError, cannot_write


@main.command("open", context_settings=CONTEXT)
@click.argument("quarter", type=_quarter)
@click.option("--dry-run", is_flag=True, help="只显示将要新建或补充的文件，不写入。")
@pass_ctx
def open_quarter(ctx: Ctx, quarter, dry_run):
    """开始一个季度：为每个所室队新建季度记录文件，列出本季度在花名册上的全部人员，
    需要填写的项目全部留空（注明由谁填写、何时报送），另建空的 decision.yaml。

    人员所在单位取花名册的 unit，没有时取上一季度所在单位；季度中入职、离开的人员只列出在局的月份。
    不会覆盖已有文件：花名册变化后再次运行，只把新增人员补进所在单位的文件，并列出已不在花名册上的人员（不删除）。

    \b
    示例：
      kaohe open 2026Q2
      kaohe open 2026Q2 --dry-run
    """
    from kaohe_docs.audit.opening import plan_open, write
    from kaohe_docs.pipeline import open_project
    project = open_project(ctx.root)
    loaded = project.loaded
    bureau, policy = (loaded.bureau, loaded.policy) if loaded is not None else (None, None)
    # a person on the roster missing from the quarter is what open fixes: only unreadable files stop it
    records = bureau.quarters.get(quarter) if bureau else None
    if bureau is None or policy is None or (records is not None and records.incomplete):
        _print_diagnostics([d for d in project.diagnostics if d.level == "error"])
    if bureau is None or policy is None:  # unreadable without an error said (a units.yaml holding only "~")
        raise KaoheError("局的记录或政策无法读取，请先运行 kaohe check 修正错误，再开始季度")
    if not bureau.units or not bureau.people:
        raise KaoheError("records/units.yaml 中还没有所室队，或 records/roster.yaml 中还没有人员：请先填写单位名单和花名册"
                         "（也可用 kaohe import roster 导入花名册），再开始季度")
    opened, texts = plan_open(project.root, bureau, policy, quarter)
    from kaohe_docs.engine.calendar import calendar_of, gap_message
    if calendar_of(policy).submission_deadline(quarter, policy.submission_day, policy.extend_to_workday) is None:
        click.echo(f"警告: {quarter} 的报送截止日期无法确定：{gap_message(quarter.year + (quarter.q == 4))}", err=True)
    if opened.unplaced:
        raise KaoheError(f"以下人员在花名册中没有单位（unit），上一季度也没有记录，无法放入单位文件："
                         f"{'、'.join(opened.unplaced)}；请在 records/roster.yaml 中为其写明 unit，未写入任何文件")
    for person in opened.gone:
        click.echo(f"提示: {person}已不在本季度花名册上，未删除；如确已离开，请在单位文件中删去或改注", err=True)
    if not dry_run:
        try:
            write(project.root, texts)
        except OSError as exc:
            raise cannot_write(exc.filename or project.root, exc) from exc
    for rel in opened.created:
        click.echo(rel)
    for rel, people in opened.extended.items():
        click.echo(rel)
        ctx.progress(f"{rel}：补充 {'、'.join(people)}")
    if not opened.changed:
        ctx.progress(f"{quarter} 的记录文件都已存在，花名册上的人员都已列入，没有需要新建的内容。")
    elif dry_run:
        ctx.progress("--dry-run：未写入任何文件。")
    else:
        ctx.progress(f"已建立 {quarter}：{len(texts)} 个文件。留空的项目是待填写，kaohe status {quarter} 查看进度；"
                     "请提交（git add records && git commit）后分发给各所室队。")


@main.command("migrate", context_settings=CONTEXT)
@click.option("--dry-run", is_flag=True, help="只列出将要移动的记录，不写入。")
@pass_ctx
def migrate(ctx: Ctx, dry_run):
    """把以前版本的记录改为现在的布局：各季度的 feedback.yaml 拆分为每个所室队一个
    feedback/<单位代码>.yaml（两个单位同时记录反馈不再冲突）。注释随记录移动；旧布局照常读取，不迁移也可以。

    \b
    示例：
      kaohe migrate --dry-run
      kaohe migrate
    """
    from kaohe_docs.audit.migrate import apply_migration, plan_migration
    from kaohe_docs.records.lock import writing
    with writing(ctx.root) if not dry_run else nullcontext():
        project = _open(ctx)
        plan = plan_migration(project.root, project.loaded.bureau)
        if plan.problems:
            raise KaoheError("；".join(plan.problems) + "。请先改正这些记录，未写入任何文件")
        for line in plan.moved:
            click.echo(line)
        if not plan.moved and not plan.removed:
            ctx.progress("记录已是现在的布局，没有需要迁移的内容。")
            return
        if dry_run:
            ctx.progress("--dry-run：未写入任何文件。")
            return
        try:
            apply_migration(project.root, plan)
        except OSError as exc:
            raise cannot_write(exc.filename or project.root, exc) from exc
        ctx.progress("已迁移。请运行 kaohe check 核对后提交（git add -A records && git commit）。")
