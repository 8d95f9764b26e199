"""Audit-trail commands (Git): approve, diff, log, verify, init — registered on ``kaohe``."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import click

from kaohe_docs.cli.main import CONTEXT, Ctx, _open, _print_diagnostics, _quarter, main, pass_ctx
from kaohe_docs.errors import KaoheError


@main.command(context_settings=CONTEXT)
@click.argument("quarter", type=_quarter)
@click.option("--supersede", "reason", metavar="原因",
              help="局党委重新审定：新增审定 approved/<季度>-2（-3 …），写明取代哪一次及原因；原审定标签保留。")
@click.option("--approver", metavar="机关", help="审定机关（默认：bureau.yaml 中的发文机关）。")
@click.option("--force", is_flag=True, hidden=True, help="已取消：审定标签不再移动，请用 --supersede。")
@pass_ctx
def approve(ctx: Ctx, quarter, reason, approver, force):
    """记录局党委对一个季度的审定：在当前提交上打附注标签 approved/<季度>。

    标签中写明会议日期、会议纪要（取自该季度的 decision.yaml）和审定机关。记录库登记了审定签名密钥
    （policy/allowed_signers）时，标签用本机的 SSH 密钥签名（git config user.signingkey，否则 ~/.ssh/id_ed25519），
    密钥不在名单中则拒绝；没有设置密钥时说明怎样生成和登记。此后该季度的记录（复核 appeals.yaml、反馈 feedback.yaml 除外）
    与审定时的内容不同，check、提交前钩子、import、build --final 和服务器钩子都会拒绝。
    审定记录只增不改：局党委重新审定时用 --supersede 新增 approved/<季度>-2，原标签保留。

    \b
    示例：
      kaohe approve 2026Q1
      git push origin main approved/2026Q1
      kaohe approve 2026Q1 --supersede "局党委2026年5月6日会议改定刘洋等次"
    """
    from kaohe_docs.audit.approve import approve as make_tag
    from kaohe_docs.cli.main import require_complete
    if force:
        raise KaoheError("审定标签不再移动或覆盖（--force 已取消）；局党委重新审定时请用 "
                         f"kaohe approve {quarter} --supersede \"原因\"，会新增一个审定记录")
    project = _open(ctx, strict=False)
    require_complete(project.diagnostics, quarter, "不能审定")
    records = project.loaded.bureau.quarters.get(quarter)
    if records is None or records.decision is None:
        raise KaoheError(f"{quarter} 还没有局党委审定记录（records/{quarter.path}/decision.yaml），不能审定")
    d = records.decision
    name, notes = make_tag(project.root, quarter, d.meeting_date, d.minutes, d.src.file,
                           approver=approver or project.loaded.bureau.info.issuer, supersede=reason)
    for note in notes:
        click.echo(note, err=True)
    ctx.progress(f"已记录 {quarter} 的审定：标签 {name}（请连同所在分支一起推送：git push origin main {name}）")
    click.echo(name)


@main.command(context_settings=CONTEXT)
@click.argument("quarter", type=_quarter, required=False)
@pass_ctx
def approvals(ctx: Ctx, quarter):
    """列出审定记录：每个季度的审定标签链（会议日期、纪要、审定机关、取代关系和原因）及其问题。

    \b
    示例：
      kaohe approvals
      kaohe approvals 2026Q1
    """
    from kaohe_docs.audit.approval import chain_text
    from kaohe_docs.audit.lock import chains_of
    found = chains_of(ctx.root, quarters={quarter} if quarter else None)
    if found is None:
        raise KaoheError(f"{ctx.root} 不在 Git 仓库中；请先 git init 并提交记录")
    chains = found[2]
    click.echo(chain_text(chains.approvals, quarter), nl=False)
    if chains.signers is not None and chains.signers.active:
        click.echo(f"审定签名密钥：policy/allowed_signers，首次登记于提交 {chains.signers.added[:10]}（{chains.signers.added_by}）")
    _print_diagnostics(chains.diagnostics)


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

    局党委审定记录的变化按单位列出推荐、通过、未通过（仍占名额）、党委增加（不占名额）和名额台账，
    只列出审定等次与建议不同的人；记录以外改动的每个文件（模板、政策、钩子、CI、缓存、二进制文件）都列出并警告。
    默认比较 main 分支与当前分支的分叉点 → 当前提交（有未提交的修改时 → 工作区）。

    \b
    示例：
      kaohe diff
      kaohe diff approved/2026Q1 HEAD
      kaohe diff --markdown origin/main HEAD > diff.md
    """
    from kaohe_docs.audit import gitrepo
    from kaohe_docs.audit.semdiff import as_markdown, as_text, classify_all, compare
    root = ctx.root
    base, head = _default_range(root, base, head)
    with _assessment_at(root, base) as (old, old_label), _assessment_at(root, head) as (new, new_label):
        for project, label in ((old, old_label), (new, new_label)):
            if project.assessment is None:
                raise KaoheError(f"{label} 的记录有错误，无法比较；请先在该版本上运行 kaohe check")
        result = compare(old.assessment, new.assessment, old_label, new_label)
    repo = gitrepo.open_repo(root)
    result.files = classify_all(gitrepo.changed_paths(repo, gitrepo.prefix(repo, root), base, head))
    click.echo(as_markdown(result) if markdown else as_text(result), nl=False)


