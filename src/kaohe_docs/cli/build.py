"""``kaohe build``: a quarter's or a year's documents, from the records as they are, from a revision, or
(正式) from the approved content of an approved quarter."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from kaohe_docs.cli.main import (
    CONTEXT,
    _in_period,
    _period,
    _pin_approved,
    _print_diagnostics,
    _require_quarter,
    main,
    pass_ctx,
    require_complete,
)
from kaohe_docs.errors import KaoheError
from kaohe_docs.model import Quarter


@dataclass(frozen=True)
class BuildRequest:
    """What ``kaohe build`` was asked for, the same for every way the documents are built."""

    out: Path
    strict: bool
    html_only: bool
    final: bool
    bundle: bool
    cache_root: Path  # the records root whose caches a build from an exported revision uses


@main.command(context_settings=CONTEXT)
@click.argument("period", type=_period, metavar="QUARTER|YEAR")
@click.option("--out", "out_dir", metavar="DIR", help="输出目录（默认：记录库下的 build/）。")
@click.option("--strict", is_flag=True, help="有警告时也不生成。")
@click.option("--html-only", is_flag=True, help="只生成 HTML（用于屏幕审阅，不生成 PDF）。")
@click.option("--rev", metavar="REV", help="从 Git 中的某个提交或标签生成（不改动工作区），如 --rev approved/2026Q1。")
@click.option("--final", is_flag=True, help="正式文书：要求记录全部提交、填齐，季度经局党委有效审定并有会议和公示日期（缺少时一次列出）；同时生成打印合订本。")
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
    from kaohe_docs.filenames import output_folder
    out = Path(out_dir) if out_dir else output_folder(root, "build")
    request = BuildRequest(out, strict, html_only, final, bundle, cache_root=root)
    missing: list[str] = []
    if isinstance(period, Quarter):
        from kaohe_docs.audit.standing import standing
        found = standing(root, period)
        if final and not found.approved:
            missing.append(_approval_missing(found))
        if found.approved and _from_approval(root, found.approval, rev, final) and _unchanged(ctx, root, period, rev, final):
            _build_approved(ctx, root, period, request, rev)
            return
    if rev is None:
        _build(ctx, root, period, request, _year_final(root, period) if final else None, missing=missing)
        return
    from kaohe_docs.audit import gitrepo
    from kaohe_docs.render.provenance import of_commit
    with gitrepo.checkout(root, rev) as (folder, commit):
        _build(ctx, folder, period, request, of_commit(commit), missing=missing)


def _year_final(root: Path, period):
    """``build YEAR --final``: 正式 when every quarter of the year is validly approved and the tree is clean."""
    import dataclasses

    from kaohe_docs.audit.standing import standings
    from kaohe_docs.render.provenance import provenance
    if isinstance(period, Quarter):
        return None
    found = standings(root)
    quarters = [Quarter(period, n) for n in range(1, 5)]
    missing = [str(q) for q in quarters if q not in found or not found[q].approved]
    if missing:
        raise KaoheError(f"{period} 年度文书不能作为正式文书生成（--final）：{'、'.join(missing)} 尚未经局党委有效审定；"
                         "去掉 --final 可生成送审稿")
    prov = provenance(root)
    return None if prov.draft else dataclasses.replace(prov, approved=True)


def _approval_missing(found) -> str:
    """What keeps a quarter from being validly approved, in words."""
    q = found.quarter
    if not found.chain:
        return f"局党委审定（{q} 还没有审定标签：审定后运行 kaohe approve {q}）"
    for d in found.problems:  # each tag that is not an approval, and why, in the diagnostics' own form
        click.echo(d.format(), err=True)
    return f"有效的局党委审定（{q} 的审定标签都不是有效的审定，原因见上）"


def _from_approval(root: Path, approval, rev, final: bool) -> bool:
    """Is this build of an approved quarter one from its approval (正式)? A clean work tree or a revision
    on or after the approval is; uncommitted changes are a draft of the work tree (--final refuses them)."""
    from kaohe_docs import gitport
    from kaohe_docs.render.provenance import provenance
    if rev is None:
        if provenance(root).draft:
            if final:
                raise KaoheError("记录库有未提交的修改（或不在 Git 中），正式文书（--final）只能从已提交的记录生成；"
                                 "请先提交，或去掉 --final 生成草稿")
            return False
        return True
    sha = gitport.rev(root, rev)
    return bool(sha) and gitport.is_ancestor(root, approval.commit, sha) is True


def _unchanged(ctx, root: Path, quarter: Quarter, rev, final: bool) -> bool:
    """Are the approved records unchanged? A plain build of records changed since the approval (a re-approval
    being prepared) is a 送审稿 of the records as they are; --final refuses them (the lock's errors)."""
    from kaohe_docs.audit.final import lock_problems
    from kaohe_docs.errors import ERROR
    if final or not any(d.level == ERROR for d in lock_problems(root, quarter, rev or "HEAD")):
        return True
    ctx.progress(f"提示: {quarter} 的记录与局党委审定时不同（详见 kaohe check）：按当前记录生成送审稿；"
                 f"局党委重新审定后运行 kaohe approve {quarter} --supersede \"原因\"")
    return False


def _build_approved(ctx, root: Path, quarter: Quarter, request: BuildRequest, rev) -> None:
    """A build of an approved quarter (正式): refuse a changed quarter, build the approved content."""
    from kaohe_docs.audit.final import approved_source, lock_problems
    _print_diagnostics(lock_problems(root, quarter, rev or "HEAD"))
    with approved_source(root, quarter, rev or "HEAD") as source:
        _print_diagnostics(source.diagnostics)
        ctx.progress(f"{quarter} 已经局党委审定（标签 {source.approval.name}）：正式文书按审定时的记录、政策和模板生成"
                     + ("，含审定后的复核、反馈记录" if source.commit.hexsha != source.approval.commit else ""))
        _build(ctx, source.folder, quarter, request, source.provenance(), prepare=source.prepare)


def _build(ctx, root: Path, period, request: BuildRequest, prov, *, missing: list[str] | None = None,
           prepare=None) -> None:
    """``root``: the records built (an exported revision, or the approved content); ``missing``: what --final
    lacks so far (the records' own gaps are added before refusing)."""
    out, strict, html_only, final = request.out, request.strict, request.html_only, request.final
    from kaohe_docs.pipeline import open_project
    from kaohe_docs.render.build import build_period, prestart
    # WeasyPrint (about a second to start) gets ready while the records load and the documents are planned
    runner = prestart(root, request.cache_root) if not html_only and prov is None else None
    try:
        # records changed: documents will be laid out, more workers get ready meanwhile
        project = open_project(root, use_cache=prov is None, deferred=prov is None,
                               changed=runner.grow if runner is not None else None)
        _print_diagnostics(project.diagnostics, strict, pending="line")
        if prepare is not None:
            prepare(project)
        if prov is None or not prov.approved:  # a build from an approval uses that approval's policy already
            _pin_approved(ctx, project)
        if isinstance(period, Quarter):
            _require_quarter(project, period)
            if final:
                _require_final(project, period, missing or [])
        elif not any(q.year == period for q in project.quarters):
            raise KaoheError(f"没有 {period} 年的考核记录（records/{period}/）")
        if final and not isinstance(period, Quarter):
            require_complete(project.diagnostics, period, "不能生成正式文书（--final）；填齐后再生成，或去掉 --final 生成草稿")
        result = build_period(project, period, out, pdf=not html_only, progress=ctx.progress, prov=prov, final=final,
                              bundle=request.bundle, cache_root=request.cache_root, runner=runner)
    finally:
        if runner is not None:
            runner.close()
    _print_diagnostics(result.diagnostics, strict)
    for path in result.files:
        click.echo(path)


def _require_final(project, quarter: Quarter, missing: list[str]) -> None:
    """``build --final`` needs a valid approval, the committee's meeting and the publicity date: name each gap."""
    waiting = [d for d in project.diagnostics if d.level == "pending" and _in_period(d.file, quarter)]
    for d in waiting:
        click.echo(d.format(), err=True)
    if waiting:
        missing.insert(0, f"全部项目填齐（{len(waiting)} 人有待填写的项目，见上）")
    records = project.loaded.bureau.quarters.get(quarter) if project.loaded else None
    decision = records.decision if records else None
    where = f"records/{quarter.path}/decision.yaml"
    if decision is None:
        missing.append(f"局党委审定记录（{where}：会议日期 meeting_date、会议纪要 minutes）")
    elif decision.publicity_start is None:
        missing.append(f"公示开始日期（{where} 的 publicity_start）")
    if missing:
        raise KaoheError(f"{quarter} 不能生成正式文书（--final），还缺少：" + "；".join(missing)
                         + "。去掉 --final 可生成送审稿（未审定）或草稿（有未提交的修改）")
