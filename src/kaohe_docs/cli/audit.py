"""Audit-trail commands (Git): approve, diff, log, verify, init — registered on ``kaohe``."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import click

from kaohe_docs.cli.main import CONTEXT, Ctx, _open, _quarter, main, pass_ctx
from kaohe_docs.errors import KaoheError


@main.command(context_settings=CONTEXT)
@click.argument("quarter", type=_quarter)
@click.option("--force", is_flag=True, help="重新审定（移动已有的审定标签）。")
@pass_ctx
def approve(ctx: Ctx, quarter, force):
    """记录局党委对一个季度的审定：在当前提交上打附注标签 approved/<季度>。

    会议日期和纪要取自该季度的 decision.yaml；配置了签名密钥（git config user.signingkey）时标签带签名。
    此后对该季度记录的任何修改都会在 kaohe check 中报错，复核记录（appeals.yaml）除外。

    \b
    示例：
      kaohe approve 2026Q1
      git push origin approved/2026Q1
    """
    from kaohe_docs.audit.approval import approve as make_tag
    project = _open(ctx, strict=False)
    records = project.loaded.bureau.quarters.get(quarter)
    if records is None or records.decision is None:
        raise KaoheError(f"{quarter} 还没有局党委审定记录（records/{quarter.path}/decision.yaml），不能审定")
    d = records.decision
    name = make_tag(project.root, quarter, d.meeting_date, d.minutes, d.src.file, force)
    ctx.progress(f"已记录 {quarter} 的审定：标签 {name}（请 git push origin {name}）")
    click.echo(name)


@contextmanager
def _assessment_at(root: Path, rev: str | None):
    """The assessment of a revision (None = the work tree), with a label for it."""
    from kaohe_docs.pipeline import open_project
    if rev is None:
        project = open_project(root)
        yield project, "工作区"
        return
    from kaohe_docs.audit import gitrepo
    with gitrepo.checkout(root, rev) as (folder, commit):
        yield open_project(folder, use_cache=False), f"{rev}（{commit.hexsha[:10]}）" if rev != commit.hexsha else rev[:10]


def _default_range(root: Path, base: str | None, head: str | None):
    from kaohe_docs.audit import gitrepo
    repo = gitrepo.open_repo(root)
    if head is None:
        dirty = gitrepo.uncommitted(repo, gitrepo.prefix(repo, root), ["records", "policy"])
        head = None if dirty else "HEAD"
    if base is None:
        main_ref = gitrepo.main_branch(repo)
        base = gitrepo.merge_base(repo, gitrepo.resolve(repo, main_ref), gitrepo.resolve(repo, "HEAD")).hexsha
    return base, head


@main.command(context_settings=CONTEXT)
@click.argument("base", required=False, metavar="[BASE]")
@click.argument("head", required=False, metavar="[HEAD]")
@click.option("--markdown", is_flag=True, help="输出 Markdown（用于合并请求评论）。")
@pass_ctx
def diff(ctx: Ctx, base, head, markdown):
    """语义差异：两个版本之间每人得分、分数段、等次和各单位名额的变化。

    默认比较 main 分支与当前分支的分叉点 → 当前提交（有未提交的修改时 → 工作区）。

    \b
    示例：
      kaohe diff
      kaohe diff approved/2026Q1 HEAD
      kaohe diff --markdown origin/main HEAD > diff.md
    """
    from kaohe_docs.audit.semdiff import as_markdown, as_text, compare
    root = ctx.root
    base, head = _default_range(root, base, head)
    with _assessment_at(root, base) as (old, old_label), _assessment_at(root, head) as (new, new_label):
        for project, label in ((old, old_label), (new, new_label)):
            if project.assessment is None:
                raise KaoheError(f"{label} 的记录有错误，无法比较；请先在该版本上运行 kaohe check")
        result = compare(old.assessment, new.assessment, old_label, new_label)
    click.echo(as_markdown(result) if markdown else as_text(result), nl=False)


@main.command(context_settings=CONTEXT)
@click.argument("person")
@pass_ctx
def log(ctx: Ctx, person):
    """一个人的记录变化史：每次提交改了什么、谁改的、何时、提交说明（跟随文件改名和调动）。

    PERSON 可以是警号或姓名（重名时请用警号）。

    \b
    示例：
      kaohe log 010001
      kaohe log 王志强
    """
    from kaohe_docs.audit import gitrepo
    from kaohe_docs.audit.history import as_text, person_log
    project = _open(ctx, strict=False)
    people = project.loaded.bureau.people
    person_id = person if person in people else None
    if person_id is None:
        matches = [p.id for p in people.values() if p.name == person]
        if len(matches) > 1:
            raise KaoheError(f"花名册中有 {len(matches)} 人名为“{person}”（警号 {'、'.join(matches)}），请用警号")
        person_id = matches[0] if matches else person
    repo = gitrepo.open_repo(project.root)
    gitrepo.resolve(repo, "HEAD")
    events = person_log(repo, gitrepo.prefix(repo, project.root), person_id)
    name = people[person_id].name if person_id in people else person
    click.echo(as_text(events, f"{name}（警号 {person_id}）"), nl=False)


@main.command(context_settings=CONTEXT)
@click.argument("target", metavar="PDF|核验码")
@pass_ctx
def verify(ctx: Ctx, target):
    """核对文书：PDF 文件按其中记载的提交重新生成，比较是否逐字节一致；
    公示上印的核验码按生成时的提交重新计算，比较是否一致。

    \b
    示例：
      kaohe verify build/2026Q1/01-公示.pdf
      kaohe verify 5SZ9Z-0985F
    """
    from kaohe_docs.audit.verify import verify as check_pdf, verify_code
    path = Path(target)
    if path.is_file():
        ctx.progress(f"按来源提交重新生成 {path.name} ……")
        verdict = check_pdf(ctx.root, path)
        click.echo(f"{path}: {verdict.message}")
    elif path.exists() or target.lower().endswith(".pdf"):
        raise KaoheError(f"{target}: 不是可读取的 PDF 文件")
    else:
        ctx.progress(f"查找核验码 {target} 并按其提交重新计算……")
        verdict = verify_code(ctx.root, target)
        click.echo(verdict.message)
    if not verdict.identical:
        raise SystemExit(1)


@main.command(context_settings=CONTEXT)
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def init(directory):
    """新建一个考核记录库：默认政策、空的花名册和单位名单、.gitignore、
    GitLab CI 和 GitHub Actions 模板、提交前检查钩子。

    \b
    示例：
      kaohe init 清河县公安局考核
    """
    from kaohe_docs.audit.init import init as scaffold, initial_commit
    written = scaffold(directory)
    committed = initial_commit(directory)
    for path in written:
        click.echo(path)
    hint = "已生成首次提交。" if committed else "请配置 git user.name / user.email 后自行提交。"
    click.echo(f"已新建考核记录库 {directory}：先编辑 records/bureau.yaml、units.yaml、roster.yaml。{hint}", err=True)