@main.command(context_settings=CONTEXT)
@click.argument("person")
@pass_ctx
def log(ctx: Ctx, person):
    """一个人的记录变化史：每次提交改了什么、谁改的、何时、提交说明（跟随文件改名和调动），
    包括局党委的审定（同建议等次、改变或增加，以及审定标签）和复核申请、复核结论，按提交先后列出。

    每次提交只与它的上一版（父提交）比较：各所室队分支合并时，合并提交只列出合并本身带来的变化，
    改动记在真正做出改动的那次提交上。

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
    from kaohe_docs.audit.standing import standings
    tags: dict[str, list] = {}
    for found in standings(project.root).values():
        for a in (found.chain if found.approved else ()):
            tags.setdefault(a.commit, []).append(a)
    events = person_log(repo, gitrepo.prefix(repo, project.root), person_id, tags)
    name = people[person_id].name if person_id in people else person
    click.echo(as_text(events, f"{name}（警号 {person_id}）"), nl=False)


@main.command(context_settings=CONTEXT)
@click.argument("quarter", type=_quarter)
@click.option("--out", "out_dir", metavar="DIR", help="归档文件夹（默认：build/archive/<季度>）。")
@pass_ctx
def archive(ctx: Ctx, quarter, out_dir):
    """归档一个已审定的季度：PDF/A-2b 正式文书、审定标签（含签名）、来源提交和 SHA-256 清单。

    文书按审定时的记录、政策和模板生成（与 build --final 相同）；归档文件夹可脱离记录库单独保存，
    用 kaohe verify 文件夹 核对哪个文件被改动过。

    \b
    示例：
      kaohe archive 2026Q1
      kaohe archive 2026Q1 --out /mnt/档案/2026Q1
      kaohe verify build/archive/2026Q1
    """
    from kaohe_docs.audit.archive import write_archive
    from kaohe_docs.audit.final import approval_in_force, lock_problems
    from kaohe_docs.render.provenance import provenance
    root = ctx.root
    approval, chain = approval_in_force(root, quarter)
    if approval is None:
        if chain:
            _print_diagnostics(lock_problems(root, quarter, "HEAD"))
        raise KaoheError(f"{quarter} 还没有审定，只能归档已审定的季度（先运行 kaohe approve {quarter}）")
    if provenance(root).draft:
        raise KaoheError("记录库有未提交的修改，归档只能从已提交的记录生成；请先提交")
    _print_diagnostics(lock_problems(root, quarter, "HEAD"))
    from kaohe_docs.filenames import output_folder
    out = Path(out_dir) if out_dir else output_folder(root, "build", "archive", str(quarter))
    try:
        files = write_archive(root, quarter, out, ctx.progress)
    except OSError as exc:
        from kaohe_docs.errors import cannot_write
        raise cannot_write(out, exc) from exc
    for path in files:
        click.echo(path)
    ctx.progress(f"已归档 {quarter}（{approval.name}）：{len(files)} 个文件，清单 {out / 'MANIFEST.sha256'}")


@main.command(context_settings=CONTEXT)
@click.argument("target", metavar="PDF|核验码|归档文件夹")
@pass_ctx
def verify(ctx: Ctx, target):
    """核对文书：PDF 文件按其中记载的提交重新生成，比较是否逐字节一致；
    公示上印的核验码按生成时的提交重新计算，比较是否一致；
    kaohe archive 生成的归档文件夹逐个文件比对 SHA-256 清单，指出哪个文件不再一致。

    回答还写明：字节不同时是内容被改动，还是生成的字体、软件不同（写明哪种字体或版本、如何安装）；
    该提交是否在主分支的历史上（不在时退出码为 1）；依据哪一次局党委审定、它是否现行有效；公示是否已被更正公示取代。

    \b
    示例：
      kaohe verify build/2026Q1/01-公示.pdf
      kaohe verify 5SZ9Z-0985F
      kaohe verify build/archive/2026Q1
    """
    from kaohe_docs.audit.verify import verify as check_pdf
    from kaohe_docs.audit.verify import verify_code
    path = Path(target)
    if path.is_dir():
        from kaohe_docs.audit.archive import verify_archive
        archived = verify_archive(path)
        for problem in archived.problems:
            click.echo(f"{path}: {problem}")
        if not archived.ok:
            raise SystemExit(1)
        click.echo(f"{path}: 归档的 {archived.checked} 个文件与清单全部一致。")
        return
    if path.is_file():
        ctx.progress(f"按来源提交重新生成 {path.name} ……")
        verdict = check_pdf(ctx.root, path)
        click.echo(f"{path}: {verdict.message}")
    elif path.exists() or target.lower().endswith(".pdf"):
        raise KaoheError(f"找不到可读取的 PDF 文件“{target}”：请给出 PDF 文件、核验码或 kaohe archive 生成的归档文件夹")
    else:
        ctx.progress(f"查找核验码 {target} 并按其提交重新计算……")
        verdict = verify_code(ctx.root, target)
        click.echo(verdict.message)
    if not verdict.identical:
        raise SystemExit(1)


@main.command(context_settings=CONTEXT)
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), metavar="文件夹")
def init(directory):
    """新建一个考核记录库：默认政策、空的花名册和单位名单、.gitignore、
    GitLab CI 和 GitHub Actions 模板、CODEOWNERS（政策写了推送权限 owners 后用 kaohe owners 重新生成）、
    提交前检查钩子，以及供 Git 服务器安装的 server-hooks/pre-receive
    （拒绝改动已审定季度和不算审定的标签的推送；安装方法见该文件开头）。

    \b
    示例：
      kaohe init 清河县公安局考核
    """
    from kaohe_docs.audit.init import init as scaffold
    from kaohe_docs.audit.init import initial_commit
    written = scaffold(directory)
    committed = initial_commit(directory)
    for path in written:
        click.echo(path)
    hint = "已生成首次提交。" if committed else "请配置 git user.name / user.email 后自行提交。"
    click.echo(f"已新建考核记录库 {directory}：先编辑 records/bureau.yaml、units.yaml、roster.yaml。{hint}", err=True)


@main.command(context_settings=CONTEXT)
@pass_ctx
def owners(ctx):
    """输出与政策 owners 一致的 CODEOWNERS（GitLab、GitHub、Gitea 的代码所有者文件），
    让托管服务器的审核规则与服务器钩子的推送权限一致。政策没有 owners 时只输出说明。

    \b
    示例：
      kaohe owners > CODEOWNERS
    """
    from kaohe_docs.audit.owners import codeowners
    project = _open(ctx, strict=False)
    click.echo(codeowners(project.policy.owners if project.policy else None), nl=False)


@main.command(context_settings=CONTEXT)
@pass_ctx
def hook(ctx):
    """把提交前检查钩子装到本仓库的 .git/hooks/pre-commit（克隆记录库后运行一次）。

    钩子不放在版本库跟踪的目录中（任何合并进来的分支都能改动那里的文件），
    它运行本机安装的 kaohe-docs，而不是记录库中的任何代码。

    \b
    示例：
      kaohe hook
    """
    from kaohe_docs.audit.init import install_hook
    path = install_hook(ctx.root)
    click.echo(path)
    ctx.progress("已安装提交前检查钩子：每次 git commit 前运行 kaohe check --staged。")


@main.command(context_settings=CONTEXT)
@click.argument("update", nargs=-1, metavar="[REF OLD NEW]")
def guard(update):
    """服务器钩子：按推送之后服务器上的样子核对，拒绝改动已审定季度、移动或删除审定标签、改写已审定历史、
    不算审定的新标签（未签名、密钥未登记、名称不合规定、不在主分支上、伪造的重新审定……）、refs/replace/、
    未签名的签名密钥名单修改，以及政策 owners 不允许推送者修改的文件。

    由服务器上的 pre-receive 钩子（从标准输入读取“旧 新 引用”）或 update 钩子（三个参数）调用，
    在裸仓库中运行；kaohe init 生成的 server-hooks/pre-receive 就是这样调用的。推送者取自
    GL_USERNAME（GitLab）、GITEA_PUSHER_NAME（Gitea/Forgejo）或 KAOHE_PUSHER（自建 ssh）。
    复核（appeals.yaml）和反馈（feedback.yaml）记录不受限制。

    \b
    示例：
      echo "$OLD $NEW refs/heads/main" | kaohe guard
      kaohe guard refs/heads/main $OLD $NEW
    """
    import sys

    from kaohe_docs.audit.guard import Update, check_push, parse_updates
    if update and len(update) != 3:
        raise click.UsageError("update 钩子的用法：kaohe guard 引用 旧提交 新提交")
    updates = [Update(update[1], update[2], update[0])] if update else parse_updates(sys.stdin.read())
    refusals = check_push(Path.cwd(), updates)  # the pusher: GL_USERNAME, GITEA_PUSHER_NAME or KAOHE_PUSHER
    for line in refusals:
        click.echo(line, err=True)
    if refusals:
        click.echo(f"kaohe-docs：推送被拒绝（{len(refusals)} 个问题）。已审定的季度只能通过复核记录变更；"
                   "误改请撤销（git revert）后再推送。", err=True)
        raise SystemExit(1)
